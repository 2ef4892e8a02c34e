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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate

from casework.models import Case, Connection, Contact
from insight.measures import DIMENSIONS, FOLLOW_UP_DAYS, INSTRUMENTS, MEASURES, SCALE
from insight.models import FactReason, PairFact
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


def _write(cases: QuerySet[Case] | None) -> None:
    """Delete and rewrite the facts of `cases` (None: every case)."""
    pairs, reasons = PairFact.objects.all(), FactReason.objects.all()
    if cases is not None:
        pairs, reasons = pairs.filter(case__in=cases), reasons.filter(case__in=cases)
    pairs.delete()
    reasons.delete()
    cases = Case.objects.all() if cases is None else cases
    with connection.cursor() as cursor:
        for sql, params in (_insert_pairs_sql(cases), _insert_reasons_sql(cases)):
            cursor.execute(sql, params)


def refresh(cases: QuerySet[Case] | Iterable[Any] | None = None) -> None:
    """Rewrite the facts of `cases` (a Case queryset or case ids; None: every case), from
    the records as they are now. Inside a `batched()` block, case ids are collected and
    written once when the block ends."""
    if cases is None or isinstance(cases, QuerySet):
        with transaction.atomic():
            _write(cases)
        return
    ids = set(cases)
    pending = _pending.get()
    if pending is not None:
        pending.update(ids)
        return
    ordered = sorted(ids, key=str)
    with transaction.atomic():
        for start in range(0, len(ordered), CHUNK):
            _write(Case.objects.filter(pk__in=ordered[start : start + CHUNK]))


@contextmanager
def batched() -> Iterator[None]:
    """Collect the cases that changes inside the block touch and refresh each once at the
    end (an import of thousands of rows refreshes each case once, not once per row)."""
    if _pending.get() is not None:  # already batching: the outer block writes
        yield
        return
    token = _pending.set(set())
    try:
        yield
        ids = _pending.get() or set()
    finally:
        _pending.reset(token)
    if ids:
        refresh(ids)


def differences() -> list[str]:
    """Facts that differ from what the records give now (for `refresh_insight_facts
    --check`): a line per missing, extra or different row. Reads every fact: a check for
    operators, not for pages."""
    fields = ["case_id", "measure", "baseline", "change", "attended", "age", "sex"]
    fields += ["contacts", "referral_id", "area_id", "team_id", "received_on", *DIMENSIONS]
    stored = {(str(r[0]), r[1]): r for r in PairFact.objects.values_list(*fields)}
    reasons = set(FactReason.objects.values_list("case_id", "code"))
    with transaction.atomic():  # rebuilt to compare, then rolled back
        refresh()
        fresh = {(str(r[0]), r[1]): r for r in PairFact.objects.values_list(*fields)}
        fresh_reasons = set(FactReason.objects.values_list("case_id", "code"))
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
    return out
