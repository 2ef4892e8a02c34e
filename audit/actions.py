"""Write audit events. Call these inside the same transaction as the change they describe."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import models

from audit.context import current
from audit.models import Event

if TYPE_CHECKING:
    # Django's user, not accounts.User: accounts writes audit events, so audit names none of
    # its code.
    from django.contrib.auth.models import AbstractUser as User


class Subject(NamedTuple):
    """What an event is about when it is no one stored record: an import of a dataset, say
    (record_type "directory.hsds_import", record_id naming that import)."""

    record_type: str
    record_id: str


def _person_id(record: models.Model) -> Any:
    if record._meta.label == "people.Person":
        return record.pk
    return getattr(record, "person_id", None)


def record_event(
    by: User | None,
    verb: str,
    record: models.Model | Subject,
    *,
    detail: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> Event:
    """Append one event about `record`. `detail` holds field names and codes, never free text
    a person wrote (the log must not become a second copy of the record). Without a user
    `by`, `actor_label` says who acted: "public" (a form anyone may send), or the command or
    job that did it ("manage.py import_hsds"); left out, it is the one set with
    audit.context.acting_as, else "public"."""
    ctx = current.get()
    actor_label = actor_label or ctx.actor_label or "public"
    if isinstance(record, Subject):
        record_type, record_id = record
        person_id = area_id = None
    else:
        record_type, record_id = record._meta.label, str(record.pk)
        person_id, area_id = _person_id(record), getattr(record, "area_id", None)
    return Event.objects.create(
        actor=by if (by is not None and by.pk) else None,
        actor_label=(by.username if by is not None and by.pk else actor_label),
        verb=verb,
        record_type=record_type,
        record_id=record_id,
        person_id=person_id,
        area_id=area_id,
        detail=detail or {},
        request_id=ctx.request_id,
        ip=ctx.ip,
    )


def record_access(by: User, record: models.Model, *, detail: dict[str, Any] | None = None):
    """Record that `by` viewed `record` (call after the access check has passed)."""
    return record_event(by, Event.Verb.VIEW, record, detail=detail)


def record_list_access(
    by: User, list_name: str, *, people: int, detail: dict[str, Any] | None = None
) -> Event:
    """Record that `by` was shown a list naming `people` people (a caseload, a triage
    queue): one event per list shown, not one per row. `list_name` says which list
    ("casework.caseload"); detail holds the filters used, never what was typed."""
    return record_event(
        by,
        Event.Verb.VIEW,
        Subject(list_name, "list"),
        detail={"people": people, **(detail or {})},
    )


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in after if before.get(k) != after[k])
