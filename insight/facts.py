"""The evaluation's rows, kept: one PairFact per case and measure (baseline, change and
what the subgroups and the comparison group by) and one FactReason per case and reason.

The evaluation used to pair every response each time it ran (a window-function pass over
every scored response, two million rows at a million referrals: minutes). Pairing is
per case, so it is done here once per change instead: whenever a response, contact,
connection, referral, case or person is saved or deleted, insight.signals asks `refresh`
to rewrite the facts of the cases concerned, in the same transaction as the change. The
evaluation (insight.evaluation_sql) then only adds facts up.

Writes that bypass model signals (bulk_create, QuerySet.update, raw SQL, a restore from
backup) must call `refresh` themselves, or run `manage.py refresh_insight_facts`, which
rebuilds every fact and, with --check, reports facts that differ from the records.

Pairing in SQL (the same statement on SQLite and PostgreSQL): for each case and measure,
the responses that have a value, ordered by completion time (then id, so ties are decided
the same way every time); the first is the baseline; the last is the follow-up when it was
completed at least FOLLOW_UP_DAYS after the baseline (if the last is not, no response is),
else the baseline is lost to follow-up. Values are rounded to 1/SCALE.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate

from casework.models import Case, Connection, Contact
from directory.models import Attribute, TaxonomyTerm
from insight import batching, pair_rollup
from insight.measures import DIMENSIONS, FOLLOW_UP_DAYS, INSTRUMENTS, MEASURES, SCALE
from insight.models import FactCategory, FactReason, PairFact
from insight.sql import AgeOn, at_least_days_apart, quote, reasons_join, sql_of, value_sql
from outcomes.models import Response

COLUMNS = (
    "case_id, referral_id, area_id, team_id, received_on, measure, baseline, change, "
    "attended, age, sex, contacts, " + ", ".join(DIMENSIONS)
)
CHUNK = 500  # cases refreshed per statement when a batch is flushed

_pending: contextvars.ContextVar[set[Any] | None] = contextvars.ContextVar(
    "insight_facts_pending", default=None
)


def _cases_with_responses(cases: QuerySet[Case]) -> QuerySet[Case]:
    measured = Response.objects.filter(case=OuterRef("pk"), instrument__in=INSTRUMENTS)
    return cases.filter(Exists(measured))


def _case_rows(cases: QuerySet[Case]) -> QuerySet:
    """One row per case with a response to a compared instrument: what the subgroups and
    the comparison need."""
    attended = Connection.objects.filter(case=OuterRef("pk"), first_attended_on__isnull=False)
    contacts = (
        Contact.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        _cases_with_responses(cases)
        .order_by()
        .values(
            case_key=F("pk"),
            referral_key=F("referral_id"),
            area_key=F("referral__area_id"),
            team_key=F("referral__team_id"),
            received_on=TruncDate("referral__received_at"),
            treated=Exists(attended),
            age=AgeOn(F("person__birth_date"), TruncDate("referral__received_at")),
            sex=F("person__sex"),
            n_contacts=Coalesce(Subquery(contacts), 0),
            **{f"dim_{name}": d.key() for name, d in DIMENSIONS.items()},
        )
    )


def _insert_pairs_sql(cases: QuerySet[Case]) -> tuple[str, list]:
    facts_sql, facts_params = sql_of(_case_rows(cases))
    values = ", ".join("(%s, %s, %s)" for _ in MEASURES)
    measure_params = [p for m in MEASURES for p in (m.key, m.instrument, m.score)]
    dims = ", ".join(f"f.dim_{name}" for name in DIMENSIONS)
    # COALESCE for the CharFields (NOT NULL, blank when unknown).
    sql = f"""
