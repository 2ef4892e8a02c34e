"""Commissioner and supervisor dashboards: every number is counted by the database (GROUP
BY and conditional counts), scoped to what the reader may see, and suppressed below
``insight.suppression.SMALL`` before it reaches a page, a chart or a CSV file.

Scope: insight.access (a supervisor's team, a commissioner's area, an administrator's
everything). Nothing here names a person.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Team, User
from casework.models import Case, Connection, Contact
from directory.models import Attribute
from directory.taxonomy import definition
from insight import dashboard_counts as counts
from insight import population
from insight.access import Scope, teams_in
from insight.equity_change import imd_decile_of
from insight.models import ContactDay, ContactMonth, DashboardCount, PopulationCount
from insight.months import next_month, whole_months
from insight.sql import fetch, postgres, quote, sorting_in_memory, sql_of
from insight.suppression import SUPPRESSED, is_small, suppress
from people.models import Person
from places.models import Postcode
from referrals.models import Referral
from referrals.reasons import Reason


@dataclass(frozen=True)
class Filters:
    """The reader's scope narrowed by the filter form (team, area, period)."""

    scope: Scope
    team_id: int | None = None
    area_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    def q(self, prefix: str = "") -> Q:
        """Rows (Referral, Case, Contact, Connection or Person) in scope and filters."""
        q = Q()
        for field_name, value in (
            ("area_id", self.scope.area_id),
            ("team_id", self.scope.team_id),
            ("area_id", self.area_id),
            ("team_id", self.team_id),
        ):
            if value:
                q &= Q(**{f"{prefix}{field_name}": value})
        return q

    def period(self, field_name: str) -> Q:
        q = Q()
        if self.start:
            q &= Q(**{f"{field_name}__gte": _start_of(self.start)})
        if self.end:
            q &= Q(**{f"{field_name}__lt": _start_of(self.end + dt.timedelta(days=1))})
        return q

    def day_period(self, field_name: str) -> Q:
        q = Q()
        if self.start:
            q &= Q(**{f"{field_name}__gte": self.start})
        if self.end:
            q &= Q(**{f"{field_name}__lte": self.end})
        return q


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- SQL around the ORM's ---------------------------------------------------------------------
# A few tables aggregate twice (per case or per person first, then per group), which the ORM
# cannot say: the inner query is the ORM's own SQL (filters, scope and parameters included),
# wrapped in a statement that both PostgreSQL and SQLite run.


def by_decile(grouped_sql: str, params: list, keys: list[str], sums: list[str]) -> list[tuple]:
    """Rows of `grouped_sql` (columns `keys`, `postcode` and `sums`), summed by `keys` and
    the IMD decile of the postcode: (*keys, decile or None, *sums). The decile
    (insight.equity_change.imd_decile_of) is looked up once per distinct postcode, not once
    per person. One statement."""
    deciles = (
        Postcode.objects.filter(postcode__in=RawSQL("SELECT g.postcode FROM g", ()))
        .annotate(decile=imd_decile_of("postcode"))
        .values("postcode", "decile")
    )
    deciles_sql, deciles_params = sql_of(deciles)
    key_list = ", ".join(f"g.{k}" for k in keys)
    sum_list = ", ".join(f"SUM(g.{s})" for s in sums)
    sql = f"""
WITH g AS ({grouped_sql}), d AS ({deciles_sql})
SELECT {key_list}{", " if keys else ""}d.decile, {sum_list}
FROM g LEFT JOIN d ON d.postcode = g.postcode
GROUP BY {key_list}{", " if keys else ""}d.decile
"""  # noqa: S608 (column names are ours; the rest is the ORM's SQL; values are parameters)
    return [
        (*row[: len(keys) + 1], *(int(v or 0) for v in row[len(keys) + 1 :]))
        for row in fetch(sql, params + deciles_params)
    ]


# --- Tables -------------------------------------------------------------------------------


