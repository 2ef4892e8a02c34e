"""Writes for matching: keep service embeddings current, record feedback, add to the plan.

Embedding runs the model for milliseconds per text and minutes per directory, so it never
runs inside a transaction: on SQLite (the default database) a transaction holds the one
write lock from its first statement (transaction_mode IMMEDIATE), and while the task worker
held it for a whole directory or a whole case, every sign-in and save waited and, after 20 s,
failed with "database is locked". Vectors are computed first and written in short
transactions."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable

import numpy as np
from django.db import transaction

from audit.actions import record_event
from audit.models import Event
from casework.actions import propose_connection
from directory.models import Service
from matching.adapters import docs_for_services
from matching.embedding import get_encoder
from matching.models import IndexChange, NeedEmbedding, ServiceEmbedding, SuggestionFeedback
from matching.profiles import needs_for_case
from socialrx.errors import DomainError

logger = logging.getLogger(__name__)

# More services than this changed at once: the log says "every service" in one row, and
# each process builds its index again, which is quicker than re-reading thousands one by one.
LOG_EACH_UP_TO = 2_000
# Services read and embedded at a time (within every database's limit on query parameters).
CHUNK = 500


def note_services_changed(service_ids: Iterable | None) -> None:
    """Log that these services changed (None: any service may have), so every process's
    index re-reads them on its next request after this transaction commits."""
    ids = None if service_ids is None else {str(s) for s in service_ids}
    if ids is None or len(ids) > LOG_EACH_UP_TO:
        IndexChange.objects.create(service_id=IndexChange.EVERY_SERVICE)
    else:
        IndexChange.objects.bulk_create([IndexChange(service_id=sid) for sid in ids])


def refresh_embeddings(service_ids: Iterable | None = None, *, encoder=None) -> int:
    """Embed the services whose ranked text changed (all services when `service_ids` is None)
    and log the change for the index. Returns how many were embedded.

    Side effects: ServiceEmbedding rows written, IndexChange rows added. Without the model
    package it embeds nothing, and the index still picks up the change (lexically). This is
    derived data about directory listings, not a person, so it writes no audit event.

    The model runs outside any transaction and each batch of vectors is written in a short
    one: on SQLite a transaction holds the one write lock from its start, and a directory
    takes seconds to minutes to embed, during which nobody could sign in or save (module
    docstring). Stopped part-way, the vectors written are kept and the next
    refresh logs them (it logs every service it is asked about, embedded or not).
    """
    encoder = encoder if encoder is not None else get_encoder()
    ids = None if service_ids is None else sorted({str(s) for s in service_ids})
    wanted = ids
    if wanted is None:
        wanted = [str(pk) for pk in Service.objects.order_by("pk").values_list("pk", flat=True)]
    embedded, found = 0, set()
    for start in range(0, len(wanted), CHUNK):
        docs = docs_for_services(wanted[start : start + CHUNK])
        found |= {d.id for d in docs}
        if encoder is not None and docs:
            embedded += _embed_stale(docs, encoder)
    note_services_changed(None if ids is None else found | set(ids))
    if embedded:
        logger.info("matching: embedded %d service(s)", embedded)
    return embedded


def _embed_stale(docs, encoder) -> int:
    """Embed those of `docs` whose text is not the one embedded; how many that was."""
    stored = {
        str(service_id): text_hash
        for service_id, text_hash in ServiceEmbedding.objects.filter(
            model_name=encoder.name, service_id__in=[d.id for d in docs]
        ).values_list("service_id", "text_hash")
    }
    stale = [d for d in docs if stored.get(d.id) != d.text_hash()]
    for start in range(0, len(stale), 256):
        chunk = stale[start : start + 256]
        vectors = encoder.encode([d.text() for d in chunk])  # no transaction open
        with transaction.atomic():
            for doc, vector in zip(chunk, vectors, strict=True):
                ServiceEmbedding.objects.update_or_create(
                    service_id=doc.id,
                    model_name=encoder.name,
                    defaults={
                        "vector": np.asarray(vector, dtype="<f4").tobytes(),
                        "text_hash": doc.text_hash(),
                    },
                )
    return len(stale)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def store_case_need_vectors(case, *, encoder=None) -> int:
    """Embed the needs of `case` (matching.profiles.needs_for_case) that have no stored
    vector, and delete the vectors of texts that are no longer among its needs. Returns how
    many were embedded. Called once the case's referral, conversation or goals are saved
    (matching.signals), so showing suggestions reads the vectors instead of computing them.

    Derived data of the case's own needs, deleted with the case; it records no audit event
    (nothing a person reads or changes). Without the model package it does nothing. The
    model runs before the write transaction opens (module docstring).
    """
    encoder = encoder if encoder is not None else get_encoder()
    if encoder is None:
        return 0
    texts = list(dict.fromkeys(n.text for n in needs_for_case(case, case.conversations.first())))
    wanted = {text_hash(t): t for t in texts}
    mine = NeedEmbedding.objects.filter(case=case, model_name=encoder.name)
    have = set(mine.values_list("text_hash", flat=True))
    missing = [(h, t) for h, t in wanted.items() if h not in have]
    vectors = encoder.encode([t for _, t in missing]) if missing else []
    with transaction.atomic():
        mine.exclude(text_hash__in=list(wanted)).delete()
        NeedEmbedding.objects.bulk_create(
            [
                NeedEmbedding(
                    case=case,
                    area_id=case.area_id,
                    model_name=encoder.name,
                    text_hash=h,
                    vector=np.asarray(v, dtype="<f4").tobytes(),
                )
                for (h, _), v in zip(missing, vectors, strict=True)
            ],
            ignore_conflicts=True,  # a concurrent save of the same case stored it first
        )
    return len(missing)


@transaction.atomic
def record_feedback(
    case, *, service, reason: str, by, note: str = "", rank=None, score=None, explanation=""
) -> SuggestionFeedback:
    """Store a link worker's "not suitable: why" about one suggestion for this case.

    Precondition: the caller checked access to the case. Side effect: audit event.
    """
    if reason not in SuggestionFeedback.Reason.values:
        raise DomainError("Choose why the suggestion does not suit.", field="reason")
    feedback = SuggestionFeedback.objects.create(
        area_id=case.area_id,
        case=case,
        service=service,
        reason=reason,
        note=(note or "").strip(),
        rank=rank,
        score=score,
        explanation=explanation[:2000],
        given_by=by,
    )
    record_event(
        by, Event.Verb.CREATE, feedback, detail={"reason": reason, "service": str(service.pk)}
    )
    return feedback


def add_suggestion_to_plan(case, *, service, by, goal=None):
    """Add a suggested service to the plan as a proposed connection (the person still
    chooses; nothing is sent). Delegates to casework, which checks the case is open and
    writes the audit event."""
    return propose_connection(case, service=service, goal=goal, by=by)
