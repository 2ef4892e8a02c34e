"""Commissioner and supervisor dashboards: every number is counted by the database (GROUP
BY and conditional counts), scoped to what the reader may see, and suppressed below
``insight.suppression.SMALL`` before it reaches a page, a chart or a CSV file.

Scope: insight.access (a supervisor's team, a commissioner's area, an administrator's
everything). Nothing here names a person.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.db import connection as db_connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models import Case as Choose
from django.db.models.functions import TruncMonth
from django.utils import timezone

from casework.models import Case, Connection, Contact
from directory.models import Attribute
from directory.taxonomy import definition
from insight import population
from insight.access import Scope, teams_in
from insight.equity_change import imd_decile_of
from insight.models import PopulationCount
from insight.suppression import SUPPRESSED, is_small, suppress
from people.models import Person
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


def referrals_by_source(f: Filters) -> Table:
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


def referrals_by_reason(f: Filters) -> Table:
    # Reasons are a JSON list: one conditional count per coded reason, matching the code
    # with its quotes so "money" never matches another code (the same SQL on both databases).
    counts = Referral.objects.filter(f.q(), f.period("received_at")).aggregate(
        **{r.value: Count("pk", filter=Q(reasons__icontains=f'"{r.value}"')) for r in Reason}
    )
    return Table(
        "referrals-by-reason",
        "Referrals by reason",
        ["Reason", "Referrals"],
        _labelled(counts, Reason.choices),
        counts={1},
        note="A referral can give more than one reason.",
    )


def referrals_by_team(f: Filters) -> Table:
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


def referrals_by_month(f: Filters) -> Table:
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


class PercentileCont(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


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
    if db_connection.vendor == "postgresql":
        wait = EpochSeconds(F("first_contact_at") - F("received_at"))
        stats = {
            "n": Count("pk"),
            "p50": PercentileCont(wait, 0.5),
            "p90": PercentileCont(wait, 0.9),
        }
        overall = waited.aggregate(**stats)
        groups["all"] = (overall["n"], overall["p50"], overall["p90"])
        for row in waited.values("team_id").annotate(**stats).order_by():
            groups[row["team_id"]] = (row["n"], row["p50"], row["p90"])
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

    rows = [["All teams in view", groups.get("all", (0, None, None))]]
    for team_id, (n, p50, p90) in sorted(
        ((k, v) for k, v in groups.items() if k != "all"), key=lambda kv: teams.get(kv[0], "")
    ):
        rows.append([teams.get(team_id, "Another team"), (n, p50, p90)])
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


def caseload_per_worker(f: Filters) -> Table:
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


def contacts_per_person(f: Filters) -> Table:
    rows = (
        Contact.objects.filter(f.q("case__"), f.day_period("happened_on"))
        .values_list("case__team__name")
        .annotate(
            people=Count("case__person", distinct=True),
            contacts=Count("pk"),
            minutes=Sum("minutes"),
        )
        .order_by("case__team__name")
    )
    out = []
    for team, people, contacts, minutes in rows:
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
    connections = Connection.objects.filter(f.q("case__"), f.period("proposed_at"))
    stats = {}
    categories = top_categories()
    for code, _ in categories:
        in_category = Q(service_id__in=services_in_category(code))
        stats[f"{code}|all"] = Count("pk", filter=in_category)
        stats[f"{code}|done"] = Count(
            "pk", filter=in_category & Q(status=Connection.Status.COMPLETED)
        )
    counted = connections.aggregate(**stats)
    rows = []
    for code, name in categories:
        total, done = counted[f"{code}|all"], counted[f"{code}|done"]
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


def discharge_reasons(f: Filters) -> Table:
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


def _age_band(today: dt.date) -> Choose:
    whens = []
    for low, high in AGE_BANDS:
        label = f"{low}–{high}" if high is not None else f"{low} and over"
        # Aged at least `low`: born on or before today minus `low` years.
        condition = Q(birth_date__lte=_years_before(today, low))
        if high is not None:
            condition &= Q(birth_date__gt=_years_before(today, high + 1))
        whens.append(When(condition, then=Value(label)))
    return Choose(*whens, default=Value("Not known"))


def age_band_labels() -> list[str]:
    return [f"{lo}–{hi}" if hi is not None else f"{lo} and over" for lo, hi in AGE_BANDS] + [
        "Not known"
    ]


def reach_by_age_and_sex(
    f: Filters, *, today: dt.date | None = None, compare_population: bool = True
) -> Table:
    """People referred in the period, by age band today and by sex, against the local
    population by age band where it is loaded (insight.population)."""
    today = today or timezone.localdate()
    referred = Referral.objects.filter(f.q(), f.period("received_at")).values("person_id")
    sexes = [("female", "Female"), ("male", "Male"), ("other", "Other")]
    counts = (
        Person.objects.filter(pk__in=referred)
        .annotate(band=_age_band(today))
        .values_list("band")
        .annotate(
            all=Count("pk"),
            **{value: Count("pk", filter=Q(sex=value)) for value, _ in sexes},
        )
        .order_by()
    )
    by_band = {row[0]: row[1:] for row in counts}
    rows = []
    for label in age_band_labels():
        total, *by_sex = by_band.get(label, (0, *[0] * len(sexes)))
        rows.append([label, total, *by_sex, total - sum(by_sex)])
    table = Table(
        "reach",
        "People referred, by age band and sex",
        ["Age band", "People", *[label for _, label in sexes], "Sex not known"],
        rows,
        counts=set(range(1, 3 + len(sexes))),
        note="Ages as of today.",
    )
    if not compare_population:
        return table
    found = population.residents(f, PopulationCount.Kind.AGE_SEX)
    return population.compare(table, found, known_labels=age_band_labels()[:-1])


def reach_by_sex(f: Filters) -> Table:
    """People referred in the period by sex, against residents by sex where loaded."""
    by_age = reach_by_age_and_sex(f, compare_population=False)
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


def reach_by_deprivation(f: Filters) -> Table:
    """People referred in the period by the IMD decile of where they live (as
    insight.equity counts them), against residents by decile where loaded."""
    referred = Referral.objects.filter(f.q(), f.period("received_at")).values("person_id")
    counts = dict(
        Person.objects.filter(pk__in=referred)
        .annotate(decile=imd_decile_of("postcode"))
        .values_list("decile")
        .annotate(n=Count("pk"))
        .order_by()
    )
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
    """Every table, suppressed, in page order."""
    return [build(f).suppressed() for build in TABLES.values()]


def shown(value: Any) -> str:
    """A cell as text: suppressed counts stay "<5", withheld statistics are empty."""
    if value is None:
        return ""
    return SUPPRESSED if value == SUPPRESSED else str(value)
