"""The evaluation's counting, in the database: one statement adds the pairs up by
subgroup, another adds up healthcare use. Python gets back a few hundred sums, never the
rows.

The pairs themselves (each case's baseline and follow-up per measure, with what it is
grouped by) are kept by insight.facts as PairFact rows, rewritten whenever the records
behind them change; this module only adds them up, filtered to the referrals asked for.

Scores are added up in fixed point (insight.measures.SCALE), so sums and sums of squares
are exact integers on both databases, whatever order they add in, and insight.stats turns
them into the same means and intervals as computing over the values would. Everything here
is keyed by raw codes (sex code, age in years, reason code, category name, a dimension's
key); insight.evaluation maps them to labels.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from insight import healthcare_facts, pair_rollup
from insight.healthcare_facts import HealthcareSums
from insight.measures import DIMENSIONS, MEASURES, SCALE
from insight.models import PairFact, PairMonth
from insight.months import whole_months
from insight.selection import Referrals, Selection, referrals_of
from insight.sql import quote, shift_days, sorting_in_memory, sql_of
from insight.stats import Sums
from outcomes.models import HealthcareUse


@dataclass
class Moments:
    """Sums over one group's baselines and pairs (values in units of 1/SCALE): baselines,
    pairs, and over the pairs Σy, Σy², Σb, Σb², Σyb (y the change, b the baseline) and, for
    the regression adjusting for age, Σa, Σa², Σab, Σay (a the age in years, where known)."""

    baselines: int = 0
    n: int = 0
    sy: int = 0
    syy: int = 0
    sb: int = 0
    sbb: int = 0
    syb: int = 0
    sa: int = 0
    saa: int = 0
    sab: int = 0
    say: int = 0

    def __iadd__(self, other: Moments) -> Moments:
        for name in pair_rollup.MOMENTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def changes(self) -> Sums:
        return Sums(self.n, self.sy, self.syy, SCALE)


@dataclass
class MeasureSums:
    """Everything the evaluation needs about the pairs, by measure (index into MEASURES):
    `main[(i, treated, age band (insight.measures.band_index), sex)]`, `reason[(i, code)]`,
    `category[(i, name)]`, `contacts[(i, number of contacts in the case)]` and, per extra
    dimension, `dims[name][(i, key)]`."""

    main: dict[tuple[int, bool, int | None, str], Moments] = field(default_factory=dict)
    reason: dict[tuple[int, str], Sums] = field(default_factory=dict)
    category: dict[tuple[int, str], Sums] = field(default_factory=dict)
    contacts: dict[tuple[int, int], Sums] = field(default_factory=dict)
    dims: dict[str, dict[tuple[int, Any], Sums]] = field(default_factory=dict)


# --- The pairs -------------------------------------------------------------------------------


COLUMNS = ("section", "measure", *pair_rollup.KEYS)


def _selected_facts(referrals: Referrals) -> QuerySet[PairFact]:
    """The facts of `referrals`: a Selection's by their own columns; a queryset's through a
    join with it."""
    if isinstance(referrals, Selection):
        return referrals.facts()
    return PairFact.objects.filter(referral__in=referrals.order_by().values("pk"))


def _compiled(queryset: QuerySet) -> tuple[str, list] | None:
    try:
        return sql_of(queryset)
    except EmptyResultSet:  # a selection of nothing
        return None


def _sums_sql(referrals: Referrals) -> tuple[str, list] | None:
    """One statement giving the sums of `referrals`' pairs by section and group: rows
    (*COLUMNS, *pair_rollup.MOMENTS). A Selection adds up the months it covers whole from
    insight.pair_rollup and groups only the facts of the days at its two ends; a queryset
    of referrals groups all its facts. None: nothing selected."""
    facts = _selected_facts(referrals)
    months = PairMonth.objects.none()
    if isinstance(referrals, Selection) and not referrals.empty:
        first, end = whole_months(referrals.date_from, referrals.date_to)
        if first is None or end is None or first < end:
            place = referrals.place()
            months = PairMonth.objects.filter(**place)
            edges = Q(pk__in=[])  # each end as one range, so the planner sizes it well
            if first is not None:
                months = months.filter(month__gte=first)
                edges |= Q(received_on__gte=referrals.date_from, received_on__lt=first)
            if end is not None:
                months = months.filter(month__lt=end)
                edges |= Q(received_on__gte=end, received_on__lte=referrals.date_to)
            facts = PairFact.objects.filter(edges, **place)
    branches, params = [], []
    by_group = months.values(*COLUMNS).annotate(
        **{f"t_{m}": Sum(m) for m in pair_rollup.MOMENTS}
    )  # added up per group before the union: a few hundred rows, not every month's
    if compiled := _compiled(by_group):
        named = ", ".join(
            [*(f"m.{c}" for c in COLUMNS), *(f"m.t_{c} AS {c}" for c in pair_rollup.MOMENTS)]
        )
        branches.append(f"SELECT {named} FROM ({compiled[0]}) m")  # noqa: S608
        params += compiled[1]
    if compiled := _compiled(facts.values(*pair_rollup.FACT_COLUMNS)):
        # A Selection groups only the facts of its ends; a queryset may hold every fact.
        cells = pair_rollup.cells_sql(compiled[0], few=isinstance(referrals, Selection))
        branches.append(f"SELECT * FROM ({cells}) c")  # noqa: S608
        params += compiled[1]
    if not branches:
        return None
    keys = ", ".join(f"u.{c}" for c in COLUMNS)
    sums = ", ".join(f"SUM(u.{c})" for c in pair_rollup.MOMENTS)
    union = " UNION ALL ".join(branches)
    return f"SELECT {keys}, {sums} FROM ({union}) u GROUP BY {keys}", params  # noqa: S608


def measure_sums(referrals: Referrals) -> MeasureSums:
    """Add up the pairs of `referrals` by subgroup, in one query (for a Selection: the
    months it covers whole from insight.pair_rollup, the facts of the days at its ends).
    Keys use the measure's index in insight.measures.MEASURES."""
    index = {m.key: i for i, m in enumerate(MEASURES)}
    dims = list(DIMENSIONS)
    out = MeasureSums(dims={name: {} for name in dims})
    compiled = _sums_sql(referrals)
    if compiled is None:
        return out
    with sorting_in_memory(), connection.cursor() as cursor:
        cursor.execute(*compiled)
        grouped = cursor.fetchall()
    width = len(pair_rollup.KEYS)
    for section, key, *rest in grouped:
        keys = dict(zip(pair_rollup.KEYS, rest[:width], strict=True))
        counts = [int(v or 0) for v in rest[width:]]
        i = index.get(key)
        if i is None:  # a measure no longer compared (facts not yet rebuilt)
            continue
        if section == "main":
            group = (i, bool(keys["attended"]), keys["age_band"], keys["sex"] or "")
            out.main[group] = Moments(*counts)
        elif not counts[1]:
            continue  # only baselines lost to follow-up in this group
        elif section == "contacts":
            out.contacts[(i, int(keys["contacts"]))] = _sums(counts)
        elif section == "reason":
            out.reason[(i, keys["code"])] = _sums(counts)
        elif section == "category":
            out.category[(i, keys["category"])] = _sums(counts)
        else:
            out.dims[section][(i, keys[section])] = _sums(counts)
    return out


