"""The evaluation's healthcare use, kept per referral: one HealthcareFact per referral that
has a case and whose person has any healthcare use recorded, holding per kind the events
in the WINDOW_DAYS before the day the referral was received and in those from it.

The evaluation used to join every eligible referral to its person's events each time it
ran (1.5 s for a region of a million referrals); the events of a referral's windows only
change when the person's healthcare use, the referral, its case or its person does, so
they are counted here once per change instead: insight.signals_healthcare asks `refresh`
(by referral) or `refresh_people` to rewrite the rows concerned, in the same transaction
as the change. `healthcare_sums_from_facts` then only adds rows up, with no join.

Whether a referral's six months after have passed depends on the day the evaluation runs,
so it is not stored: the rows keep `received_on` and the reading filters on it.

Writes that bypass model signals (bulk_create, QuerySet.update, raw SQL, a restore) call
`refresh`/`refresh_people` themselves, or `rebuild()`; `differences()` reports rows that
differ from the records (for `manage.py refresh_insight_facts --check`).

Each refresh locks the referral rows it rewrites (PostgreSQL: FOR NO KEY UPDATE, in id
order) before deleting and inserting their facts, so two transactions rewriting the same
referral take turns, and the later one counts what the earlier committed.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, Exists, F, OuterRef, QuerySet, Sum
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from insight.models import HealthcareFact
from insight.selection import Selection
from insight.sql import postgres, quote, shift_days, sql_of
from outcomes.models import HealthcareUse
from referrals.models import Referral

if TYPE_CHECKING:
    from insight.selection import Referrals

WINDOW_DAYS = 182  # insight.evaluation.HEALTHCARE_WINDOW_DAYS (a test checks they agree)


@dataclass
class HealthcareSums:
    """Per eligible referral, before_k and after_k for each kind k; here their sums over the
    referrals, and Σ d_k·d_l of the changes d = after − before (for totals and costs)."""

    people: int = 0
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    cross: dict[tuple[str, str], int] = field(default_factory=dict)


KINDS = [kind for kind, _ in HealthcareUse.Kind.choices]
COUNTS = [f"{side}_{kind}" for kind in KINDS for side in ("before", "after")]
COLUMNS = ["referral_id", "area_id", "team_id", "received_on", *COUNTS]
CHUNK = 500  # referrals rewritten per statement

_pending: contextvars.ContextVar[tuple[set[Any], set[Any]] | None] = contextvars.ContextVar(
    "insight_healthcare_facts_pending", default=None
)


# --- Writing ---------------------------------------------------------------------------------


def _rows_sql(referrals: QuerySet[Referral]) -> tuple[str, list]:
    """One row per referral of `referrals` that has a case and whose person has any
    healthcare use: COLUMNS, counted from the records (the rule of
    insight.evaluation_sql.healthcare_sums, before its cut by the day of evaluation)."""
    with_use = HealthcareUse.objects.filter(person_id=OuterRef("person_id"))
    eligible = (
        referrals.filter(case__isnull=False)
        .filter(Exists(with_use))
        .order_by()
        .values(
            ref_key=F("pk"),
            area_key=F("area_id"),
            team_key=F("team_id"),
            person_key=F("person_id"),
            day=TruncDate("received_at"),
        )
    )
    eligible_sql, params = sql_of(eligible)
    per_kind, kind_params = [], []
    for kind in KINDS:
        per_kind.append(
            "COALESCE(SUM(CASE WHEN h.kind = %s AND h.occurred_on < e.day "
            "THEN h.count ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN h.kind = %s AND h.occurred_on >= e.day "
            "THEN h.count ELSE 0 END), 0)"
        )
        kind_params += [kind, kind]
    sql = f"""
SELECT e.ref_key, e.area_key, e.team_key, e.day, {", ".join(per_kind)}
FROM ({eligible_sql}) e LEFT JOIN {quote(HealthcareUse)} h
  ON h.person_id = e.person_key
 AND h.occurred_on >= {shift_days("e.day", -WINDOW_DAYS)}
 AND h.occurred_on < {shift_days("e.day", WINDOW_DAYS)}
