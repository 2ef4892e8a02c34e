"""The monthly time report: minutes of link worker time per person per calendar month, from
casework contacts, with a pseudonymous person key (insight.exports.pseudonym, its own
purpose). Supervisors may also have it with identifying columns for their own team's people
(billing), audited per person. docs/insight.md, "Equity and exports"."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import TruncMonth

from audit.actions import Subject, record_event
from casework.models import Contact
from insight.dashboards import Filters
from insight.exports import pseudonym, pseudonym_key
from people.models import Person
from socialrx.csv_cells import SafeWriter

TIME_REPORT_COLUMNS = ["person_key", "month", "minutes", "contacts"]
IDENTIFIABLE_COLUMNS = ["person_id", "nhs_number", "given_name", "family_name", "birth_date"]


def time_by_person_month(f: Filters) -> list[tuple[Any, dt.date, int, int]]:
    """(person id, first day of the month, minutes, contacts) for every person with a
    contact in the filters' scope and period (contact dates), by calendar month."""
    rows = (
        Contact.objects.filter(f.q("case__"), f.day_period("happened_on"))
        .annotate(month=TruncMonth("happened_on"), person_id=F("case__person_id"))
        .values_list("person_id", "month")
        .annotate(minutes=Sum("minutes"), contacts=Count("pk"))
        .order_by("month", "person_id")
    )
    return [(pid, _as_date(month), minutes, n) for pid, month, minutes, n in rows]


def _as_date(month) -> dt.date:
    return month.date() if isinstance(month, dt.datetime) else month


def time_report_csv(f: Filters, *, identifiable_people: dict | None = None) -> str:
    """The time report as CSV text, pseudonymous. With `identifiable_people` ({person id:
    Person}, from a scoped query the caller has audited) the rows of those people, and only
    those, carry identifying columns as well."""
    key = pseudonym_key()
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(
        TIME_REPORT_COLUMNS + (IDENTIFIABLE_COLUMNS if identifiable_people is not None else [])
    )
    for pid, month, minutes, contacts in time_by_person_month(f):
        row = [pseudonym(key, "time-report", pid), month.strftime("%Y-%m"), minutes, contacts]
        if identifiable_people is not None:
            person = identifiable_people.get(pid)
            if person is None:
                continue
            row += [
                str(person.pk),
                person.nhs_number,
                person.given_name,
                person.family_name,
                person.birth_date.isoformat() if person.birth_date else "",
            ]
        writer.writerow(row)
    return out.getvalue()


def people_in_time_report(f: Filters, people: QuerySet[Person]) -> dict:
    """The people of `people` (a scoped query) who appear in the time report."""
    ids: Iterable = {pid for pid, *_ in time_by_person_month(f)}
    return {p.pk: p for p in people.filter(pk__in=ids)}


@transaction.atomic
def export_time_report(
    f: Filters,
    *,
    by,
    identifiable_from: QuerySet[Person] | None = None,
    actor_label: str = "public",
) -> str:
    """The time report as CSV text for `by`, audited. Pseudonymous, unless
    `identifiable_from` (a scoped query of people `by` may see, checked by the caller) is
    given: then only those people's rows, with identifying columns, and one "export" audit
    row on each person listed. `actor_label` names a command when `by` is None. Raises
    MissingPseudonymKey without a key."""
    pseudonym_key()  # refuse before anything is written
    people = None
    if identifiable_from is not None:
        people = people_in_time_report(f, identifiable_from)
        for person in people.values():
            record_event(by, "export", person, detail={"export": "time_report"})
    text = time_report_csv(f, identifiable_people=people)
    record_event(
        by,
        "export",
        Subject("insight.time_report", uuid.uuid4().hex),
        detail={
            "identifiable": identifiable_from is not None,
            "rows": text.count("\n") - 1,
            "team_id": f.team_id or f.scope.team_id,
            "area_id": f.area_id or f.scope.area_id,
            "start": f.start.isoformat() if f.start else None,
            "end": f.end.isoformat() if f.end else None,
        },
        actor_label=actor_label,
    )
    return text
