"""The gaps page's needs, kept: one GapNeed row per record and need (a referral reason, or a
domain a social needs screen was positive in), per person.

The page counts people, once each, per area (by name) and need among the records in scope
and period. It used to find them by grouping every referral and screen in scope by person
(a million rows at a million referrals, each tested against every reason). Here each
record's needs are written once, with the day of the same person's previous record of the
same need in the same group: a person is counted once in a period exactly when one of
their rows is in the period and its previous day (for the way the page is filtered) is
before the period, or there is none. So the page only counts rows (insight.gaps).

"The same group" depends on the filters, so there are four previous days: with no filter
(partition: person, source, need, area name), with an area filter (and the filtered area),
with a team filter (and the filtered team) and with both. A referral is filtered by its own
area and team; a screen by its case's (none when it has no case: a filter leaves it out).
Days are local dates (settings.TIME_ZONE), as the page's period is.

Kept per person, in the same transaction as the change (insight.signals_gaps): the person's
rows are deleted and written again from the records, under a per-person advisory lock on
PostgreSQL so two transactions touching the same person cannot interleave (SQLite writes
one transaction at a time). Writes that bypass model signals (bulk_create, QuerySet.update,
raw SQL, a restore) must call `refresh(person_ids)` or `rebuild()`.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

from django.db import connection, transaction
from django.db.models import Case as Choose
from django.db.models import F, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from insight import batching
from insight.dashboards import gives_reason
from insight.models import GapNeed
from insight.sql import postgres, quote, rebuilt_differences, sql_of
from outcomes.models import Response
from referrals.models import Referral
from referrals.reasons import Reason

REASON, SCREEN = 1, 2
SCREEN_INSTRUMENT = "hrsn"
SCREEN_DOMAINS = [
    ("housing", "Housing"),
    ("food", "Food"),
    ("transport", "Transport"),
    ("utilities", "Utilities"),
    ("safety", "Safety"),
    ("money", "Money"),
    ("isolation", "Isolation"),
]
CHUNK = 500  # people refreshed per statement
LOCK_CLASS = 16_0006  # first key of the advisory locks (the second: the person's hash)

_pending: contextvars.ContextVar[set[Any] | None] = contextvars.ContextVar(
    "insight_gaps_pending", default=None
)


def reason_needs() -> list[tuple[str, Q]]:
    return [(r.value, gives_reason(r.value)) for r in Reason]


def screen_needs() -> list[tuple[str, Q]]:
    return [(d, Q(**{f"domains__{d}": "positive"})) for d, _ in SCREEN_DOMAINS]


def _flags(needs: list[tuple[str, Q]]) -> dict:
    return {
        f"n_{i}": Choose(When(q, then=Value(1)), default=Value(0)) for i, (_, q) in enumerate(needs)
    }


def _rows(source: int, people: list | None) -> tuple[QuerySet, list[tuple[str, Q]]]:
    tz = timezone.get_default_timezone()
    records: QuerySet
    if source == REASON:
        records = Referral.objects.all()
        if people is not None:
            records = records.filter(person_id__in=people)
        values = {
            "filter_area": F("area_id"),
            "filter_team": F("team_id"),
            "on_day": TruncDate("received_at", tzinfo=tz),
        }
        needs = reason_needs()
    else:
        records = Response.objects.filter(instrument=SCREEN_INSTRUMENT)
        if people is not None:
            records = records.filter(person_id__in=people)
        values = {
            "filter_area": F("case__area_id"),
            "filter_team": F("case__team_id"),
            "on_day": TruncDate("completed_at", tzinfo=tz),
        }
        needs = screen_needs()
    rows = records.order_by().values(
        record_key=F("pk"),
        person_key=F("person_id"),
        area_key=F("area_id"),
        area_label=F("area__name"),
        **values,
        person_postcode=F("person__postcode"),
        **_flags(needs),
    )
    return rows, needs


# The statement for n people differs from another n people's only in its parameters, and
# building it through the ORM costs more than running it for one person (about 4 ms of a
# referral's 25 ms of CPU). So it is built once per database, source, n and time zone, with
# stand-in ids whose places among the parameters are noted, and filled in for each call.
_STATEMENTS: dict[tuple, tuple[str, list, list[int]]] = {}


def _person_param(value: Any) -> Any:
    """A person id as the ORM passes it to the database (a UUID, or its hex on SQLite)."""
    field = Referral._meta.get_field("person").target_field  # type: ignore[union-attr]
    return field.get_db_prep_value(value, connection, prepared=False)


def _insert_sql(source: int, people: list | None) -> tuple[str, list]:
    if people is None:
        return _build_insert_sql(source, None)
    key = (connection.vendor, source, len(people), timezone.get_default_timezone_name())
    if key not in _STATEMENTS:
        stand_ins = [_person_param(uuid.uuid4()) for _ in people]
        sql, params = _build_insert_sql(source, stand_ins)
        slots = []
        for stand_in in stand_ins:
            found = [i for i, param in enumerate(params) if param == stand_in]
            if len(found) != 1:  # not the statement this expects: build it every time
                return _build_insert_sql(source, people)
            slots.append(found[0])
        _STATEMENTS[key] = (sql, params, slots)
    sql, template, slots = _STATEMENTS[key]
    params = list(template)
    for slot, person in zip(slots, people, strict=True):
        params[slot] = _person_param(person)
    return sql, params


def _build_insert_sql(source: int, people: list | None) -> tuple[str, list]:
    rows, needs = _rows(source, people)
    rows_sql, params = sql_of(rows)
    cols = (
        "b.record_key, b.person_key, b.area_key, b.area_label, b.filter_area, b.filter_team, "
        "b.on_day, b.person_postcode"
    )
    unpivot = "\nUNION ALL\n".join(
        f"SELECT {cols}, '{code}' AS need FROM b WHERE b.n_{i} = 1"  # noqa: S608 (our codes)
        for i, (code, _) in enumerate(needs)
    )

    def prev(extra: str) -> str:
        return (
            f"LAG(n.on_day) OVER (PARTITION BY n.person_key, n.area_label, n.need{extra} "
            "ORDER BY n.on_day, n.record_key)"
        )

    sql = f"""