GROUP BY e.ref_key, e.area_key, e.team_key, e.day
"""  # noqa: S608 (table names, constants and the ORM's own SQL; values are parameters)
    return sql, kind_params + params  # the select list's placeholders come first


def _insert(referrals: QuerySet[Referral]) -> None:
    rows_sql, params = _rows_sql(referrals)
    # In team and day order: a rebuild then lays a team's rows out together on disk.
    sql = (
        f"INSERT INTO {quote(HealthcareFact)} ({', '.join(COLUMNS)}) {rows_sql}"  # noqa: S608
        "ORDER BY e.team_key, e.day"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _locked(referrals: QuerySet[Referral]) -> list[Any]:
    """The ids of `referrals`, their rows locked for this transaction (PostgreSQL; SQLite
    has one writer at a time anyway), in id order so that lockers never deadlock."""
    ids = referrals.order_by("pk")
    if postgres():
        ids = ids.select_for_update(no_key=True)
    return list(ids.values_list("pk", flat=True))


def _write(referrals: QuerySet[Referral]) -> None:
    """Lock `referrals`, then delete and insert their facts."""
    with transaction.atomic():
        ids = _locked(referrals)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            HealthcareFact.objects.filter(referral_id__in=chunk).delete()
            _insert(Referral.objects.filter(pk__in=chunk))


def refresh(referrals: Iterable[Any]) -> None:
    """Rewrite the facts of these referrals (ids) from the records as they are now. Inside a
    `batched()` block, ids are collected and written once when the block ends."""
    ids = set(referrals)
    pending = _pending.get()
    if pending is not None:
        pending[0].update(ids)
        return
    ordered = sorted(ids, key=str)
    with transaction.atomic():
        for start in range(0, len(ordered), CHUNK):
            _write(Referral.objects.filter(pk__in=ordered[start : start + CHUNK]))


def refresh_people(people: Iterable[Any]) -> None:
    """Rewrite the facts of every referral of these people (ids): their healthcare use
    changed, or records were moved onto them (a merge)."""
    ids = set(people)
    pending = _pending.get()
    if pending is not None:
        pending[1].update(ids)
        return
    if ids:
        _write(Referral.objects.filter(person_id__in=ids))


@contextmanager
def batched() -> Iterator[None]:
    """Collect the referrals and people that changes inside the block touch and rewrite
    each referral once at the end (an import of many rows writes each once, not per row)."""
    if _pending.get() is not None:  # already batching: the outer block writes
        yield
        return
    token = _pending.set((set(), set()))
    try:
        yield
        referrals, people = _pending.get() or (set(), set())
    finally:
        _pending.reset(token)
    if people:
        referrals |= set(Referral.objects.filter(person_id__in=people).values_list("pk", flat=True))
    refresh(referrals)


def rebuild() -> int:
    """Every fact from the records: delete all, insert all (2 statements), in one
    transaction that holds writers to the facts off until it commits (they then rewrite
    their referrals over it). Returns the number of facts."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            if postgres():
                cursor.execute(f"LOCK TABLE {quote(HealthcareFact)} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(f"DELETE FROM {quote(HealthcareFact)}")  # noqa: S608
        _insert(Referral.objects.all())
        if postgres():
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {quote(HealthcareFact)}")
        return HealthcareFact.objects.count()


def _referral_key(value: Any) -> str:
    """A referral id as a raw cursor gives it (a UUID, or SQLite's 32 hex digits), as text."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def differences() -> list[str]:
    """Facts that differ from what the records give now (for `refresh_insight_facts
    --check`): a line per missing, extra or different row. Reads every fact and writes
    nothing: a check for operators, not for pages."""
    rows_sql, params = _rows_sql(Referral.objects.all())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM {quote(HealthcareFact)}")  # noqa: S608
        stored = {_referral_key(r[0]): tuple(map(str, r)) for r in cursor.fetchall()}
        cursor.execute(rows_sql, params)
        fresh = {_referral_key(r[0]): tuple(map(str, r)) for r in cursor.fetchall()}
    say = "healthcare fact: referral"
    out = [f"missing {say} {key}" for key in sorted(fresh.keys() - stored.keys())]
    out += [f"extra {say} {key}" for key in sorted(stored.keys() - fresh.keys())]
    out += [
        f"different {say} {key}"
        for key in sorted(fresh.keys() & stored.keys())
        if fresh[key] != stored[key]
    ]
    return out


# --- Reading ---------------------------------------------------------------------------------


def _last_day(latest: dt.datetime) -> dt.date | None:
    """The day whose last instant `latest` is (so received_at <= latest is received_on <=
    that day), or None when `latest` is not the end of a day."""
    local = timezone.localtime(latest) if timezone.is_aware(latest) else latest
    return local.date() if local.time() == dt.time.max else None


def healthcare_sums_from_facts(
    referrals: Referrals, *, latest: dt.datetime, window_days: int
) -> HealthcareSums | None:
    """What insight.evaluation_sql.healthcare_sums counts live for the same referrals, added
    up from the facts in one statement: a Selection reads the facts alone (by area, team and
    day received); a queryset of referrals, the facts of its referrals (a join). None when
    the facts cannot say: a window other than the one stored, or a `latest` that is not the
    end of a day (the caller then counts live)."""
    day = _last_day(latest)
    if window_days != WINDOW_DAYS or day is None:
        return None
    if isinstance(referrals, Selection):
        facts = (
            HealthcareFact.objects.none()
            if referrals.empty
            else HealthcareFact.objects.filter(**referrals.on_days("received_on"))
        )
    else:
        facts = HealthcareFact.objects.filter(referral__in=referrals.order_by().values("pk"))
    # One row of sums (PostgreSQL scans the facts in parallel). The changes are taken in
    # 64 bits before they are multiplied.
    change = {k: Cast(F(f"after_{k}"), BigIntegerField()) - F(f"before_{k}") for k in KINDS}
    pairs = [(i, j) for i in range(len(KINDS)) for j in range(i, len(KINDS))]
    sums: dict[str, Any] = {"people": Count("*")}
    for i, kind in enumerate(KINDS):
        sums[f"b{i}"] = Sum(f"before_{kind}")
        sums[f"a{i}"] = Sum(f"after_{kind}")
    for i, j in pairs:
        sums[f"c{i}_{j}"] = Sum(change[KINDS[i]] * change[KINDS[j]])
    row = facts.filter(received_on__lte=day).aggregate(**sums)
    out = HealthcareSums(people=int(row["people"] or 0))
    for i, kind in enumerate(KINDS):
        out.before[kind] = int(row[f"b{i}"] or 0)
        out.after[kind] = int(row[f"a{i}"] or 0)
    for i, j in pairs:
        value = int(row[f"c{i}_{j}"] or 0)
        out.cross[(KINDS[i], KINDS[j])] = out.cross[(KINDS[j], KINDS[i])] = value
    return out
