"""Write audit events. Call these inside the same transaction as the change they describe."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from audit.context import current
from audit.models import Event

if TYPE_CHECKING:
    from accounts.models import User


def _person_id(record: models.Model) -> Any:
    if record._meta.label == "people.Person":
        return record.pk
    return getattr(record, "person_id", None)


def record_event(
    by: User | None,
    verb: str,
    record: models.Model,
    *,
    detail: dict[str, Any] | None = None,
) -> Event:
    """Append one event about `record`. `detail` holds field names and codes, never free text
    a person wrote (the log must not become a second copy of the record)."""
    ctx = current.get()
    return Event.objects.create(
        actor=by if (by is not None and by.pk) else None,
        actor_label=(by.username if by is not None and by.pk else "public"),
        verb=verb,
        record_type=record._meta.label,
        record_id=str(record.pk),
        person_id=_person_id(record),
        area_id=getattr(record, "area_id", None),
        detail=detail or {},
        request_id=ctx.request_id,
        ip=ctx.ip,
    )


def record_access(by: User, record: models.Model, *, detail: dict[str, Any] | None = None):
    """Record that `by` viewed `record` (call after the access check has passed)."""
    return record_event(by, Event.Verb.VIEW, record, detail=detail)


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in after if before.get(k) != after[k])