@dataclass
class Table:
    """One table of a dashboard: raw numbers until `suppressed()` is called. `counts` names
    the columns that are counts of people or records (suppressed under SMALL); `guarded`
    maps a statistic's column to the count column it is computed over, so a statistic over
    a small group is withheld too."""

    slug: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    counts: set[int] = field(default_factory=set)
    guarded: dict[int, int] = field(default_factory=dict)
    chart: str = "bar"  # "bar", "line" or "" (no chart)
    chart_column: int = 1
    note: str = ""

    def suppressed(self) -> Table:
        rows = []
        for row in self.rows:
            out = list(row)
            for stat, count in self.guarded.items():
                if row[count] is None or is_small(row[count]):
                    out[stat] = None
            for i in self.counts:
                out[i] = suppress(row[i] or 0)
            rows.append(out)
        return Table(
            self.slug,
            self.title,
            self.columns,
            rows,
            self.counts,
            self.guarded,
            self.chart,
            self.chart_column,
            self.note,
        )


def _labelled(rows: dict[str, int], choices) -> list[list[Any]]:
    """One row per choice, in the choices' order, zero where nothing was counted."""
    return [[label, rows.get(value, 0)] for value, label in choices]


def referrals_by_source_live(f: Filters) -> Table:
    counts = dict(
        Referral.objects.filter(f.q(), f.period("received_at"))
        .values_list("source")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return Table(
        "referrals-by-source",
        "Referrals by source",
        ["Source", "Referrals"],
        _labelled(counts, Referral.Source.choices),
        counts={1},
    )


def gives_reason(code: str, field_name: str = "reasons") -> Q:
    """Rows whose JSON list of reason codes `field_name` holds `code`. PostgreSQL tests
    list membership (jsonb `@>`, a few times cheaper per row than matching the text);
    SQLite has no JSON containment, so it matches the code with its quotes in the list's
    text, so "money" never matches another code. Codes are lower-case identifiers, so the
    two agree."""
    if postgres():
        return Q(**{f"{field_name}__contains": [code]})
    return Q(**{f"{field_name}__icontains": f'"{code}"'})


def referrals_by_reason_live(f: Filters) -> Table:
    # Reasons are a JSON list: one conditional count per coded reason, in one pass.
    counts = Referral.objects.filter(f.q(), f.period("received_at")).aggregate(
        **{r.value: Count("pk", filter=gives_reason(r.value)) for r in Reason}
    )
    return Table(
        "referrals-by-reason",
        "Referrals by reason",
        ["Reason", "Referrals"],
        _labelled(counts, Reason.choices),
        counts={1},
        note="A referral can give more than one reason.",
    )


def referrals_by_team_live(f: Filters) -> Table:
    rows = (
        Referral.objects.filter(f.q(), f.period("received_at"))
        .values_list("team__name")
        .annotate(n=Count("pk"))
        .order_by("team__name")
    )
    return Table(
        "referrals-by-team",
        "Referrals by team",
        ["Team", "Referrals"],
        [list(row) for row in rows],
        counts={1},
    )


def referrals_by_month_live(f: Filters) -> Table:
    rows = (
        Referral.objects.filter(f.q(), f.period("received_at"))
        .annotate(month=TruncMonth("received_at"))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    return Table(
        "referrals-by-month",
        "Referrals by month",
        ["Month", "Referrals"],
        [[_month(month), n] for month, n in rows],
        counts={1},
        chart="line",
    )


def _month(value) -> str:
    return value.strftime("%Y-%m") if value else ""


# Time to first contact: percentiles in SQL where the database has them (PostgreSQL's
# percentile_cont); SQLite has none, so it fetches the one column of waits, sorted, and
# interpolates the same way (`percentile_cont` below), so both give the same answers.


class EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def percentile_cont(sorted_values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    low, high = sorted_values[lower], sorted_values[upper]
    return low + (high - low) * (position - lower)


DAY_SECONDS = 86400.0


def first_contact_times(f: Filters) -> Table:
    """Median and 90th centile days from referral to first contact, overall and by team."""
    waited = Referral.objects.filter(f.q(), f.period("received_at"), first_contact_at__isnull=False)
    teams = dict(teams_in(f.scope).values_list("pk", "name"))
    groups: dict[Any, tuple[int, float | None, float | None]] = {}
    if postgres():
        # One pass: every team in view and each team (GROUPING SETS), both centiles from
        # one sort per group (percentile_cont over an array of fractions).
        waits_sql, params = sql_of(
            waited.values(
                team_key=F("team_id"), wait=EpochSeconds(F("first_contact_at") - F("received_at"))
            )
        )
        with sorting_in_memory():
            found = fetch(
                f"""SELECT GROUPING(w.team_key), w.team_key, COUNT(*),
                percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY w.wait)
            FROM ({waits_sql}) w GROUP BY GROUPING SETS ((), (w.team_key))""",  # noqa: S608
                params,
            )
        for overall, team_id, n, centiles in found:
            groups["all" if overall else team_id] = (n, *(centiles or (None, None)))
    else:
        wait = ExpressionWrapper(
            F("first_contact_at") - F("received_at"), output_field=DurationField()
        )
        by_team: dict[int, list[float]] = {}
        everyone: list[float] = []
        for team_id, delta in (
            waited.annotate(wait=wait).values_list("team_id", "wait").order_by("wait")
        ):
            seconds = delta.total_seconds()
            everyone.append(seconds)
            by_team.setdefault(team_id, []).append(seconds)
        for key, values in [("all", everyone), *by_team.items()]:
            groups[key] = (len(values), percentile_cont(values, 0.5), percentile_cont(values, 0.9))

    def days(seconds: float | None) -> float | None:
        return None if seconds is None else round(seconds / DAY_SECONDS, 1)

    rows: list[tuple[str, tuple[int, float | None, float | None]]] = [
        ("All teams in view", groups.get("all", (0, None, None)))
    ]
    for team_id, (n, p50, p90) in sorted(
        ((k, v) for k, v in groups.items() if k != "all"), key=lambda kv: teams.get(kv[0], "")
    ):
        rows.append((teams.get(team_id, "Another team"), (n, p50, p90)))
    return Table(
        "first-contact",
        "Days from referral to first contact",
        ["Team", "Referrals contacted", "Median days", "90th centile days"],
        [[label, n, days(p50), days(p90)] for label, (n, p50, p90) in rows],
        counts={1},
        guarded={2: 1, 3: 1},
        chart_column=2,
        note="Referrals received in the period that have had a first contact.",
    )


def caseload_per_worker_live(f: Filters) -> Table:
    rows = (
        Case.objects.filter(f.q(), status=Case.Status.OPEN)
        .values_list("link_worker__first_name", "link_worker__last_name", "link_worker__username")
        .annotate(n=Count("pk"))
        .order_by("-n", "link_worker__last_name", "link_worker__username")
    )
    return Table(
        "caseload",
        "Open cases per link worker",
        ["Link worker", "Open cases"],
        [[f"{first} {last}".strip() or username, n] for first, last, username, n in rows],
        counts={1},
        note="Open cases today (the period does not apply).",
    )


def contacts_per_person_live(f: Filters) -> Table:
    # Two steps, no COUNT(DISTINCT): contacts are summed per team and person (one hashed
    # pass over the contacts), then those rows are counted and summed per team.
    per_person_sql, params = sql_of(
        Contact.objects.filter(f.q("case__"), f.day_period("happened_on"))
        .values(team_name=F("case__team__name"), person_key=F("case__person_id"))
        .annotate(n=Count("pk"), spent=Sum("minutes"))
    )
    rows = fetch(
        f"""SELECT p.team_name, COUNT(*), SUM(p.n), SUM(p.spent) FROM ({per_person_sql}) p
        GROUP BY p.team_name ORDER BY p.team_name""",  # noqa: S608
        params,
    )
    return _contacts_table(rows)


def _contacts_table(rows: list[tuple]) -> Table:
    """The contacts table from (team name, people, contacts, minutes) rows."""
    out = []
    for team, *sums in rows:
        people, contacts, minutes = (int(v) for v in sums)
        out.append(
            [team, people, contacts, minutes, round(contacts / people, 1), round(minutes / people)]
        )
    return Table(
        "contacts",
        "Contacts and minutes per person",
        ["Team", "People", "Contacts", "Minutes", "Contacts per person", "Minutes per person"],
        out,
        counts={1, 2},
        guarded={3: 1, 4: 1, 5: 1},
        chart_column=4,
    )


def top_categories() -> list[tuple[str, str]]:
    """The taxonomy's top-level categories (code, name), in the file's order."""
    return [(t["code"], t["name"]) for t in definition()["terms"] if not t.get("parent_id")]


def services_in_category(code: str):
    """Ids of services tagged with a category or any term under it."""
    return Attribute.objects.filter(
        Q(taxonomy_term__code=code) | Q(taxonomy_term__code__startswith=f"{code}."),
        link_entity="service",
    ).values("link_id")


def connections_by_category(f: Filters) -> Table:
    # Connections are counted per service first (one hashed pass), then summed per
    # category over the (service, category) pairs, rather than testing every connection
    # against every category's services.
    connections = Connection.objects.filter(f.q("case__"), f.period("proposed_at"))
    categories = top_categories()
    per_service_sql, params = sql_of(
        connections.values("service_id").annotate(
            n=Count("pk"), done=Count("pk", filter=Q(status=Connection.Status.COMPLETED))
        )
    )
    pairs = [
        services_in_category(code).annotate(category=Value(code)).values("link_id", "category")
        for code, _ in categories
    ]
    counted: dict[str, tuple[int, int]] = {}
    if pairs:
        # UNION (not ALL): a service tagged twice within one category counts once in it.
        pairs_sql, pairs_params = sql_of(pairs[0].union(*pairs[1:]))
        counted = {
            code: (int(total), int(done))
            for code, total, done in fetch(
                f"""SELECT m.category, SUM(s.n), SUM(s.done)
                FROM ({per_service_sql}) s JOIN ({pairs_sql}) m ON m.link_id = s.service_id
                GROUP BY m.category""",  # noqa: S608
                params + pairs_params,
            )
        }
    rows = []
    for code, name in categories:
        total, done = counted.get(code, (0, 0))
        if total:
            rows.append([name, total, done, round(100 * done / total)])
    return Table(
        "connections-by-category",
        "Connections by category, with completion",
        ["Category", "Connections", "Completed", "Completed (%)"],
        rows,
        counts={1, 2},
        guarded={3: 2},
        note="Connections proposed in the period; a service in two categories counts in each.",
    )


def discharge_reasons_live(f: Filters) -> Table:
    counts = dict(
        Case.objects.filter(f.q(), f.period("discharged_at"), status=Case.Status.DISCHARGED)
        .values_list("discharge_reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return Table(
        "discharge-reasons",
        "Discharge reasons",
        ["Reason", "Cases"],
        _labelled(counts, Case.DischargeReason.choices),
        counts={1},
    )


AGE_BANDS = [(0, 17), (18, 24), (25, 34), (35, 49), (50, 64), (65, 79), (80, None)]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_band_conditions(today: dt.date) -> list[tuple[str, Q]]:
    """(label, condition) per age band today; the bands do not overlap."""
    bands = []
    for low, high in AGE_BANDS:
        label = f"{low}–{high}" if high is not None else f"{low} and over"
        # Aged at least `low`: born on or before today minus `low` years.
        condition = Q(birth_date__lte=_years_before(today, low))
        if high is not None:
            condition &= Q(birth_date__gt=_years_before(today, high + 1))
        bands.append((label, condition))
    return bands


def age_band_labels() -> list[str]:
    return [f"{lo}–{hi}" if hi is not None else f"{lo} and over" for lo, hi in AGE_BANDS] + [
        "Not known"
    ]


SEXES = [("female", "Female"), ("male", "Male"), ("other", "Other")]

# People referred, counted once: {(age band today, sex code, IMD decile or None): people}.
PeopleReferred = dict[tuple[str, str, int | None], int]


def people_referred(f: Filters, *, today: dt.date | None = None) -> PeopleReferred:
    """People referred in the period within the filters, by age band today, sex and the
    IMD decile of where they live, in one statement: people are counted per sex and
    postcode (a hashed grouping on two plain columns, with a conditional count per age
    band), and each distinct postcode's decile is looked up once (`by_decile`). The three
    reach tables are sums of it."""
    today = today or timezone.localdate()
    bands = _age_band_conditions(today)
    referred = Referral.objects.filter(f.q(), f.period("received_at")).values("person_id")
    grouped_sql, params = sql_of(
        Person.objects.filter(pk__in=referred)
        .values("sex", "postcode")
        .annotate(
            n=Count("pk"), **{f"b{i}": Count("pk", filter=q) for i, (_, q) in enumerate(bands)}
        )
    )
    sums = ["n", *(f"b{i}" for i in range(len(bands)))]
    people: PeopleReferred = {}
    with sorting_in_memory():
        found = by_decile(grouped_sql, params, ["sex"], sums)
    for sex, decile, everyone, *by_band in found:
        # Not known: no birth date (or one in the future), in no band.
        labels = [label for label, _ in bands]
        counts = [*zip(labels, by_band, strict=True), ("Not known", everyone - sum(by_band))]
        for label, n in counts:
            if n:
                key = (label, sex, decile)
                people[key] = people.get(key, 0) + n
    return people


def reach_by_age_and_sex(
    f: Filters,
    *,
    today: dt.date | None = None,
    compare_population: bool = True,
    people: PeopleReferred | None = None,
) -> Table:
    """People referred in the period, by age band today and by sex, against the local
    population by age band where it is loaded (insight.population). `people`: the counts
    of `people_referred`, when the caller has them already."""
    if people is None:
        people = people_referred(f, today=today)
    codes = [value for value, _ in SEXES]
    by_band: dict[str, list[int]] = {}
    for (band, sex, _), n in people.items():
        counts = by_band.setdefault(band, [0] * (1 + len(codes)))
        counts[0] += n
        if sex in codes:
            counts[1 + codes.index(sex)] += n
    rows = []
    for label in age_band_labels():
        total, *by_sex = by_band.get(label, [0] * (1 + len(codes)))
        rows.append([label, total, *by_sex, total - sum(by_sex)])
    table = Table(
        "reach",
        "People referred, by age band and sex",
        ["Age band", "People", *[label for _, label in SEXES], "Sex not known"],
        rows,
        counts=set(range(1, 3 + len(SEXES))),
        note="Ages as of today.",
    )
    if not compare_population:
        return table
    found = population.residents(f, PopulationCount.Kind.AGE_SEX)
    return population.compare(table, found, known_labels=age_band_labels()[:-1])


def reach_by_sex(f: Filters, *, people: PeopleReferred | None = None) -> Table:
    """People referred in the period by sex, against residents by sex where loaded."""
    by_age = reach_by_age_and_sex(f, compare_population=False, people=people)
    totals = [sum(row[i] for row in by_age.rows) for i in range(2, len(by_age.columns))]
    labels = [*by_age.columns[2:-1], "Not known"]
    table = Table(
        "reach-sex",
        "People referred, by sex",
        ["Sex", "People"],
        [[label, n] for label, n in zip(labels, totals, strict=True)],
        counts={1},
    )
    found = population.residents(f, PopulationCount.Kind.AGE_SEX)
    return population.compare(table, found, known_labels=list(population.SEXES.values()))


def reach_by_deprivation(f: Filters, *, people: PeopleReferred | None = None) -> Table:
    """People referred in the period by the IMD decile of where they live (as
    insight.equity counts them), against residents by decile where loaded."""
    if people is None:
        people = people_referred(f)
    counts: dict[int | None, int] = {}
    for (_, _, decile), n in people.items():
        counts[decile] = counts.get(decile, 0) + n
    table = Table(
        "reach-deprivation",
        "People referred, by deprivation of where they live",
        ["IMD decile (1 = most deprived)", "People"],
        [[str(d), counts.get(d, 0)] for d in range(1, 11)]
        + [["Not known", sum(n for d, n in counts.items() if not d)]],
        counts={1},
        note="English Index of Multiple Deprivation decile of the LSOA of the person's "
        'postcode; "Not known" where it is not loaded or outside England.',
    )
    found = population.residents(f, PopulationCount.Kind.DEPRIVATION)
    return population.compare(table, found, known_labels=[str(d) for d in range(1, 11)])


# --- From the summaries (insight.dashboard_counts) -------------------------------------------
# The same tables as the `_live` functions above (which count the records, and stay as the
# reference the tests compare with), read from counters kept as the records change.


def _months_and_edges(
    f: Filters,
) -> tuple[dt.date | None, dt.date | None, list[tuple[dt.date, dt.date]]]:
    """The period [start, end] as whole months (first <= month < stop; None: open) and the
    partial months at its ends, as inclusive day ranges."""
    s, e = f.start, f.end
    first, stop = whole_months(s, e)
    edges = []
    s_partial = s is not None and s.day != 1
    if s is not None and s_partial:
        lower_end = next_month(s) - dt.timedelta(days=1)
        edges.append((s, lower_end if e is None else min(e, lower_end)))
    if e is not None and (e + dt.timedelta(days=1)).day != 1:
        same_month = s is not None and s_partial and s.replace(day=1) == e.replace(day=1)
        if not same_month:
            edges.append((e.replace(day=1), e))
    return first, stop, edges


def _has_whole_months(first: dt.date | None, stop: dt.date | None) -> bool:
    return first is None or stop is None or first < stop


def _counted(f: Filters, kind: str):
    """The counters of `kind` over the period: month cells for its whole months, day cells
    for the partial months at its ends."""
    if f.start and f.end and f.start > f.end:
        return DashboardCount.objects.none()
    first, stop, edges = _months_and_edges(f)
    q = Q(pk__in=[])
    if _has_whole_months(first, stop):
        whole = Q(kind=kind + counts.MONTHLY)
        if first is not None:
            whole &= Q(day__gte=first)
        if stop is not None:
            whole &= Q(day__lt=stop)
        q = whole
    for low, high in edges:
        q |= Q(kind=kind, day__gte=low, day__lte=high)
    return DashboardCount.objects.filter(f.q()).filter(q)


def _sums(f: Filters, kind: str) -> dict[str, int]:
    rows = _counted(f, kind).values_list("key").annotate(n=Sum("n")).order_by()
    return {key: int(n) for key, n in rows}


def referrals_by_source(f: Filters) -> Table:
    return Table(
        "referrals-by-source",
        "Referrals by source",
        ["Source", "Referrals"],
        _labelled(_sums(f, counts.SOURCE), Referral.Source.choices),
        counts={1},
    )


def referrals_by_reason(f: Filters) -> Table:
    return Table(
        "referrals-by-reason",
        "Referrals by reason",
        ["Reason", "Referrals"],
        _labelled(_sums(f, counts.REASON), Reason.choices),
        counts={1},
        note="A referral can give more than one reason.",
    )


def referrals_by_team(f: Filters) -> Table:
    rows = (
        _counted(f, counts.SOURCE)
        .values_list("team__name")
        .annotate(n=Sum("n"))
        .filter(n__gt=0)
        .order_by("team__name")
    )
    return Table(
        "referrals-by-team",
        "Referrals by team",
        ["Team", "Referrals"],
        [[name, int(n)] for name, n in rows],
        counts={1},
    )


def referrals_by_month(f: Filters) -> Table:
    rows = (
        _counted(f, counts.SOURCE)
        .annotate(month=TruncMonth("day"))
        .values_list("month")
        .annotate(n=Sum("n"))
        .filter(n__gt=0)
        .order_by("month")
    )
    return Table(
        "referrals-by-month",
        "Referrals by month",
        ["Month", "Referrals"],
        [[_month(month), int(n)] for month, n in rows],
        counts={1},
        chart="line",
    )


def discharge_reasons(f: Filters) -> Table:
    return Table(
        "discharge-reasons",
        "Discharge reasons",
        ["Reason", "Cases"],
        _labelled(_sums(f, counts.DISCHARGE), Case.DischargeReason.choices),
        counts={1},
    )


def caseload_per_worker(f: Filters) -> Table:
    open_sql, params = sql_of(
        DashboardCount.objects.filter(f.q(), kind=counts.OPEN).values("key").annotate(n=Sum("n"))
    )
    rows = fetch(
        f"""SELECT u.first_name, u.last_name, u.username, SUM(c.n) AS n
        FROM ({open_sql}) c JOIN {quote(User)} u ON c.key = CAST(u.id AS varchar(40))
        GROUP BY u.first_name, u.last_name, u.username HAVING SUM(c.n) > 0
        ORDER BY n DESC, u.last_name, u.username""",  # noqa: S608 (the ORM's SQL, our names)
        params,
    )
    return Table(
        "caseload",
        "Open cases per link worker",
        ["Link worker", "Open cases"],
        [[f"{first} {last}".strip() or username, int(n)] for first, last, username, n in rows],
        counts={1},
        note="Open cases today (the period does not apply).",
    )


def _contact_parts(f: Filters) -> list[QuerySet]:
    """Querysets of (area_id, team_id, people, contacts, minutes) whose sums per team are
    the contacts table over the period [s, e]. A person is counted on their first contact
    day inside the period: a ContactDay whose previous day is before s (or none).

    Whole months inside the period come from ContactMonth (people: the rows whose previous
    day's month is before s's month); the partial months at either end from ContactDay;
    and, when s is not the 1st, the days in whole months whose previous day falls in s's
    month before s (ContactDay, by its index on the previous day)."""
    s = f.start
    first, stop, edges = _months_and_edges(f)
    if s is None:
        before_s = Q(previous__isnull=True)
        months_before = Q(previous_month=counts.NO_PREVIOUS)
    else:
        before_s = Q(previous__isnull=True) | Q(previous__lt=s)
        months_before = Q(previous_month__lt=s.replace(day=1))
    whole = ContactMonth.objects.filter(f.q())
    if first is not None:
        whole = whole.filter(month__gte=first)
    if stop is not None:
        whole = whole.filter(month__lt=stop)
    parts = []
    if _has_whole_months(first, stop):
        parts.append(
            whole.values("area_id", "team_id").annotate(
                people=Sum("days", filter=months_before, default=0),
                n=Sum("contacts"),
                spent=Sum("minutes"),
            )
        )

    def days(q: Q) -> QuerySet:
        return ContactDay.objects.filter(f.q(), q)

    for low, high in edges:
        parts.append(
            days(Q(day__gte=low, day__lte=high))
            .values("area_id", "team_id")
            .annotate(people=Count("day", filter=before_s), n=Sum("contacts"), spent=Sum("minutes"))
        )
    if s is not None and s.day != 1 and _has_whole_months(first, stop):
        in_whole_months = Q(day__gte=first) & (Q() if stop is None else Q(day__lt=stop))
        parts.append(
            days(Q(previous__gte=s.replace(day=1), previous__lt=s) & in_whole_months)
            .values("area_id", "team_id")
            .annotate(people=Count("day"), n=Value(0), spent=Value(0))
        )
    # Counting `day` (not the id) keeps each scan within its covering index.
    return parts


def contacts_per_person(f: Filters) -> Table:
    if f.start and f.end and f.start > f.end:
        return _contacts_table([])
    parts = []
    params: list = []
    for i, part in enumerate(_contact_parts(f)):
        sql, part_params = sql_of(part)
        parts.append(
            f"SELECT p{i}.area_id, p{i}.team_id, p{i}.people, p{i}.n, p{i}.spent "  # noqa: S608
            f"FROM ({sql}) p{i}"
        )
        params += part_params
    if not parts:
        return _contacts_table([])
    # Summed per (area, team), then per team name. People are distinct per (area, team,
    # person); the live count is per (team name, person), so where one name holds more
    # than one (area, team) in the period the table is counted live instead.
    rows = fetch(
        f"""SELECT t.name, COUNT(*), SUM(y.people), SUM(y.n), SUM(y.spent) FROM (
            SELECT x.area_id, x.team_id, SUM(x.people) AS people, SUM(x.n) AS n,
                SUM(x.spent) AS spent
            FROM ({" UNION ALL ".join(parts)}) x
            GROUP BY x.area_id, x.team_id HAVING SUM(x.n) > 0
        ) y JOIN {quote(Team)} t ON t.id = y.team_id
        GROUP BY t.name ORDER BY t.name""",  # noqa: S608 (the ORM's SQL; values are parameters)
        params,
    )
    if any(pairs > 1 for _, pairs, *_ in rows):
        return contacts_per_person_live(f)
    return _contacts_table([(name, *sums) for name, _, *sums in rows])


TABLES = {
    "referrals-by-source": referrals_by_source,
    "referrals-by-reason": referrals_by_reason,
    "referrals-by-team": referrals_by_team,
    "referrals-by-month": referrals_by_month,
    "first-contact": first_contact_times,
    "caseload": caseload_per_worker,
    "contacts": contacts_per_person,
    "connections-by-category": connections_by_category,
    "discharge-reasons": discharge_reasons,
    "reach": reach_by_age_and_sex,
    "reach-sex": reach_by_sex,
    "reach-deprivation": reach_by_deprivation,
}


def dashboard(f: Filters) -> list[Table]:
    """Every table, suppressed, in page order. The three reach tables are sums of one
    count of the people referred (`people_referred`), made once for the page."""
    people = people_referred(f)
    reach: dict[str, Callable[[], Table]] = {
        "reach": lambda: reach_by_age_and_sex(f, people=people),
        "reach-sex": lambda: reach_by_sex(f, people=people),
        "reach-deprivation": lambda: reach_by_deprivation(f, people=people),
    }
    return [
        (reach[slug]() if slug in reach else build(f)).suppressed()
        for slug, build in TABLES.items()
    ]


def shown(value: Any) -> str:
    """A cell as text: suppressed counts stay "<5", withheld statistics are empty."""
    if value is None:
        return ""
    return SUPPRESSED if value == SUPPRESSED else str(value)
