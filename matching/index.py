"""The in-memory matching index: embeddings, BM25 postings, places and constraint columns.

Built once per process from stored embeddings (never computed per request) and kept current
by `upsert`/`remove` as services change. Rows are slots: an edit rewrites its row in place,
a removal frees the row for reuse. BM25 postings are a compressed base (CSR) plus a small
overlay for rows changed since the base was built; `compact()` folds the overlay in.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable

import numpy as np

from directory.models import Service
from directory.rules import is_listed_for
from matching.ann import NearestRows
from matching.documents import ServiceDoc
from matching.text import terms
from places.geo import EARTH_RADIUS_KM, haversine_km_array

BM25_K1, BM25_B = 1.2, 0.75
_NO_MIN_AGE, _NO_MAX_AGE = -1, 10_000
_COMPACT_AFTER = 2_000  # overlay rows before the postings are rebuilt
ANN_FROM = 50_000  # embedded services from which whole-directory scans use the HNSW graph
ANN_COUNT = 1_000  # rows the graph hands over per need (then scored exactly)


class _Grow:
    """A numpy column that grows by doubling (append is amortised O(1))."""

    def __init__(self, dtype, width: int | None = None, fill=0) -> None:
        self.width, self.fill = width, fill
        shape = (16, width) if width else (16,)
        self.data = np.full(shape, fill, dtype=dtype)

    def ensure(self, n: int) -> None:
        if n <= len(self.data):
            return
        size = max(n, 2 * len(self.data))
        shape = (size, self.width) if self.width else (size,)
        bigger = np.full(shape, self.fill, dtype=self.data.dtype)
        bigger[: len(self.data)] = self.data
        self.data = bigger


class MatchingIndex:
    def __init__(self, dimensions: int = 384) -> None:
        self.dimensions = dimensions
        self.docs: list[ServiceDoc | None] = []
        self.row_of: dict[str, int] = {}
        self._free_rows: list[int] = []
        self.completion: dict[str, tuple[int, int]] = {}
        self._emb = _Grow(np.float32, dimensions)
        self._has_emb = _Grow(np.bool_)
        self._alive = _Grow(np.bool_)
        self._open = _Grow(np.bool_)  # active and not full
        self._pro_only = _Grow(np.bool_)
        self._remote = _Grow(np.bool_)
        self._min_age = _Grow(np.int16, fill=_NO_MIN_AGE)
        self._max_age = _Grow(np.int16, fill=_NO_MAX_AGE)
        self._free = _Grow(np.int8, fill=-1)  # 1 free, 0 charges, -1 not known
        self._waiting = _Grow(np.bool_)
        self._verified = _Grow(np.float64, fill=np.nan)  # ordinal day of last verification
        self._doc_len = _Grow(np.float32)
        self._vocab: dict[str, int] = {}
        self._df: Counter[int] = Counter()
        self._total_len = 0.0
        # postings: base CSR over term ids + overlay {term id: {row: tf}} for changed rows
        self._base_ptr = np.zeros(1, dtype=np.int64)
        self._base_rows = np.zeros(0, dtype=np.int32)
        self._base_tf = np.zeros(0, dtype=np.float32)
        self._overridden = _Grow(np.bool_)
        self._overlay: dict[int, dict[int, int]] = {}
        self._row_terms: dict[int, dict[int, int]] = {}  # overlay rows' terms, to undo them
        self._ann: NearestRows | None = None  # built once ANN_FROM services are embedded
        self._points_dirty = True
        self._pt_lat = self._pt_lon = np.zeros(0)
        self._pt_row = np.zeros(0, dtype=np.int32)

    # --- size ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.row_of)

    @property
    def rows(self) -> int:
        return len(self.docs)

    def nbytes(self) -> int:
        cols = [self._emb, self._has_emb, self._alive, self._open, self._pro_only, self._remote]
        cols += [self._min_age, self._max_age, self._free, self._waiting, self._verified]
        total = sum(c.data.nbytes for c in cols + [self._doc_len, self._overridden])
        total += self._base_ptr.nbytes + self._base_rows.nbytes + self._base_tf.nbytes
        total += self._ann.nbytes() if self._ann is not None else 0
        return total + self._pt_lat.nbytes + self._pt_lon.nbytes + self._pt_row.nbytes

    # --- building -----------------------------------------------------------------------

    def _term_id(self, term: str) -> int:
        tid = self._vocab.get(term)
        if tid is None:
            tid = self._vocab[term] = len(self._vocab)
        return tid

    def _set_columns(self, row: int, doc: ServiceDoc, vector: np.ndarray | None) -> None:
        for col in (self._emb, self._has_emb, self._alive, self._open, self._pro_only):
            col.ensure(row + 1)
        for col in (self._remote, self._min_age, self._max_age, self._free, self._waiting):
            col.ensure(row + 1)
        for col in (self._verified, self._doc_len, self._overridden):
            col.ensure(row + 1)
        if vector is not None:
            self._emb.data[row] = vector
        else:
            self._emb.data[row] = 0.0
        if self._ann is not None:  # one row at a time: an edit, not a bulk build
            if vector is not None:
                self._ann.add(np.array([row]), self._emb.data[row : row + 1], threads=1)
            else:
                self._ann.remove(np.array([row]))
        self._has_emb.data[row] = vector is not None
        self._alive.data[row] = True
        self._open.data[row] = (
            doc.status == Service.Status.ACTIVE and doc.capacity != Service.Capacity.FULL
        )
        self._pro_only.data[row] = not is_listed_for(doc.visibility, professional=False)
        self._remote.data[row] = doc.remote
        self._min_age.data[row] = _NO_MIN_AGE if doc.min_age is None else doc.min_age
        self._max_age.data[row] = _NO_MAX_AGE if doc.max_age is None else doc.max_age
        self._free.data[row] = -1 if doc.free is None else int(doc.free)
        self._waiting.data[row] = doc.capacity == Service.Capacity.WAITING_LIST
        verified = doc.last_verified_at
        self._verified.data[row] = np.nan if verified is None else verified.date().toordinal()

    @classmethod
    def build(
        cls,
        items: Iterable[tuple[ServiceDoc, np.ndarray | None]],
        dimensions: int = 384,
    ) -> MatchingIndex:
        """Bulk build (fast path): columns and the CSR postings in one pass."""
        index = cls(dimensions)
        term_ids: list[np.ndarray] = []
        tfs: list[np.ndarray] = []
        for row, (doc, vector) in enumerate(items):
            index.docs.append(doc)
            index.row_of[doc.id] = row
            index._set_columns(row, doc, vector)
            counts = Counter(terms(doc.text()))
            index._doc_len.data[row] = sum(counts.values())
            index._total_len += index._doc_len.data[row]
            ids = np.fromiter((index._term_id(t) for t in counts), np.int32, len(counts))
            term_ids.append(ids)
            tfs.append(np.fromiter(counts.values(), np.float32, len(counts)))
            index._df.update(ids.tolist())
        index._build_csr(term_ids, tfs)
        index._build_ann()
        return index

    def _build_ann(self) -> None:
        """Build the HNSW graph (every core) once ANN_FROM services have an embedding."""
        have = np.flatnonzero(self._has_emb.data[: self.rows] & self._alive.data[: self.rows])
        if self._ann is not None or len(have) < ANN_FROM:
            return
        ann = NearestRows(self.dimensions)
        for start in range(0, len(have), 50_000):
            chunk = have[start : start + 50_000]
            ann.add(chunk, self._emb.data[chunk])
        self._ann = ann

    def _build_csr(self, term_ids: list[np.ndarray], tfs: list[np.ndarray]) -> None:
        n_terms = len(self._vocab)
        if not term_ids:
            self._base_ptr = np.zeros(n_terms + 1, dtype=np.int64)
            return
        lengths = np.fromiter((len(t) for t in term_ids), np.int64, len(term_ids))
        all_terms = np.concatenate(term_ids)
        all_rows = np.repeat(np.arange(len(term_ids), dtype=np.int32), lengths)
        all_tf = np.concatenate(tfs)
        order = np.argsort(all_terms, kind="stable")
        self._base_rows = all_rows[order]
        self._base_tf = all_tf[order]
        counts = np.bincount(all_terms, minlength=n_terms)
        self._base_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def compact(self) -> None:
        """Fold the overlay into the base postings (after many edits)."""
        term_ids, tfs = [], []
        for doc in self.docs:
            if doc is None:
                term_ids.append(np.zeros(0, np.int32))
                tfs.append(np.zeros(0, np.float32))
                continue
            counts = Counter(terms(doc.text()))
            term_ids.append(np.fromiter((self._term_id(t) for t in counts), np.int32, len(counts)))
            tfs.append(np.fromiter(counts.values(), np.float32, len(counts)))
        self._build_csr(term_ids, tfs)
        self._overlay.clear()
        self._row_terms.clear()
        self._overridden.data[:] = False

    # --- incremental changes ------------------------------------------------------------

    def _forget_terms(self, row: int) -> None:
        """Take `row`'s terms out of the statistics and postings (base or overlay)."""
        self._total_len -= float(self._doc_len.data[row])
        if row in self._row_terms:
            for tid in self._row_terms.pop(row):
                self._overlay[tid].pop(row, None)
                self._df[tid] -= 1
        elif not self._overridden.data[row]:
            doc = self.docs[row]
            for t in set(terms(doc.text())) if doc else ():
                self._df[self._vocab[t]] -= 1
        self._overridden.data[row] = True

    def upsert(self, doc: ServiceDoc, vector: np.ndarray | None) -> None:
        """Add or replace one service (an import, an edit or a verification)."""
        row = self.row_of.get(doc.id)
        if row is not None:
            self._forget_terms(row)
        else:
            row = self._free_rows.pop() if self._free_rows else len(self.docs)
            if row == len(self.docs):
                self.docs.append(None)
            self.row_of[doc.id] = row
        self._set_columns(row, doc, vector)
        self._overridden.data[row] = True
        self.docs[row] = doc
        counts = Counter(terms(doc.text()))
        self._doc_len.data[row] = sum(counts.values())
        self._total_len += float(self._doc_len.data[row])
        mine = {}
        for t, tf in counts.items():
            tid = self._term_id(t)
            self._overlay.setdefault(tid, {})[row] = tf
            self._df[tid] += 1
            mine[tid] = tf
        self._row_terms[row] = mine
        self._points_dirty = True
        if len(self._row_terms) > _COMPACT_AFTER:
            self.compact()

    def remove(self, service_id: str) -> None:
        row = self.row_of.pop(service_id, None)
        if row is None:
            return
        self._forget_terms(row)
        self._row_terms[row] = {}
        self._doc_len.data[row] = 0
        self._alive.data[row] = False
        self.docs[row] = None
        if self._ann is not None:
            self._ann.remove(np.array([row]))
        self._free_rows.append(row)
        self._points_dirty = True

    # --- reading ------------------------------------------------------------------------

    def doc(self, row: int) -> ServiceDoc:
        doc = self.docs[row]
        assert doc is not None  # noqa: S101 - rows handed out are alive
        return doc

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        return self._emb.data[rows]

    def nearest_rows(self, queries: np.ndarray, count: int = ANN_COUNT) -> np.ndarray | None:
        """Rows among the `count` nearest (approximately, by the HNSW graph) to any of the
        query vectors; None when the directory is too small to need the graph. Builds the
        graph if the directory has grown past ANN_FROM since the index was built."""
        if self._ann is None:
            self._build_ann()
        if self._ann is None:
            return None
        return self._ann.nearest(queries, count)

    def rows_without_vectors(self) -> np.ndarray:
        n = self.rows
        return np.flatnonzero(self._alive.data[:n] & ~self._has_emb.data[:n])

    def has_vectors(self, rows: np.ndarray) -> np.ndarray:
        return self._has_emb.data[rows]

    def _rebuild_points(self) -> None:
        lat, lon, row = [], [], []
        for r, doc in enumerate(self.docs):
            if doc is None:
                continue
            for p_lat, p_lon in doc.points:
                lat.append(p_lat)
                lon.append(p_lon)
                row.append(r)
        order = np.argsort(np.asarray(lat, dtype=np.float64), kind="stable")
        self._pt_lat = np.asarray(lat, dtype=np.float64)[order]
        self._pt_lon = np.asarray(lon, dtype=np.float64)[order]
        self._pt_row = np.asarray(row, dtype=np.int32)[order]
        # The same points by row (row r's are at _row_start[r]:_row_start[r + 1]), so the
        # distances of a few rows read only their own points (distances_to).
        by_row = np.argsort(self._pt_row, kind="stable")
        self._row_lat, self._row_lon = self._pt_lat[by_row], self._pt_lon[by_row]
        counts = np.bincount(self._pt_row, minlength=self.rows)
        self._row_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self._points_dirty = False

    def rows_within(self, lat: float, lon: float, km: float) -> tuple[np.ndarray, np.ndarray]:
        """Rows with a place within `km` of (lat, lon), and the distance to the nearest place."""
        if self._points_dirty:
            self._rebuild_points()
        dlat = math.degrees(km / EARTH_RADIUS_KM)
        lo = np.searchsorted(self._pt_lat, lat - dlat, side="left")
        hi = np.searchsorted(self._pt_lat, lat + dlat, side="right")
        p_lat, p_lon, p_row = self._pt_lat[lo:hi], self._pt_lon[lo:hi], self._pt_row[lo:hi]
        cos_lat = max(0.01, math.cos(math.radians(min(89.0, abs(lat) + dlat))))
        dlon = math.degrees(km / EARTH_RADIUS_KM) / cos_lat
        near = np.abs(((p_lon - lon + 180.0) % 360.0) - 180.0) <= dlon
        p_lat, p_lon, p_row = p_lat[near], p_lon[near], p_row[near]
        dist = haversine_km_array(lat, lon, p_lat, p_lon)
        keep = dist <= km
        p_row, dist = p_row[keep], dist[keep]
        if len(p_row) == 0:
            return np.zeros(0, np.int32), np.zeros(0)
        # nearest place per service
        order = np.lexsort((dist, p_row))
        p_row, dist = p_row[order], dist[order]
        first = np.concatenate([[True], p_row[1:] != p_row[:-1]])
        return p_row[first], dist[first]

    def distances_to(self, rows: np.ndarray, lat: float, lon: float) -> np.ndarray:
        """Distance from (lat, lon) to each of `rows`' nearest place (nan: no place); the
        points of those rows only (read by row, not a scan of every place)."""
        if self._points_dirty:
            self._rebuild_points()
        rows = np.asarray(rows, dtype=np.int64)
        out = np.full(len(rows), np.nan)
        start, end = self._row_start[rows], self._row_start[rows + 1]
        counts = end - start
        placed = np.flatnonzero(counts > 0)
        if len(placed) == 0:
            return out
        counts_p, start_p = counts[placed], start[placed]
        # Every point of every placed row, in order: start + 0..count-1 per row.
        offsets = np.repeat(np.cumsum(counts_p) - counts_p, counts_p)
        points = np.repeat(start_p, counts_p) + np.arange(counts_p.sum()) - offsets
        dist = haversine_km_array(lat, lon, self._row_lat[points], self._row_lon[points])
        out[placed] = np.minimum.reduceat(dist, np.cumsum(counts_p) - counts_p)
        return out

    def alive_rows(self) -> np.ndarray:
        return np.flatnonzero(self._alive.data[: self.rows])

    def remote_rows(self) -> np.ndarray:
        n = self.rows
        return np.flatnonzero(self._alive.data[:n] & self._remote.data[:n])

    def prefilter(self, rows: np.ndarray, *, professional: bool, age: int | None) -> np.ndarray:
        """Mask over `rows` of those passing the constraints that need no per-row Python:
        open, visible to this user, and (when the age is known) the right age."""
        ok = self._alive.data[rows] & self._open.data[rows]
        if not professional:
            ok &= ~self._pro_only.data[rows]
        if age is not None:
            ok &= (self._min_age.data[rows] <= age) & (self._max_age.data[rows] >= age)
        return ok

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of a stemmed term in this directory; a term
        no service uses gets the largest value (as if one service used it)."""
        n_docs = max(1, len(self.row_of))
        tid = self._vocab.get(term)
        df = self._df.get(tid, 0) if tid is not None else 0
        return math.log(1 + (n_docs - max(df, 1) + 0.5) / (max(df, 1) + 0.5))

    def is_common(self, term: str, share: float, at_least: int) -> bool:
        """Whether more than `share` of the directory's services (and at least `at_least`
        of them) use a stemmed term: such a word explains nothing."""
        tid = self._vocab.get(term)
        df = self._df.get(tid, 0) if tid is not None else 0
        return df >= at_least and df > share * len(self.row_of)

    def bm25(self, rows: np.ndarray, query: Iterable[str]) -> np.ndarray:
        """BM25 of each of `rows` for the stemmed query terms."""
        n_docs = max(1, len(self.row_of))
        avg_len = max(1.0, self._total_len / n_docs)
        scores = np.zeros(self.rows, dtype=np.float32)
        doc_len = self._doc_len.data
        overridden = self._overridden.data[: self.rows]

        def norm(rows):  # BM25's length normalisation, for the rows a term occurs in only
            return BM25_K1 * (1 - BM25_B + BM25_B * doc_len[rows] / avg_len)

        for term in set(query):
            tid = self._vocab.get(term)
            if tid is None or self._df[tid] <= 0:
                continue
            df = self._df[tid]
            idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
            if tid + 1 < len(self._base_ptr):
                a, b = self._base_ptr[tid], self._base_ptr[tid + 1]
                p_rows, p_tf = self._base_rows[a:b], self._base_tf[a:b]
                if len(self._row_terms):
                    keep = ~overridden[p_rows]
                    p_rows, p_tf = p_rows[keep], p_tf[keep]
                scores[p_rows] += idf * p_tf * (BM25_K1 + 1) / (p_tf + norm(p_rows))
            for row, tf in self._overlay.get(tid, {}).items():
                scores[row] += idf * tf * (BM25_K1 + 1) / (tf + norm(row))
        return scores[rows]

    def prelim(
        self, rows: np.ndarray, today: dt.date, *, stale_after_days: int
    ) -> dict[str, np.ndarray]:
        """Columns the coarse ranking reads: free, waiting list, days since verification,
        and stale (verified more than `stale_after_days` days ago; never is not stale)."""
        days = today.toordinal() - self._verified.data[rows]
        return {
            "free": self._free.data[rows],
            "waiting": self._waiting.data[rows],
            "verified_days": days,
            "remote": self._remote.data[rows],
            "stale": np.nan_to_num(days, nan=0.0) > stale_after_days,
        }
