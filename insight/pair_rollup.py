"""The evaluation's facts added up per month: PairMonth rows, one per (area, team, month of
referral, measure, section, group), with the exact integer moments the evaluation needs.

A region's evaluation used to add up every fact each time (1.3 million at a million
referrals: seconds). Sums add up, so they are kept per month as well: whenever
insight.facts rewrites some cases' facts, the months those facts fall in (before and after
the change) are added up again from the facts, in the same transaction. The evaluation
then reads the months a period covers whole from here and only the days at its two ends
from the facts (`cells_sql` is the one statement that groups facts, for both).

Sections, and what each groups by besides the measure (SECTIONS):
- "main": attended, age band (insight.measures.band_index) and sex, with the age's
  moments so that the regression adjusting for age needs no group per year of age;
- "contacts": the number of contacts in the case;
- one per insight.measures.DIMENSIONS entry: that column;
- "reason": the referral's reason codes (insight.models.FactReason), pairs only;
- "category": the top-level categories of the services attended (FactCategory), pairs
  only; rewritten with the months they fall in when the directory's taxonomy changes.

Concurrency: a month is rewritten from the facts as this transaction sees them, under a
transaction-level advisory lock per (area, team, month) on PostgreSQL, taken in a fixed
order; a second writer waits and then reads the first one's committed facts, so no
change is lost. A full rebuild takes one lock over the whole table, which month writers
share. SQLite writes one transaction at a time.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Q, QuerySet
from django.db.models.functions import TruncMonth

from insight.measures import AGE_BANDS, DIMENSIONS, OUT_OF_BAND
from insight.models import FactCategory, FactReason, PairFact, PairMonth
from insight.months import month_start_sql, next_month
from insight.sql import postgres, quote, rebuilt_differences, sort_in_memory, sql_of

SECTIONS: dict[str, tuple[str, ...]] = {
    "main": ("attended", "age_band", "sex"),
    "contacts": ("contacts",),
    **{name: (name,) for name in DIMENSIONS},
    "reason": ("code",),
    "category": ("category",),
}
KEYS = ("attended", "age_band", "sex", "contacts", *DIMENSIONS, "code", "category")
JOINED = {  # the sections that count a pair once per row of another table, pairs only
    "reason": (FactReason, "code"),
    "category": (FactCategory, "category"),
}
MOMENTS = ("baselines", "n", "sy", "syy", "sb", "sbb", "syb", "sa", "saa", "sab", "say")
FACT_COLUMNS = (
    "case_id",
    "area_id",
    "team_id",
    "received_on",
    "measure",
    "baseline",
    "change",
    "attended",
    "age",
    "sex",
    "contacts",
    *DIMENSIONS,
)
LOCK_CLASS = 0x5052  # the advisory lock namespace of these rows ("PR")

Cell = tuple[int, int | None, dt.date]  # (area id, team id, first day of the month)


def _age_band(column: str) -> str:
    """insight.measures.band_index over AGE_BANDS, in SQL."""
    whens = " ".join(
        f"WHEN {column} >= {low}"
        + (f" AND {column} <= {high}" if high is not None else "")
        + f" THEN {i}"
        for i, (low, high, _) in enumerate(AGE_BANDS)
    )
    return f"CASE WHEN {column} IS NULL THEN NULL {whens} ELSE {OUT_OF_BAND} END"


def _moments(p: str) -> list[str]:
    y, b, a = f"{p}.change", f"{p}.baseline", f"CAST({p}.age AS BIGINT)"

    def paired(value: str) -> str:
        return f"CASE WHEN {y} IS NOT NULL THEN {value} END"

    sums = [
        f"SUM({y})",
        f"SUM({y} * {y})",
        f"SUM({paired(b)})",
        f"SUM({paired(f'{b} * {b}')})",
        f"SUM({y} * {b})",
        f"SUM({paired(a)})",
        f"SUM({paired(f'{a} * {a}')})",
        f"SUM({paired(f'{a} * {b}')})",
        f"SUM({a} * {y})",
    ]
    return ["COUNT(*)", f"COUNT({y})", *(f"COALESCE({s}, 0)" for s in sums)]


def _join(model, column: str, *, few: bool) -> str:
    """Each fact's rows of `model` (by case) as `j`. For `few` facts on PostgreSQL: a
    lateral index lookup per fact, which it would otherwise plan as a hash of the whole
    table even for the few thousand facts of one month or of a period's ends."""
    if postgres() and few:
        return (
            f"CROSS JOIN LATERAL (SELECT x.{column} FROM {quote(model)} x "  # noqa: S608
            "WHERE x.case_id = p.case_id OFFSET 0) j"
        )
    return f"JOIN {quote(model)} j ON j.case_id = p.case_id"


def _db_type(key: str) -> str:
    field = PairMonth._meta.get_field(key)
    if not isinstance(field, Field):  # pragma: no cover - every key is a column
        raise TypeError(key)
    return str(field.cast_db_type(connection))


