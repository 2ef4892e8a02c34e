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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import TruncDate

from casework.models import Connection
from directory.models import Attribute, TaxonomyTerm
from insight.measures import DIMENSIONS, MEASURES, SCALE
from insight.models import FactReason, PairFact
from insight.selection import Referrals, Selection
from insight.sql import postgres, quote, shift_days, sql_of
from insight.stats import Sums
from outcomes.models import HealthcareUse
from referrals.models import Referral

SORT_MEMORY = "256MB"


@dataclass
class Moments:
    """Sums over one group's baselines and pairs (values in units of 1/SCALE): baselines,
    pairs, and over the pairs Σy, Σy², Σb, Σb², Σyb (y the change, b the baseline)."""

    baselines: int = 0
    n: int = 0
    sy: int = 0
    syy: int = 0
    sb: int = 0
    sbb: int = 0
    syb: int = 0

    def __iadd__(self, other: Moments) -> Moments:
        for name in ("baselines", "n", "sy", "syy", "sb", "sbb", "syb"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def changes(self) -> Sums:
        return Sums(self.n, self.sy, self.syy, SCALE)


@dataclass
class MeasureSums:
    """Everything the evaluation needs about the pairs, by measure (index into MEASURES):
    `main[(i, treated, age, sex)]`, `reason[(i, code)]`, `category[(i, name)]`,
    `contacts[(i, number of contacts in the case)]` and, per extra dimension,
    `dims[name][(i, key)]`."""

    main: dict[tuple[int, bool, int | None, str], Moments] = field(default_factory=dict)
    reason: dict[tuple[int, str], Sums] = field(default_factory=dict)
    category: dict[tuple[int, str], Sums] = field(default_factory=dict)
    contacts: dict[tuple[int, int], Sums] = field(default_factory=dict)
    dims: dict[str, dict[tuple[int, Any], Sums]] = field(default_factory=dict)


@dataclass
class HealthcareSums:
    """Per eligible referral, before_k and after_k for each kind k; here their sums over the
    referrals, and Σ d_k·d_l of the changes d = after − before (for totals and costs)."""

    people: int = 0
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    cross: dict[tuple[str, str], int] = field(default_factory=dict)


# --- The pairs -------------------------------------------------------------------------------


# Each grouping of the pairs, as the GROUPING() bitmask PostgreSQL gives it over the
# columns GROUPED (1 = not in the grouping): main groups by attended, age and sex.
GROUPED = ("attended", "contacts", *DIMENSIONS)
MOMENTS = (
    "COUNT(*), COUNT(p.change), SUM(p.change), SUM(p.change * p.change), "
    "SUM(CASE WHEN p.change IS NOT NULL THEN p.baseline END), "
    "SUM(CASE WHEN p.change IS NOT NULL THEN p.baseline * p.baseline END), "
    "SUM(p.change * p.baseline)"
)


def _groupings() -> dict[int, tuple[str, tuple[str, ...]]]:
    """bitmask -> (section, the columns grouped besides the measure)."""
    out = {}
    for section, columns in (
        ("main", ("attended", "age", "sex")),
        ("contacts", ("contacts",)),
        *((name, (name,)) for name in DIMENSIONS),
    ):
        present = columns[0]
        mask = sum(1 << (len(GROUPED) - 1 - i) for i, c in enumerate(GROUPED) if c != present)
        out[mask] = (section, columns)
    return out


def _facts_of(referrals) -> tuple[str, list] | None:
    """The SQL of the facts of `referrals` (a Selection: by the facts' own columns; a
    queryset of referrals: joined through it)."""
    if isinstance(referrals, Selection):
        facts = referrals.facts()
    else:
        facts = PairFact.objects.filter(referral__in=referrals.order_by().values("pk"))
    columns = ["case_id", "measure", "baseline", "change", "attended", "age", "sex", "contacts"]
    try:
        return sql_of(facts.order_by().values(*columns, *DIMENSIONS))
    except EmptyResultSet:  # a selection of nothing
        return None


def _grouped_sql(pf: str) -> str:
    """One row per group of every grouping: g (the bitmask), the measure, the grouped
    columns (NULL where not grouped) and MOMENTS. PostgreSQL: GROUPING SETS, one pass over
    the facts; SQLite (which has no GROUPING SETS): the same rows by UNION ALL."""
    keys = ", ".join(f"p.{c}" for c in ("attended", "age", "sex", "contacts", *DIMENSIONS))
    groupings = _groupings()
    if postgres():
        sets = ", ".join(
            "(" + ", ".join(["p.measure", *(f"p.{c}" for c in cols)]) + ")"
            for _, cols in groupings.values()
        )
        grouped = ", ".join(f"p.{c}" for c in GROUPED)
        return (
            f"SELECT GROUPING({grouped}), p.measure, {keys}, {MOMENTS} "  # noqa: S608
            f"FROM ({pf}) p GROUP BY GROUPING SETS ({sets})"
        )
    branches = []
    for mask, (_, cols) in groupings.items():
        cells = ", ".join(
            f"p.{c}" if c in cols else "NULL"
            for c in ("attended", "age", "sex", "contacts", *DIMENSIONS)
        )
        group_by = ", ".join(["p.measure", *(f"p.{c}" for c in cols)])
        branches.append(
            f"SELECT {mask}, p.measure, {cells}, {MOMENTS} "  # noqa: S608
            f"FROM ({pf}) p GROUP BY {group_by}"
        )
    return " UNION ALL ".join(branches)


def _categories_sql(pf: str) -> str:
    """Changes by the top-level category of the services each case attended (read live
    from the connections and the taxonomy, so directory changes show at once)."""
    term, attribute, conn = quote(TaxonomyTerm), quote(Attribute), quote(Connection)
    return f"""
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
),
pair_categories AS (
    SELECT DISTINCT p.case_id, p.measure, p.change, st.category
    FROM ({pf}) p
    JOIN {conn} cn ON cn.case_id = p.case_id AND cn.first_attended_on IS NOT NULL
    JOIN service_tops st ON st.service_id = cn.service_id
    WHERE p.change IS NOT NULL
)
SELECT measure, category, COUNT(*), SUM(change), SUM(change * change)
FROM pair_categories GROUP BY measure, category
"""  # noqa: S608 (table names and the ORM's own SQL; values are parameters)


def measure_sums(referrals: Referrals) -> MeasureSums:
    """Add up the pairs of `referrals` (insight.facts keeps them) by subgroup: 3 queries
    (the groupings in one pass, by reason, by category). Keys use the measure's index in
    insight.measures.MEASURES."""
    index = {m.key: i for i, m in enumerate(MEASURES)}
    dims = list(DIMENSIONS)
    out = MeasureSums(dims={name: {} for name in dims})
    compiled = _facts_of(referrals)
    if compiled is None:
        return out
    pf, params = compiled
    reasons = (
        f"SELECT p.measure, fr.code, COUNT(*), SUM(p.change), SUM(p.change * p.change) "  # noqa: S608
        f"FROM ({pf}) p JOIN {quote(FactReason)} fr ON fr.case_id = p.case_id "
        "WHERE p.change IS NOT NULL GROUP BY p.measure, fr.code"
    )
    groupings = _groupings()
    with _sorting_in_memory(), connection.cursor() as cursor:
        cursor.execute(_grouped_sql(pf), params * (1 if postgres() else len(groupings)))
        grouped = cursor.fetchall()
        cursor.execute(reasons, params)
        by_reason = cursor.fetchall()
        cursor.execute(_categories_sql(pf), params)
        by_category = cursor.fetchall()
    for mask, key, attended, age, sex, contacts, *rest in grouped:
        values, counts = rest[: len(dims)], [int(v or 0) for v in rest[len(dims) :]]
        i = index.get(key)
        section = groupings[mask][0]
        if i is None:  # a measure no longer compared (facts not yet rebuilt)
            continue
        if section == "main":
            out.main[(i, bool(attended), age, sex or "")] = Moments(*counts)
        elif not counts[1]:
            continue  # only baselines lost to follow-up in this group
        elif section == "contacts":
            out.contacts[(i, int(contacts))] = _sums(counts)
        else:
            out.dims[section][(i, values[dims.index(section)])] = _sums(counts)
    for target, rows in ((out.reason, by_reason), (out.category, by_category)):
        for key, code, n, sy, syy in rows:
            if key in index:
                target[(index[key], code)] = Sums(int(n), int(sy or 0), int(syy or 0), SCALE)
    return out


@contextmanager
def _sorting_in_memory() -> Iterator[None]:
    """PostgreSQL's work_mem for these statements' transaction only: grouping a region's
    pairs spills to disk at the default 4 MB."""
    if not postgres():
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        yield


def _sums(counts: list[int]) -> Sums:
    """The pairs' (count, sum, sum of squares) from a group's MOMENTS."""
    return Sums(counts[1], counts[2], counts[3], SCALE)


# --- Healthcare use --------------------------------------------------------------------------


def healthcare_sums(
    referrals: QuerySet[Referral], *, latest: dt.datetime, window_days: int
) -> HealthcareSums:
    """Sums over the referrals that have a case, were received by `latest` and whose person
    has any healthcare use recorded, of each kind's count in the `window_days` before the
    day of referral and in those from it. One statement."""
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
