"""ADR 0022: which neighbours expand a need, and which cosine the relevance gate reads.

Pure: three-dimensional vectors chosen by hand stand in for the model, so each rule is seen
on its own. The need is e1; A is the service nearest it, B is about the need only as the
directory words it (near A), C only as said (away from A), D about something else."""

import numpy as np
import pytest

from matching import engine, scoring
from matching.engine import suggest
from matching.index import MatchingIndex
from matching.tests.builders import TODAY, make_doc, make_profile


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


NEED = unit(1, 0, 0)
VECTORS = {  # "as expanded": the need moved towards A alone, with weight 2
    "A": unit(0.8, 0.6, 0),  # said 0.80 (the best)
    "B": unit(0.45, 0.9, 0),  # said 0.45 (0.56 of the best); as expanded 0.78 (0.80)
    "C": unit(0.6, 0, -0.8),  # said 0.60 (0.75 of the best); as expanded 0.54 (0.56)
    "D": unit(0, 0, 1),  # said 0
}


def suggested(gate: str, monkeypatch) -> set[str]:
    monkeypatch.setattr(scoring, "GATE_ON", gate)
    monkeypatch.setattr(scoring, "EXPAND_TOP", 1)  # the need moves towards A alone
    monkeypatch.setattr(scoring, "EXPAND_WEIGHT", 2.0)
    monkeypatch.setattr(scoring, "BACKBONE_TOP", 0)
    docs = [make_doc(id=name, name=f"Service {name}", points=()) for name in VECTORS]
    index = MatchingIndex.build(zip(docs, VECTORS.values(), strict=True), dimensions=3)
    profile = make_profile("the need")
    found = suggest(index, profile, need_vectors=NEED[None, :], today=TODAY, limit=10)
    return {r.doc.id for r in found.results}


@pytest.mark.parametrize(
    ("gate", "expected"),
    [("said", {"A", "C"}), ("expanded", {"A", "B"}), ("either", {"A", "B", "C"})],
)
def test_the_gate_reads_the_need_as_said_as_expanded_or_either(gate, expected, monkeypatch):
    assert suggested(gate, monkeypatch) == expected


def test_either_gate_never_admits_a_service_about_something_else(monkeypatch):
    assert "D" not in suggested("either", monkeypatch)


def test_only_neighbours_about_the_need_as_said_move_it(monkeypatch):
    """Of the four services A and C pass the gate for the need as said (B is 0.56 of the
    best, D 0): the need moves towards the mean of A and C, not the middle of all four."""
    monkeypatch.setattr(scoring, "EXPAND_TOP", 15)
    monkeypatch.setattr(scoring, "EXPAND_WEIGHT", 1.0)
    vectors = np.vstack(list(VECTORS.values()))
    raw = vectors @ NEED[:, None]
    moved = NEED + (VECTORS["A"] + VECTORS["C"]) / 2
    expected = vectors @ (moved / np.linalg.norm(moved))
    got = engine._expanded(vectors, np.ones(4, bool), raw, NEED[None, :])
    np.testing.assert_allclose(got[:, 0], expected, atol=1e-6)


def test_a_need_nothing_is_about_is_not_moved(monkeypatch):
    """Every cosine under the gate's floor (RELEVANT_COSINE): no neighbour counts, so the
    expanded need is the need as said, and the gate on it admits nothing either."""
    monkeypatch.setattr(scoring, "GATE_ON", "either")
    vectors = np.vstack([unit(0.1, 1, 0), unit(0.1, 0, 1), unit(0.05, 1, 1)])
    raw = vectors @ NEED[:, None]
    assert raw.max() < scoring.RELEVANT_COSINE
    got = engine._expanded(vectors, np.ones(3, bool), raw, NEED[None, :])
    np.testing.assert_allclose(got, raw, atol=1e-6)
    docs = [make_doc(id=f"s{i}", points=()) for i in range(3)]
    index = MatchingIndex.build(zip(docs, vectors, strict=True), dimensions=3)
    found = suggest(index, make_profile("x"), need_vectors=NEED[None, :], today=TODAY)
    assert found.results == []


def test_a_large_directory_expands_towards_its_nearest_fifteen(monkeypatch):
    """With 2,000 services the EXPAND_TOP (15) nearest that are about the need count."""
    monkeypatch.setattr(scoring, "EXPAND_TOP", 15)
    monkeypatch.setattr(scoring, "EXPAND_WEIGHT", 1.0)
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(2000, 8)).astype(np.float32)
    vectors[:15, 0] += 20  # fifteen services clearly about the need (e1)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    need = np.zeros(8, np.float32)
    need[0] = 1
    raw = vectors @ need[:, None]
    assert set(np.argsort(-raw[:, 0])[:15]) == set(range(15))
    moved = need + vectors[:15].mean(axis=0)
    expected = vectors @ (moved / np.linalg.norm(moved))
    got = engine._expanded(vectors, np.ones(2000, bool), raw, need[None, :])
    np.testing.assert_allclose(got[:, 0], expected, atol=1e-5)
