"""The evaluation's counting, in the database: one statement pairs every baseline with its
follow-up and adds the changes up by subgroup, another adds up healthcare use. Python gets
back a few hundred sums, never the rows.

Pairing with window functions (the same SQL on SQLite and PostgreSQL): for each case and
measure, the responses that have a value, ordered by completion time (then id, so ties are
decided the same way every time); the first is the baseline; the last is the follow-up when
it was completed at least FOLLOW_UP_DAYS after the baseline (if the last is not, no
response is), else the baseline is lost to follow-up.

Scores are added up in fixed point: each value is rounded to 1/SCALE (every instrument's
scores have at most two decimals), so sums and sums of squares are exact integers on both
databases, whatever order they add in, and insight.stats turns them into the same means and
intervals as computing over the values would. Everything here is keyed by raw codes (sex
code, age in years, reason code, category name, a dimension's key); insight.evaluation maps
them to labels.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
)
from django.db.models.functions import TruncDate

from casework.models import Case, Connection, Contact
from insight.stats import Sums
from outcomes.models import HealthcareUse, Response
from referrals.models import Referral

SCALE = 10_000
SORT_MEMORY = "256MB"  # PostgreSQL's work_mem while pairing


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


# --- Expressions that differ between the databases -------------------------------------------


class AgeOn(Func):
    """Whole years from a birth date to a day (NULL when either is unknown), the rule of
    insight.evaluation.age_on."""

    arity = 2
    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        birth, birth_params = compiler.compile(self.source_expressions[0])
        day, day_params = compiler.compile(self.source_expressions[1])
        return f"CAST(EXTRACT(YEAR FROM age({day}, {birth})) AS integer)", (
            *day_params,
            *birth_params,
        )

    def as_sql(self, compiler, connection, **extra):
        birth, birth_params = compiler.compile(self.source_expressions[0])
        day, day_params = compiler.compile(self.source_expressions[1])
        sql = (
            f"(CAST(strftime('%%Y', {day}) AS INTEGER) - CAST(strftime('%%Y', {birth}) AS INTEGER)"
            f" - (strftime('%%m-%%d', {day}) < strftime('%%m-%%d', {birth})))"
        )
        return sql, (*day_params, *birth_params, *day_params, *birth_params)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _value_sql() -> str:
    """A response's number for the measure joined as `m` (columns instrument, score_key),
    or NULL: a bare number is the score itself, an object holds one number per item."""
    if _postgres():
        return (
            "CASE WHEN jsonb_typeof(r.score) = 'number' THEN (r.score #>> '{}')::float8 "
            "WHEN jsonb_typeof(r.score -> m.score_key) = 'number' "
            "THEN (r.score ->> m.score_key)::float8 END"
        )
    path = "'$.\"' || m.score_key || '\"'"
    return (
        "CASE WHEN json_type(r.score) IN ('integer', 'real') THEN json_extract(r.score, '$') "
        f"WHEN json_type(r.score, {path}) IN ('integer', 'real') "
        f"THEN json_extract(r.score, {path}) END"
    )


def _at_least_days_apart(later: str, earlier: str, days: int) -> str:
    if _postgres():
        return f"{later} - {earlier} >= INTERVAL '{int(days) * 24} hours'"
    # Django's own (exact, microsecond) difference of two stored timestamps.
    return f"django_timestamp_diff({later}, {earlier}) >= {int(days) * 86_400_000_000}"


def _reasons_join(column: str) -> tuple[str, str]:
    """(join clause, code column) unnesting a JSON list of reason codes."""
    if _postgres():
        return (
            "CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof("
            f"{column}) = 'array' THEN {column} ELSE '[]'::jsonb END) AS rs(code)",
            "rs.code",
        )
    return (
        f"JOIN json_each(CASE WHEN json_type({column}) = 'array' THEN {column} ELSE '[]' END)"
        " AS rs",
        "rs.value",
    )


def _shift_days(day: str, days: int) -> str:
    if _postgres():
        return f"({day} + {int(days)})"
    return f"date({day}, '{int(days):+d} days')"


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, tuple(params)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# --- The pairs -------------------------------------------------------------------------------


def _facts(referrals: QuerySet[Referral], instruments: list[str], dimensions: dict[str, Any]):
    """One row per case of `referrals` with a response to one of `instruments`: what the
    subgroups and the comparison need."""
    attended = Connection.objects.filter(case=OuterRef("pk"), first_attended_on__isnull=False)
    measured = Response.objects.filter(case=OuterRef("pk"), instrument__in=instruments)
    return (
        Case.objects.filter(referral__in=referrals)
        .filter(Exists(measured))
        .order_by()
        .values(
            case_key=F("pk"),
            treated=Exists(attended),
            age=AgeOn(F("person__birth_date"), TruncDate("referral__received_at")),
            sex=F("person__sex"),
            reasons=F("referral__reasons"),
            **{f"dim_{i}": expression for i, expression in enumerate(dimensions.values())},
        )
    )


def measure_sums(
    referrals: QuerySet[Referral],
    measures: list[tuple[str, str]],
    *,
    follow_up_days: int,
    dimensions: dict[str, Any],
) -> MeasureSums:
    """Pair and add up, in one statement. `measures`: (instrument, score key) in order;
    `dimensions`: extra subgroups, name -> a Django expression over a Case row."""
    instruments = sorted({instrument for instrument, _ in measures})
    facts_sql, facts_params = _sql(_facts(referrals, instruments, dimensions))
    values = ", ".join("(%s, %s, %s)" for _ in measures)
    measure_params = tuple(p for i, (ins, key) in enumerate(measures) for p in (i, ins, key))
    reasons_join, reason_code = _reasons_join("f.reasons")
    dim_columns = [f"dim_{i}" for i in range(len(dimensions))]
    # A typed NULL for a dimension's column in the other branches (PostgreSQL settles a
    # UNION's column types branch by branch, and a bare NULL would settle as text).
    typed_null = {c: f"(SELECT {c} FROM facts WHERE 1 = 0)" for c in dim_columns}  # noqa: S608
    nulls = "".join(f", {typed_null[c]}" for c in dim_columns)
    paired = "FROM pairs p JOIN facts f ON f.case_key = p.case_key WHERE p.y IS NOT NULL"
    sums = "COUNT(*), SUM(p.y), SUM(p.y * p.y)"
    branches = [
        f"SELECT 'main', p.idx, f.treated, f.age, f.sex, NULL{nulls}, COUNT(*), COUNT(p.y), "  # noqa: S608
        "SUM(p.y), SUM(p.y * p.y), SUM(CASE WHEN p.y IS NOT NULL THEN p.b END), "
        "SUM(CASE WHEN p.y IS NOT NULL THEN p.b * p.b END), SUM(p.y * p.b) "
        "FROM pairs p JOIN facts f ON f.case_key = p.case_key "
        "GROUP BY p.idx, f.treated, f.age, f.sex",
        f"SELECT 'reason', p.idx, NULL, NULL, NULL, {reason_code}{nulls}, 0, {sums}, 0, 0, 0 "
        f"{paired.replace(' WHERE', f' {reasons_join} WHERE')} GROUP BY p.idx, {reason_code}",
        f"SELECT 'category', p.idx, NULL, NULL, NULL, cc.category{nulls}, 0, {sums}, 0, 0, 0 "  # noqa: S608
        "FROM pairs p JOIN case_categories cc ON cc.case_key = p.case_key "
        "WHERE p.y IS NOT NULL GROUP BY p.idx, cc.category",
        # The number of contacts rides in the age column (an integer there too).
        f"SELECT 'contacts', p.idx, NULL, COALESCE(d.n, 0), NULL, NULL{nulls}, 0, {sums}, "  # noqa: S608
        "0, 0, 0 FROM pairs p LEFT JOIN doses d ON d.case_key = p.case_key "
        "WHERE p.y IS NOT NULL GROUP BY p.idx, COALESCE(d.n, 0)",
    ]
    for column in dim_columns:
        cells = "".join(f", f.{c}" if c == column else f", {typed_null[c]}" for c in dim_columns)
        branches.append(
            f"SELECT '{column}', p.idx, NULL, NULL, NULL, NULL{cells}, 0, {sums}, 0, 0, 0 "
            f"{paired} GROUP BY p.idx, f.{column}"
        )
    term, attribute, conn = _table_names()
    sql = f"""
