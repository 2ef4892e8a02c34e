"""Approximate nearest neighbours over the service embeddings (HNSW, usearch), for scans of
the whole directory: at 250,000 services an exact scan reads 384 MB per request.

The graph holds int8-quantised copies of the vectors, keyed by index row; it only picks
candidates. Their cosines are then computed exactly from the float32 vectors, so what the
ranker reads is never approximate, only which rows it reads. Kept in step with the index
(`add`, `remove`). Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from usearch.index import Index

CONNECTIVITY = 16  # graph degree (HNSW M)
EXPANSION_ADD = 64  # breadth of the search when inserting (efConstruction)


class NearestRows:
    def __init__(self, dimensions: int) -> None:
        self.dimensions = dimensions
        self._graph = Index(
            ndim=dimensions,
            metric="cos",
            dtype="i8",
            connectivity=CONNECTIVITY,
            expansion_add=EXPANSION_ADD,
        )

    def __len__(self) -> int:
        return len(self._graph)

    def nbytes(self) -> int:
        return int(self._graph.memory_usage)

    def add(self, rows: np.ndarray, vectors: np.ndarray, *, threads: int = 0) -> None:
        """Insert (or replace) these rows' vectors; `threads` 0: every core (a bulk build)."""
        rows = np.asarray(rows, dtype=np.uint64)
        if len(rows) == 0:
            return
        self.remove(rows)
        self._graph.add(rows, np.ascontiguousarray(vectors, dtype=np.float32), threads=threads)

    def remove(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.uint64)
        present = rows[np.asarray(self._graph.contains(rows), dtype=bool).reshape(-1)]
        if len(present):
            self._graph.remove(present)

    def nearest(self, queries: np.ndarray, count: int) -> np.ndarray:
        """Rows among the `count` nearest to any query (sorted, unique). One thread: a
        request must not compete with the other requests for the cores."""
        if len(self._graph) == 0:
            return np.zeros(0, dtype=np.int64)
        count = min(count, len(self._graph))
        self._graph.expansion_search = max(64, count)
        found = self._graph.search(
            np.ascontiguousarray(queries, dtype=np.float32), count, threads=1
        )
        keys = np.asarray(found.keys).reshape(-1)
        if hasattr(found, "counts"):  # a batch: each query's row holds `counts` real hits
            counts = np.asarray(found.counts).reshape(-1)
            width = np.asarray(found.keys).reshape(len(counts), -1).shape[1]
            valid = np.arange(width)[None, :] < counts[:, None]
            keys = np.asarray(found.keys).reshape(len(counts), -1)[valid]
        return np.unique(keys.astype(np.int64))


def tie_aware_recall(exact: Sequence[float], found: Sequence[float], *, tol: float = 1e-5) -> float:
    """Share of the exact top k's scores (`exact`) that the approximate top k (`found`)
    matches, each score used once, within `tol`. Two lists that differ only among services
    with equal scores (copies of one text share one vector) agree fully: which of several
    equal services fills the last places is not an error of the graph."""
    if len(exact) == 0:
        return 1.0
    left = sorted(float(v) for v in found)
    hits = 0
    for value in sorted(float(v) for v in exact):
        match = next((i for i, v in enumerate(left) if abs(v - value) <= tol), None)
        if match is not None:
            left.pop(match)
            hits += 1
    return hits / len(exact)