WITH b AS ({rows_sql}), n AS ({unpivot})
INSERT INTO {quote(GapNeed)} (source, record, person, area_id, area_name, filter_area_id,
    filter_team_id, day, postcode, need, prev, prev_area, prev_team, prev_area_team)
SELECT {source}, n.record_key, n.person_key, n.area_key, n.area_label, n.filter_area,
    n.filter_team, n.on_day, n.person_postcode, n.need, {prev("")},
    {prev(", n.filter_area")}, {prev(", n.filter_team")},
    {prev(", n.filter_area, n.filter_team")}
FROM n
"""  # noqa: S608 (table name, our codes and the ORM's own SQL; values are parameters)
    return sql, params


def _write(people: list | None) -> None:
    """Delete and write again the rows of `people` (None: everyone)."""
    with connection.cursor() as cursor:
        if people is None:
            if postgres():
                # Waits for writers of single people, and they (and readers) for it; leaves
                # a compact table, not a million dead rows.
                cursor.execute(f"TRUNCATE {quote(GapNeed)}")
            else:
                GapNeed.objects.all()._raw_delete(GapNeed.objects.db)
        else:
            if postgres():
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, h) FROM (SELECT DISTINCT hashtext(p) AS h "
                    "FROM unnest(%s::text[]) AS p ORDER BY h) AS s",
                    [LOCK_CLASS, [str(p) for p in people]],
                )
            # One DELETE (a plain .delete() first selects the rows when any model has
            # delete receivers).
            GapNeed.objects.filter(person__in=people)._raw_delete(GapNeed.objects.db)
        for source in (REASON, SCREEN):
            cursor.execute(*_insert_sql(source, people))


def refresh(people: Iterable[Any]) -> None:
    """Write again the rows of these people (ids) from the records as they are now. Inside
    a `batched()` block the ids are collected and written once when the block ends."""
    ids = {p for p in people if p is not None}
    if not ids:
        return
    if batching.collect(_pending, ids):
        return
    ordered = sorted(ids, key=str)
    with transaction.atomic():
        for start in range(0, len(ordered), CHUNK):
            _write(ordered[start : start + CHUNK])


def rebuild() -> None:
    """Write every row again from the records (after writes that bypass model signals).
    On PostgreSQL the table is locked (readers too) until the rebuild commits; run
    `VACUUM ANALYZE insight_gapneed` after a large one so the page's scans are index-only."""
    with transaction.atomic():
        _write(None)


def batched() -> AbstractContextManager[None]:
    """Collect the people that changes inside the block touch, and refresh each once at the
    end."""
    return batching.batched(_pending, refresh)


FIELDS = [
    "source",
    "record",
    "person",
    "area_id",
    "area_name",
    "filter_area_id",
    "filter_team_id",
    "day",
    "postcode",
    "need",
    "prev",
    "prev_area",
    "prev_team",
    "prev_area_team",
]


def differences() -> list[str]:
    """Where the rows differ from what the records give now (for checks and tests)."""
    return rebuilt_differences([GapNeed], rebuild)