WITH RECURSIVE
facts AS ({facts_sql}),
measures (idx, instrument, score_key) AS (VALUES {values}),
scored AS (
    SELECT r.case_id AS case_key, m.idx, r.completed_at, r.id,
           CAST(ROUND(({_value_sql()}) * {SCALE}) AS BIGINT) AS v
    FROM {_table(Response)} r JOIN measures m ON m.instrument = r.instrument
    WHERE r.case_id IN (SELECT case_key FROM facts)
),
ranked AS (
    SELECT case_key, idx, ROW_NUMBER() OVER w AS rn,
           FIRST_VALUE(completed_at) OVER w AS first_at, FIRST_VALUE(v) OVER w AS b,
           LAST_VALUE(completed_at) OVER w AS last_at, LAST_VALUE(v) OVER w AS f
    FROM scored WHERE v IS NOT NULL
    WINDOW w AS (PARTITION BY case_key, idx ORDER BY completed_at, id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
),
pairs AS (
    SELECT case_key, idx, b,
           CASE WHEN {_at_least_days_apart("last_at", "first_at", follow_up_days)}
                THEN f - b END AS y
    FROM ranked WHERE rn = 1
),
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
case_categories AS (
    SELECT DISTINCT cn.case_id AS case_key, tops.name AS category
    FROM {conn} cn
    JOIN {attribute} a ON a.link_id = cn.service_id AND a.link_entity = 'service'
    JOIN tops ON tops.term_id = a.taxonomy_term_id
    WHERE cn.first_attended_on IS NOT NULL
      AND cn.case_id IN (SELECT case_key FROM pairs WHERE y IS NOT NULL)
),
doses AS (
    SELECT ct.case_id AS case_key, COUNT(*) AS n FROM {_table(Contact)} ct
    WHERE ct.case_id IN (SELECT case_key FROM pairs WHERE y IS NOT NULL)
    GROUP BY ct.case_id
)
{" UNION ALL ".join(branches)}
"""  # noqa: S608 (table names, constants and the ORM's own SQL; values are parameters)
    out = MeasureSums(dims={name: {} for name in dimensions})
    names = dict(zip(dim_columns, dimensions, strict=True))
    rows = _fetch(sql, facts_params + measure_params)
    for row in rows:
        section, idx, treated, age, sex, code, *keys = row[: 6 + len(dim_columns)]
        counts = [int(v or 0) for v in row[6 + len(dim_columns) :]]
        if section == "main":
            key = (idx, bool(treated), age, sex or "")
            out.main[key] = Moments(*counts)
        elif section in ("reason", "category"):
            getattr(out, section)[(idx, code)] = _sums(counts)
        elif section == "contacts":
            out.contacts[(idx, int(age))] = _sums(counts)
        else:
            value = keys[dim_columns.index(section)]
            out.dims[names[section]][(idx, value)] = _sums(counts)
    return out


def _sums(counts: list[int]) -> Sums:
    """A branch's (count, sum, sum of squares), after its leading 0."""
    return Sums(counts[1], counts[2], counts[3], SCALE)


def _fetch(sql: str, params: tuple) -> list[tuple]:
    if not _postgres():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    # The pairing sorts every response once: let it sort in memory, for this statement's
    # transaction only (PostgreSQL's default 4 MB spills a region's sort to disk).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _table_names() -> tuple[str, str, str]:
    from directory.models import Attribute, TaxonomyTerm

    return _table(TaxonomyTerm), _table(Attribute), _table(Connection)


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
    eligible_sql, params = _sql(eligible)
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
    FROM eligible e LEFT JOIN {_table(HealthcareUse)} h
      ON h.person_id = e.person_key
     AND h.occurred_on >= {_shift_days("e.day", -window_days)}
     AND h.occurred_on < {_shift_days("e.day", window_days)}
    GROUP BY e.ref_key
)
SELECT COUNT(*), {totals} FROM per
"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params + tuple(kind_params))
        row = [int(v or 0) for v in cursor.fetchone()]
    out = HealthcareSums(people=row[0])
    for i, kind in enumerate(kinds):
        out.before[kind], out.after[kind] = row[1 + 2 * i], row[2 + 2 * i]
    for (i, j), value in zip(pairs, row[1 + 2 * len(kinds) :], strict=True):
        out.cross[(kinds[i], kinds[j])] = out.cross[(kinds[j], kinds[i])] = value
    return out