def cells_sql(facts_sql: str, *, by_month: bool = False, few: bool = True) -> str:
    """A statement giving rows (section, measure, *KEYS, *MOMENTS) that group the facts
    `facts_sql` selects (columns FACT_COLUMNS, read once) by each section; with `by_month`,
    prefixed by and grouped by (area_id, team_id, month). `few`: the facts are a small
    part of the table (see _join). Pass the facts' parameters once."""
    heads = [("p.area_id", "area_id"), ("p.team_id", "team_id")]
    heads += [(month_start_sql("p.received_on"), "month")]
    prefix = [column for column, _ in heads] if by_month else []
    branches = []
    for section, columns in SECTIONS.items():
        cells = []
        for key in KEYS:
            if key not in columns:  # typed, so that every branch's column has one type
                cells.append(f"CAST(NULL AS {_db_type(key)})")
            elif key == "age_band":
                cells.append(_age_band("p.age"))
            elif section in JOINED:
                cells.append(f"j.{key}")
            else:
                cells.append(f"p.{key}")
        grouped = [*prefix, "p.measure", *(c for c in cells if not c.startswith("CAST(NULL"))]
        join = where = ""
        if section in JOINED:
            join = _join(*JOINED[section], few=few)
            where = "WHERE p.change IS NOT NULL"
        named = [f"{c} AS {k}" for c, k in zip(cells, KEYS, strict=True)]
        moments = [f"{m} AS {k}" for m, k in zip(_moments("p"), MOMENTS, strict=True)]
        named_heads = [f"{c} AS {k}" for c, k in heads] if by_month else []
        select = ", ".join(
            [*named_heads, f"'{section}' AS section", "p.measure AS measure", *named, *moments]
        )
        branches.append(
            f"SELECT {select} FROM f p {join} {where} "  # noqa: S608
            f"GROUP BY {', '.join(grouped)}"
        )
    return f"WITH f AS ({facts_sql}) " + " UNION ALL ".join(branches)


def _facts(facts: QuerySet[PairFact]) -> tuple[str, list]:
    return sql_of(facts.values(*FACT_COLUMNS))


def _insert(facts: QuerySet[PairFact], *, few: bool = True) -> None:
    facts_sql, params = _facts(facts)
    sql = cells_sql(facts_sql, by_month=True, few=few)
    columns = ", ".join(["area_id", "team_id", "month", "section", "measure", *KEYS, *MOMENTS])
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(PairMonth)} ({columns}) {sql}", params)  # noqa: S608


def cells_of(cases: QuerySet[Any]) -> set[Cell]:
    """The (area, team, month) cells the facts of `cases` fall in now."""
    return set(
        PairFact.objects.filter(case__in=cases)
        .annotate(month=TruncMonth("received_on"))
        .values_list("area_id", "team_id", "month")
        .distinct()
    )


def _lock(cells: list[Cell]) -> None:
    """Shared: the whole table (against a rebuild); exclusive: each cell, in order."""
    if not postgres():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, 0)", [LOCK_CLASS])
        for area, team, month in cells:
            key = zlib.crc32(f"{area}:{team}:{month.isoformat()}".encode()) - 2**31
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, key])


MANY = 24  # above this many months of one team, its span of months is rewritten at once


def rewrite(cells: Iterable[Cell]) -> None:
    """Add up again the months `cells` from the facts (inside the caller's transaction).
    Each team's months are rewritten one by one, or, when there are many, as the whole span
    from its first to its last (months in between are rewritten unchanged)."""
    ordered = sorted(set(cells), key=lambda c: (c[0], c[1] or 0, c[2]))
    teams: dict[tuple[int, int | None], list[dt.date]] = {}
    for area, team, month in ordered:
        teams.setdefault((area, team), []).append(month)
    spans = []
    for (area, team), months in teams.items():
        if len(months) > MANY:
            spans.append((area, team, months[0], next_month(months[-1])))
        else:
            spans += [(area, team, month, next_month(month)) for month in months]
    _lock([(area, team, m) for area, team, first, end in spans for m in _months(first, end)])
    for area, team, first, end in spans:
        PairMonth.objects.filter(_place(area, team), month__gte=first, month__lt=end).delete()
        _insert(
            PairFact.objects.filter(_place(area, team), received_on__gte=first, received_on__lt=end)
        )


def _place(area: int, team: int | None) -> Q:
    return Q(area_id=area) & (Q(team_id__isnull=True) if team is None else Q(team_id=team))


def _months(first: dt.date, end: dt.date) -> Iterable[dt.date]:
    while first < end:
        yield first
        first = next_month(first)


def rebuild() -> None:
    """Every month from every fact (insight.facts.refresh() calls it after a full rebuild)."""
    with transaction.atomic():
        if postgres():  # no month is rewritten meanwhile (see _lock)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_CLASS])
        sort_in_memory()
        PairMonth.objects.all().delete()
        _insert(PairFact.objects.all(), few=False)


def differences() -> list[str]:
    """Where the monthly sums differ from adding the facts up again (for
    `refresh_insight_facts --check`)."""
    return rebuilt_differences([PairMonth], rebuild)
