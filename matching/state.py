"""The process-wide index: built once from stored embeddings, then kept current by reading
the IndexChange log (one cheap query per request), so edits and imports show up in every
process without a restart.

Change numbers are handed out when a change is written and seen when its transaction
commits, so on PostgreSQL a change can appear below the newest one already applied (its
transaction wrote first and committed last; SQLite lets one transaction write at a time).
Numbers found missing below the newest are looked for again on each request for
LATE_CHANGE_SECONDS, then taken as rolled back.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
from django.db import connection
from django.db.models import Max, Q

from matching.adapters import docs_for_services
from matching.embedding import DIMENSIONS, get_encoder
from matching.index import MatchingIndex
from matching.models import IndexChange, ServiceEmbedding
from matching.queries import completion_counts

logger = logging.getLogger(__name__)
COMPLETION_TTL_SECONDS = 600
LATE_CHANGE_SECONDS = 120  # well beyond the time from writing a change to committing it
RECENT_CHANGES = 1_000  # numbers below the newest a new index checks for changes in flight

_lock = threading.Lock()
_state: dict = {}


def reset() -> None:
    """Forget the built index (tests; after restoring a database)."""
    with _lock:
        _state.clear()


def _vectors_for(ids: list[str] | None, encoder=None) -> dict[str, np.ndarray]:
    encoder = encoder if encoder is not None else get_encoder()
    if encoder is None:
        return {}
    qs = ServiceEmbedding.objects.filter(model_name=encoder.name)
    if ids is not None:
        qs = qs.filter(service_id__in=ids)
    return {
        str(service_id): np.frombuffer(bytes(vector), dtype="<f4")
        for service_id, vector in qs.values_list("service_id", "vector").iterator(chunk_size=2000)
    }


def build_index() -> MatchingIndex:
    started = time.perf_counter()
    docs = docs_for_services()
    encoder = get_encoder()
    vectors = _vectors_for(None, encoder)
    dimensions = encoder.dimensions if encoder is not None else DIMENSIONS
    index = MatchingIndex.build(((d, vectors.get(d.id)) for d in docs), dimensions)
    missing = sum(1 for d in docs if d.id not in vectors)
    logger.info(
        "matching: index of %d services built in %.1fs (%d without an embedding)",
        len(index),
        time.perf_counter() - started,
        missing,
    )
    return index


def _catch_up(latest: int) -> bool:
    """Apply to the index the changes after the last one seen, up to `latest`, and those
    missing before that have appeared since. False when one says any service may have
    changed: then the caller builds the index again."""
    seen, gaps, late = _state["seen"], _state["gaps"], _state["late"]
    wanted = Q(pk__gt=seen, pk__lte=latest)
    for first, last, _ in gaps:
        wanted |= Q(pk__gte=first, pk__lte=last)
    rows = list(IndexChange.objects.filter(wanted).values_list("pk", "service_id"))
    new = [(pk, sid) for pk, sid in rows if pk > seen or pk not in late]
    late |= {pk for pk, _ in rows if pk <= seen}
    now = time.monotonic()
    gaps += _gaps([pk for pk, _ in rows if pk > seen], seen, latest, now)
    expired = [gap for gap in gaps if now - gap[2] > LATE_CHANGE_SECONDS]
    for first, last, since in expired:
        gaps.remove((first, last, since))
        late -= {pk for pk in late if first <= pk <= last}
    _state["seen"] = latest
    ids = {str(sid) for _, sid in new}
    if str(IndexChange.EVERY_SERVICE) in ids:
        return False
    _apply_changes(_state["index"], sorted(ids))
    return True


def _gaps(present: list[int], after: int, upto: int, now: float) -> list[tuple]:
    """(first, last, now) for each run of numbers after `after`, up to `upto`, that is not
    among `present`."""
    found, following = [], after + 1
    for pk in [*sorted(present), upto + 1]:
        if pk > following:
            found.append((following, pk - 1, now))
        following = pk + 1
    return found


def _in_flight(latest: int) -> list[tuple]:
    """For a new index: the numbers missing among the last RECENT_CHANGES, any of which may
    be a change whose transaction has not committed yet."""
    after = max(0, latest - RECENT_CHANGES)
    present = IndexChange.objects.filter(pk__gt=after, pk__lte=latest).values_list("pk", flat=True)
    return _gaps(list(present), after, latest, time.monotonic())


def _apply_changes(index: MatchingIndex, ids: list[str]) -> None:
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
            # Built from what is committed now: changes numbered up to `latest` that commit
            # later are looked for as late ones.
            gaps = _in_flight(latest)
            _state.update(key=key, index=build_index(), seen=latest, gaps=gaps, late=set())
            _state["completion_at"] = 0.0
        elif (latest > _state["seen"] or _state["gaps"]) and not _catch_up(latest):
            _state["index"] = build_index()
        index: MatchingIndex = _state["index"]
        if time.monotonic() - _state["completion_at"] > COMPLETION_TTL_SECONDS:
            index.completion = completion_counts()
            _state["completion_at"] = time.monotonic()
        return index