def _sums(counts: list[int]) -> Sums:
    """The pairs' (count, sum, sum of squares) from a group's MOMENTS."""
    return Sums(counts[1], counts[2], counts[3], SCALE)


# --- Healthcare use --------------------------------------------------------------------------


def healthcare_sums(
    referrals: Referrals, *, latest: dt.datetime, window_days: int
) -> HealthcareSums:
    """Sums over the referrals that have a case, were received by `latest` and whose person
    has any healthcare use recorded, of each kind's count in the `window_days` before the
    day of referral and in those from it. One statement: for a Selection, over the kept
    insight.healthcare_facts (no join); otherwise counted from the events."""
    if isinstance(referrals, Selection):
        kept = healthcare_facts.healthcare_sums_from_facts(
            referrals, latest=latest, window_days=window_days
        )
        if kept is not None:
            return kept
    referrals = referrals_of(referrals)
    with_use = HealthcareUse.objects.filter(person_id=OuterRef("person_id"))
    eligible = (
        referrals.filter(case__isnull=False, received_at__lte=latest)
        .filter(Exists(with_use))
        .order_by()
        .values(ref_key=F("pk"), person_key=F("person_id"), day=TruncDate("received_at"))
    )
    eligible_sql, params = sql_of(eligible)
    kinds = [kind for kind, _ in HealthcareUse.Kind.choices]
    per_kind = []
    kind_params: list[str] = []
    for i, kind in enumerate(kinds):
        per_kind.append(
            f"COALESCE(SUM(CASE WHEN h.kind = %s AND h.occurred_on < e.day "
            f"THEN h.count ELSE 0 END), 0) AS b{i}, "
            f"COALESCE(SUM(CASE WHEN h.kind = %s AND h.occurred_on >= e.day "
            f"THEN h.count ELSE 0 END), 0) AS a{i}"
        )
        kind_params += [kind, kind]
    pairs = [(i, j) for i in range(len(kinds)) for j in range(i, len(kinds))]
    totals = ", ".join(
        [f"SUM(b{i}), SUM(a{i})" for i in range(len(kinds))]
        + [f"SUM((a{i} - b{i}) * (a{j} - b{j}))" for i, j in pairs]
    )
    sql = f"""
WITH eligible AS ({eligible_sql}),
per AS (
    SELECT e.ref_key, {", ".join(per_kind)}
    FROM eligible e LEFT JOIN {quote(HealthcareUse)} h
      ON h.person_id = e.person_key
     AND h.occurred_on >= {shift_days("e.day", -window_days)}
     AND h.occurred_on < {shift_days("e.day", window_days)}
    GROUP BY e.ref_key
)
SELECT COUNT(*), {totals} FROM per
"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params + kind_params)
        row = [int(v or 0) for v in cursor.fetchone()]
    out = HealthcareSums(people=row[0])
    for i, kind in enumerate(kinds):
        out.before[kind], out.after[kind] = row[1 + 2 * i], row[2 + 2 * i]
    for (i, j), value in zip(pairs, row[1 + 2 * len(kinds) :], strict=True):
        out.cross[(kinds[i], kinds[j])] = out.cross[(kinds[j], kinds[i])] = value
    return out
