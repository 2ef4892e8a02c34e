"""The index: BM25, places, prefilter columns, and incremental changes."""

import numpy as np
import pytest

from matching.ann import tie_aware_recall
from matching.constraints import haversine_km
from matching.index import MatchingIndex
from matching.tests.builders import ASHFORD, make_doc
from matching.text import query_terms


def build(*docs):
    return MatchingIndex.build([(d, None) for d in docs])


def bm25_of(index, text):
    rows = index.alive_rows()
    return dict(
        zip([index.doc(r).id for r in rows], index.bm25(rows, query_terms(text)), strict=True)
    )


def test_bm25_ranks_the_service_that_uses_the_words_higher():
    walk = make_doc(name="Health walk", description="A walk in the park")
    choir = make_doc(name="Community choir", description="Singing together")
    scores = bm25_of(build(walk, choir), "walking")
    assert scores[walk.id] > 0 and scores[choir.id] == 0


def test_rare_words_weigh_more_than_common_ones():
    docs = [make_doc(description="support group") for _ in range(5)]
    docs.append(make_doc(description="support group for allotment gardening"))
    scores = bm25_of(build(*docs), "allotment support")
    assert scores[docs[-1].id] > 3 * scores[docs[0].id]


def test_rows_within_returns_the_nearest_place_of_each_service_inside_the_radius():
    lat, lon = ASHFORD
    near = make_doc(points=((lat + 0.01, lon), (lat + 0.2, lon)))
    far = make_doc(points=((lat + 0.5, lon),))
    index = build(near, far)
    rows, km = index.rows_within(lat, lon, 10.0)
    assert [index.doc(r).id for r in rows] == [near.id]
    assert km[0] == pytest.approx(haversine_km(lat, lon, lat + 0.01, lon))


def test_rows_within_agrees_with_brute_force_on_random_places():
    rng = np.random.default_rng(3)
    docs = [
        make_doc(points=((float(rng.uniform(50, 56)), float(rng.uniform(-5, 1))),))
        for _ in range(400)
    ]
    index = build(*docs)
    for lat, lon, km in [(52.0, -1.0, 50.0), (55.9, -3.2, 120.0), (50.5, 0.5, 5.0)]:
        rows, _ = index.rows_within(lat, lon, km)
        found = {index.doc(r).id for r in rows}
        expected = {d.id for d in docs if haversine_km(lat, lon, *d.points[0]) <= km}
        assert found == expected


def test_prefilter_drops_closed_full_hidden_and_wrong_age_services():
    ok = make_doc()
    closed = make_doc(status="defunct")
    full = make_doc(capacity="full")
    hidden = make_doc(visibility="professionals")
    young = make_doc(min_age=18, max_age=25)
    index = build(ok, closed, full, hidden, young)
    rows = index.alive_rows()
    passed = rows[index.prefilter(rows, professional=False, age=70)]
    assert [index.doc(r).id for r in passed] == [ok.id]
    passed = rows[index.prefilter(rows, professional=True, age=None)]
    assert {index.doc(r).id for r in passed} == {ok.id, hidden.id, young.id}


def test_an_edit_replaces_the_old_text_at_once():
    doc = make_doc(name="Knitting circle", description="Knit and natter")
    index = build(doc, make_doc())
    index.upsert(make_doc(id=doc.id, name="Gardening club", description="Grow vegetables"), None)
    scores = bm25_of(index, "knitting")
    assert scores[doc.id] == 0
    assert bm25_of(index, "gardening")[doc.id] > 0
    assert len(index) == 2


def test_new_and_removed_services_come_and_go_and_rows_are_reused():
    first = make_doc(name="Food bank")
    index = build(first)
    added = make_doc(name="Food pantry")
    index.upsert(added, np.ones(384, dtype=np.float32) / np.sqrt(384))
    assert set(bm25_of(index, "food")) == {first.id, added.id}
    index.remove(first.id)
    assert set(bm25_of(index, "food")) == {added.id}
    again = make_doc(name="Community fridge")
    index.upsert(again, None)
    assert index.rows == 2  # the freed row was reused
    assert index.has_vectors(np.array([index.row_of[added.id]]))[0]


def test_compacting_the_postings_changes_no_score():
    docs = [make_doc(description=f"walking group number {i}") for i in range(20)]
    index = build(*docs)
    for i, d in enumerate(docs[:8]):
        index.upsert(make_doc(id=d.id, description=f"gardening and walking {i}"), None)
    index.remove(docs[9].id)
    before = bm25_of(index, "walking gardening")
    index.compact()
    after = bm25_of(index, "walking gardening")
    assert before.keys() == after.keys()
    for key in before:
        assert after[key] == pytest.approx(before[key], rel=1e-5)


def test_memory_is_reported():
    assert build(make_doc()).nbytes() > 0


