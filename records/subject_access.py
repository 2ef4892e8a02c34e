"""A person's complete record for a subject access request (UK GDPR Article 15).

`export(person, by=...)` answers with everything socialrx holds on the person (every row
found by records.relations, every field of it) and the audit of who saw or changed any of
it, and records the export itself in the audit log. Secrets that are not information about
the person (hashes of one-time link tokens) are left out; so are staff addresses (ip).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from audit.actions import record_event
from audit.models import Event
from people.models import Person
from records.relations import rows_of

FORMAT = "socialrx-subject-access/1"
# Field names whose values are secrets of the system, not information about the person.
_SECRET_FIELDS = {"token_hash", "password"}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


class _Labels:
    """Names for rows outside the record (staff, teams, organisations, services), looked up
    once each."""

    def __init__(self) -> None:
        self._cache: dict[tuple[type, Any], str] = {}

    def __call__(self, model: type[models.Model], pk: Any) -> str:
        key = (model, pk)
        if key not in self._cache:
            obj = model._default_manager.filter(pk=pk).first()
            self._cache[key] = str(obj) if obj is not None else ""
        return self._cache[key]


def _row(obj: models.Model, inside: set[type[models.Model]], labels: _Labels) -> dict:
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in _SECRET_FIELDS:
            continue
        value = getattr(obj, field.attname)
        if field.is_relation and value is not None:
            target = field.related_model
            out[field.name] = (
                _plain(value)
                if target in inside
                else {"id": _plain(value), "name": labels(target, value)}
            )
            continue
        if field.choices and value not in (None, ""):
            label = getattr(obj, f"get_{field.name}_display")()
            out[field.name] = {"code": _plain(value), "label": str(label)}
            continue
        out[field.name] = _plain(value)
    return out


def _audit_of(rows: dict[type[models.Model], list[models.Model]], person: Person) -> list[dict]:
    about = Q(person_id=person.pk)
    for model, objs in rows.items():
        if objs:
            about |= Q(record_type=model._meta.label, record_id__in=[str(o.pk) for o in objs])
    events = Event.objects.filter(about).order_by("at", "id")
    return [
        {
            "at": _plain(e.at),
            "who": e.actor_label,
            "what": e.verb,
            "record_type": e.record_type,
            "record_id": e.record_id,
            "detail": e.detail,
        }
        for e in events
    ]


def collect(person: Person) -> dict:
    """The whole record as plain JSON-ready data (no audit row written)."""
    rows = rows_of(person)
    inside = set(rows)
    labels = _Labels()
    sections = [
        {
            "model": model._meta.label,
            "title": str(model._meta.verbose_name_plural).capitalize(),
            "rows": [_row(obj, inside, labels) for obj in objs],
        }
        for model, objs in rows.items()
        if model is not Person
    ]
    return {
        "format": FORMAT,
        "person": _row(person, inside, labels),
        "records": sections,
        "audit": _audit_of(rows, person),
    }


@transaction.atomic
def export(person: Person, *, by, file_format: str) -> dict:
    """Collect the record and audit the export ("export" on the person, with the format and
    how many rows of each kind went out). The caller has checked `by` may export it."""
    document = collect(person)
    document["exported_at"] = _plain(timezone.now())
    document["exported_by"] = by.username
    counts = {s["model"]: len(s["rows"]) for s in document["records"] if s["rows"]}
    record_event(
        by,
        Event.Verb.EXPORT,
        person,
        detail={
            "subject_access": file_format,
            "rows": counts,
            "audit_rows": len(document["audit"]),
        },
    )
    return document