WITH facts AS ({facts_sql}),
measures (measure, instrument, score_key) AS (VALUES {values}),
scored AS (
    SELECT r.case_id AS case_key, m.measure, r.completed_at, r.id,
           CAST(ROUND(({value_sql()}) * {SCALE}) AS BIGINT) AS v
    FROM {quote(Response)} r JOIN measures m ON m.instrument = r.instrument
    WHERE r.case_id IN (SELECT case_key FROM facts)
),
ranked AS (
    SELECT case_key, measure, ROW_NUMBER() OVER w AS rn,
           FIRST_VALUE(completed_at) OVER w AS first_at, FIRST_VALUE(v) OVER w AS b,
           LAST_VALUE(completed_at) OVER w AS last_at, LAST_VALUE(v) OVER w AS f
    FROM scored WHERE v IS NOT NULL
    WINDOW w AS (PARTITION BY case_key, measure ORDER BY completed_at, id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
INSERT INTO {quote(PairFact)} ({COLUMNS})
SELECT p.case_key, f.referral_key, f.area_key, f.team_key, f.received_on, p.measure, p.b,
       CASE WHEN {at_least_days_apart("p.last_at", "p.first_at", FOLLOW_UP_DAYS)}
            THEN p.f - p.b END,
       f.treated, f.age, COALESCE(f.sex, ''), f.n_contacts, {dims}
FROM ranked p JOIN facts f ON f.case_key = p.case_key
WHERE p.rn = 1
"""  # noqa: S608 (table names, constants and the ORM's own SQL; values are parameters)
    return sql, facts_params + measure_params


def _insert_reasons_sql(cases: QuerySet[Case]) -> tuple[str, list]:
    with_pairs = PairFact.objects.filter(case=OuterRef("pk"))
    rows = (
        cases.filter(Exists(with_pairs))
        .order_by()
        .values(case_key=F("pk"), reasons=F("referral__reasons"))
    )
    rows_sql, params = sql_of(rows)
    join, code = reasons_join("c.reasons")
    sql = (
        f"INSERT INTO {quote(FactReason)} (case_id, code) "  # noqa: S608
        f"SELECT DISTINCT c.case_key, {code} FROM ({rows_sql}) c {join}"
    )
    return sql, params


def _insert_categories_sql(cases: QuerySet[Case]) -> tuple[str, list]:
    """The top-level categories of the services each of `cases` with pairs attended: the
    taxonomy climbed from each service's terms to the term with no stored parent (at most
    64 steps, so a cycle ends)."""
    with_pairs = PairFact.objects.filter(case=OuterRef("pk"))
    rows_sql, params = sql_of(cases.filter(Exists(with_pairs)).order_by().values("pk"))
    term, attribute, conn = quote(TaxonomyTerm), quote(Attribute), quote(Connection)
    sql = f"""
WITH RECURSIVE
climb (term_id, at_id, depth) AS (
    SELECT t.id, t.id, 0 FROM {term} t
    UNION ALL
    SELECT c.term_id, up.id, c.depth + 1
    FROM climb c JOIN {term} t ON t.id = c.at_id JOIN {term} up ON up.id = t.parent_id
    WHERE c.depth < 64
),
tops AS (
    SELECT c.term_id, t.name FROM climb c JOIN {term} t ON t.id = c.at_id
    LEFT JOIN {term} up ON up.id = t.parent_id
    WHERE up.id IS NULL AND t.name <> ''
),
service_tops AS (
    SELECT DISTINCT a.link_id AS service_id, tops.name AS category
    FROM {attribute} a JOIN tops ON tops.term_id = a.taxonomy_term_id
    WHERE a.link_entity = 'service'
)
INSERT INTO {quote(FactCategory)} (case_id, category)
SELECT DISTINCT cn.case_id, st.category
FROM {conn} cn JOIN service_tops st ON st.service_id = cn.service_id
WHERE cn.first_attended_on IS NOT NULL AND cn.case_id IN ({rows_sql})
"""  # noqa: S608 (table names and the ORM's own SQL; values are parameters)
    return sql, params


def _write(cases: QuerySet[Case] | None) -> None:
    """Delete and rewrite the facts of `cases` (None: every case), and the monthly sums of
    the months they fell in before and fall in now (insight.pair_rollup)."""
    kept = [PairFact.objects.all(), FactReason.objects.all(), FactCategory.objects.all()]
    months = set()
    if cases is not None:
        kept = [rows.filter(case__in=cases) for rows in kept]
        months = pair_rollup.cells_of(cases)
    for rows in kept:
        rows.delete()
    everyone = cases is None
    cases = Case.objects.all() if cases is None else cases
    with connection.cursor() as cursor:
        for sql, params in (
            _insert_pairs_sql(cases),
            _insert_reasons_sql(cases),
            _insert_categories_sql(cases),
        ):
            cursor.execute(sql, params)
    if everyone:
        pair_rollup.rebuild()
    else:
        pair_rollup.rewrite(months | pair_rollup.cells_of(cases))


def refresh(cases: QuerySet[Case] | Iterable[Any] | None = None) -> None:
    """Rewrite the facts of `cases` (a Case queryset or case ids; None: every case), from
    the records as they are now. Inside a `batched()` block, case ids are collected and
    written once when the block ends."""
    if cases is None or isinstance(cases, QuerySet):
        with transaction.atomic():
            _write(cases)
        return
    ids = set(cases)
    if batching.collect(_pending, ids):
        return
    ordered = sorted(ids, key=str)
    with transaction.atomic():
        for start in range(0, len(ordered), CHUNK):
            _write(Case.objects.filter(pk__in=ordered[start : start + CHUNK]))


def refresh_categories(cases: Iterable[Any] | None = None) -> None:
    """Rewrite the category facts of `cases` (case ids) and the monthly sums they fall in,
    after the directory's taxonomy or a service's categories changed (the pairs themselves
    do not depend on the directory). None: every case, one team at a time, each team in a
    transaction of its own. insight.tasks runs this after the directory change commits."""
    if cases is None:
        teams = PairFact.objects.order_by().values_list("team_id", flat=True).distinct()
        for team in list(teams):
            ids = PairFact.objects.filter(team_id=team).values_list("case_id", flat=True)
            refresh_categories(set(ids))
        return
    ordered = sorted(set(cases), key=str)
    with transaction.atomic():
        months: set = set()
        for start in range(0, len(ordered), CHUNK):
            chunk = Case.objects.filter(pk__in=ordered[start : start + CHUNK])
            months |= pair_rollup.cells_of(chunk)
            FactCategory.objects.filter(case__in=chunk).delete()
            with connection.cursor() as cursor:
                cursor.execute(*_insert_categories_sql(chunk))
        pair_rollup.rewrite(months)


def batched() -> AbstractContextManager[None]:
    """Collect the cases that changes inside the block touch and refresh each once at the
    end (an import of thousands of rows refreshes each case once, not once per row)."""
    return batching.batched(_pending, refresh)


def differences() -> list[str]:
    """Facts that differ from what the records give now (for `refresh_insight_facts
    --check`): a line per missing, extra or different row. Reads every fact: a check for
    operators, not for pages."""
    fields = ["case_id", "measure", "baseline", "change", "attended", "age", "sex"]
    fields += ["contacts", "referral_id", "area_id", "team_id", "received_on", *DIMENSIONS]
    stored = {(str(r[0]), r[1]): r for r in PairFact.objects.values_list(*fields)}
    reasons = set(FactReason.objects.values_list("case_id", "code"))
    categories = set(FactCategory.objects.values_list("case_id", "category"))
    with transaction.atomic():  # rebuilt to compare, then rolled back
        refresh()
        fresh = {(str(r[0]), r[1]): r for r in PairFact.objects.values_list(*fields)}
        fresh_reasons = set(FactReason.objects.values_list("case_id", "code"))
        fresh_categories = set(FactCategory.objects.values_list("case_id", "category"))
        transaction.set_rollback(True)
    out = [f"missing: case {key[0]} {key[1]}" for key in sorted(fresh.keys() - stored.keys())]
    out += [f"extra: case {key[0]} {key[1]}" for key in sorted(stored.keys() - fresh.keys())]
    out += [
        f"different: case {key[0]} {key[1]}"
        for key in sorted(fresh.keys() & stored.keys())
        if fresh[key] != stored[key]
    ]
    out += [
        f"reason differs: case {c} {code}" for c, code in sorted(reasons ^ fresh_reasons, key=str)
    ]
    out += [
        f"category differs: case {c} {name}"
        for c, name in sorted(categories ^ fresh_categories, key=str)
    ]
    return out + pair_rollup.differences()
