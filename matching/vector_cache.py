"""A bounded, thread-safe LRU of text embeddings, so a need or query asked again is not
embedded again (embedding one text costs 7-12 ms; a hit costs microseconds). Pure: no Django.

Keys are (model name, text): a vector is only ever reused for the model that made it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

QUERY_CACHE_SIZE = 4096  # 4,096 × 384 float32 = 6 MiB at most


class VectorCache:
    def __init__(self, size: int = QUERY_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def get_many(self, model: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        found = {}
        with self._lock:
            for text in texts:
                vector = self._items.get((model, text))
                if vector is None:
                    self.misses += 1
                    continue
                self._items.move_to_end((model, text))
                found[text] = vector
                self.hits += 1
        return found

    def put_many(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            for text, vector in vectors.items():
                self._items[(model, text)] = np.asarray(vector, dtype=np.float32)
                self._items.move_to_end((model, text))
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0


CACHE = VectorCache()


def encode_cached(
    encoder, texts: Sequence[str], *, stored=None, cache: VectorCache = CACHE
) -> np.ndarray:
    """Embeddings of `texts`, one row each: from the LRU, else from `stored(texts)` (a
    callable giving {text: vector} for those it has, e.g. the database's NeedEmbedding
    rows), else computed by `encoder` in one batch. All found are remembered in the LRU."""
    found = cache.get_many(encoder.name, texts)
    missing = [t for t in dict.fromkeys(texts) if t not in found]
    if missing and stored is not None:
        fetched = stored(missing)
        found.update(fetched)
        cache.put_many(encoder.name, fetched)
        missing = [t for t in missing if t not in fetched]
    if missing:
        computed = dict(zip(missing, encoder.encode(missing), strict=True))
        found.update(computed)
        cache.put_many(encoder.name, computed)
    if not texts:
        return np.zeros((0, encoder.dimensions), dtype=np.float32)
    return np.vstack([found[t] for t in texts]).astype(np.float32, copy=False)
