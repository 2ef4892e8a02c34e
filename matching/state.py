"""The process-wide index: built once from stored embeddings, then kept current by reading
the IndexChange log (one cheap query per request), so edits show up without a restart."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
from django.db import connection
from django.db.models import Max

from matching.adapters import docs_for_services
from matching.embedding import DIMENSIONS, MODEL_NAME, get_encoder
from matching.index import MatchingIndex
from matching.models import IndexChange, ServiceEmbedding
from matching.queries import completion_counts

logger = logging.getLogger(__name__)
COMPLETION_TTL_SECONDS = 600

_lock = threading.Lock()
_state: dict = {}


def reset() -> None:
    """Forget the built index (tests; after restoring a database)."""
    with _lock:
        _state.clear()


def _vectors_for(ids: list[str] | None) -> dict[str, np.ndarray]:
    if get_encoder() is None:
        return {}
    qs = ServiceEmbedding.objects.filter(model_name=MODEL_NAME)
    if ids is not None:
        qs = qs.filter(service_id__in=ids)
    return {
        str(service_id): np.frombuffer(bytes(vector), dtype="<f4")
        for service_id, vector in qs.values_list("service_id", "vector").iterator(chunk_size=2000)
    }


def build_index() -> MatchingIndex:
    started = time.perf_counter()
    docs = docs_for_services()
    vectors = _vectors_for(None)
    index = MatchingIndex.build(((d, vectors.get(d.id)) for d in docs), DIMENSIONS)
    missing = sum(1 for d in docs if d.id not in vectors)
    logger.info(
        "matching: index of %d services built in %.1fs (%d without an embedding)",
        len(index),
        time.perf_counter() - started,
        missing,
    )
    return index


def _apply_changes(index: MatchingIndex, since: int, upto: int) -> None:
    changed = IndexChange.objects.filter(pk__gt=since, pk__lte=upto)
    ids = sorted({str(s) for s in changed.values_list("service_id", flat=True)})
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        docs = {d.id: d for d in docs_for_services(chunk)}
        vectors = _vectors_for(chunk)
        for sid in chunk:
            if sid in docs:
                index.upsert(docs[sid], vectors.get(sid))
            else:
                index.remove(sid)


def get_index() -> MatchingIndex:
    """The current index for this process and database."""
    key = connection.settings_dict["NAME"]
    with _lock:
        latest = IndexChange.objects.aggregate(latest=Max("pk"))["latest"] or 0
        if _state.get("key") != key or "index" not in _state or latest < _state["seen"]:
            _state.update(key=key, index=build_index(), seen=latest, completion_at=0.0)
        elif latest > _state["seen"]:
            _apply_changes(_state["index"], _state["seen"], latest)
            _state["seen"] = latest
        index: MatchingIndex = _state["index"]
        if time.monotonic() - _state["completion_at"] > COMPLETION_TTL_SECONDS:
            index.completion = completion_counts()
            _state["completion_at"] = time.monotonic()
        return index