def test_distances_take_each_services_nearest_place():
    lat, lon = ASHFORD
    two = make_doc(points=((lat + 0.2, lon), (lat + 0.01, lon)))
    none = make_doc(points=(), remote=True)
    index = build(two, none)
    rows = np.array([index.row_of[none.id], index.row_of[two.id]])
    km = index.distances_to(rows, lat, lon)
    assert np.isnan(km[0])
    assert km[1] == pytest.approx(haversine_km(lat, lon, lat + 0.01, lon))


def test_distances_of_any_rows_match_every_place_measured_one_by_one():
    rng = np.random.default_rng(11)
    lat, lon = ASHFORD
    docs = [
        make_doc(
            points=tuple(
                (lat + rng.uniform(-1, 1), lon + rng.uniform(-1, 1))
                for _ in range(rng.integers(0, 4))
            ),
            remote=True,
        )
        for _ in range(60)
    ]
    index = build(*docs)
    index.remove(docs[7].id)  # a removed row and a later upsert move rows and points
    index.upsert(make_doc(points=((lat, lon),)), None)
    rows = rng.permutation(index.alive_rows())[:25]
    got = index.distances_to(rows, lat, lon)
    for row, km in zip(rows, got, strict=True):
        points = index.doc(int(row)).points
        if not points:
            assert np.isnan(km)
        else:
            assert km == pytest.approx(min(haversine_km(lat, lon, a, b) for a, b in points))
    assert len(index.distances_to(np.array([], dtype=np.int64), lat, lon)) == 0


def _clustered(n, seed=5):
    rng = np.random.default_rng(seed)
    # Like sentence embeddings, the vectors live near a low-dimensional subspace.
    latent = rng.normal(size=(n, 24)) @ rng.normal(size=(24, 384))
    vectors = (latent + 0.3 * rng.normal(size=(n, 384))).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), rng


def test_a_large_directory_gets_a_graph_that_finds_the_exact_best_rows(monkeypatch):
    import matching.index as index_module

    monkeypatch.setattr(index_module, "ANN_FROM", 100)
    vectors, rng = _clustered(600)
    index = MatchingIndex.build([(make_doc(), v) for v in vectors])
    query = vectors[:2] + 0.05 * rng.normal(size=(2, 384)).astype(np.float32)
    near = index.nearest_rows(query, 60)
    exact = vectors @ query.T
    for j in range(2):
        best = np.sort(exact[:, j])[::-1][:10]
        found = np.sort(exact[near, j])[::-1][:10]
        assert tie_aware_recall(best, found) == 1.0
    # cosines are always exact, whichever rows are read
    assert np.allclose(index.vectors(near) @ query.T, exact[near], atol=1e-6)


def test_recall_against_brute_force_counts_ties_as_agreement():
    exact = [0.9, 0.8, 0.7, 0.7, 0.7]  # three services share the fifth-best score
    assert tie_aware_recall(exact, [0.9, 0.8, 0.7, 0.7, 0.7]) == 1.0  # other copies: right
    assert tie_aware_recall(exact, [0.9, 0.8, 0.7, 0.7, 0.6]) == 0.8  # a worse one: a miss
    assert tie_aware_recall(exact, [0.9, 0.9, 0.8, 0.7, 0.7]) == 0.8  # each score used once


def test_the_graph_over_copies_of_one_text_finds_equally_good_rows(monkeypatch):
    """Like the generated benchmark directory: each text many times, identical vectors."""
    import matching.index as index_module

    monkeypatch.setattr(index_module, "ANN_FROM", 100)
    vectors, rng = _clustered(60, seed=9)
    copies = np.repeat(vectors, 8, axis=0)
    index = MatchingIndex.build([(make_doc(), v) for v in copies])
    query = vectors[:3] + 0.05 * rng.normal(size=(3, 384)).astype(np.float32)
    near = index.nearest_rows(query, 40)
    exact = copies @ query.T
    for j in range(3):
        best = np.sort(exact[:, j])[::-1][:10]
        found = np.sort(exact[near, j])[::-1][:10]
        assert tie_aware_recall(best, found) == 1.0


def test_a_small_directory_has_no_graph():
    vectors, _ = _clustered(50)
    index = MatchingIndex.build([(make_doc(), v) for v in vectors])
    assert index.nearest_rows(vectors[:1]) is None


def test_the_graph_follows_edits_and_removals(monkeypatch):
    import matching.index as index_module

    monkeypatch.setattr(index_module, "ANN_FROM", 100)
    vectors, _ = _clustered(300)
    docs = [make_doc() for _ in vectors]
    index = MatchingIndex.build(zip(docs, vectors, strict=True))
    row = index.row_of[docs[0].id]
    assert row in index.nearest_rows(vectors[:1], 5)
    index.upsert(docs[0], vectors[7])  # its text changed: it now sits where row 7 does
    assert row in index.nearest_rows(vectors[7:8], 5)
    index.remove(docs[0].id)
    assert row not in index.nearest_rows(vectors[7:8], 20)
    new = make_doc()
    index.upsert(new, None)  # not embedded yet: not in the graph, found by words
    assert index.row_of[new.id] in index.rows_without_vectors()
    assert index.row_of[new.id] not in index.nearest_rows(vectors[:3], 300)
