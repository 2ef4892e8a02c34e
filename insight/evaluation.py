"""Honest evaluation: how people's measures changed, for whom, against people referred but
never connected, and healthcare use before and after referral.

`evaluate(referrals)` is the one computation behind the evaluation page and
`manage.py evaluate --json`, so both show the same numbers. Every count of people and every
mean passes through insight.suppression. Definitions are in docs/insight.md#evaluation and
on the page.

The database does the selecting, counting and summing (contacts per case, attendance,
healthcare use per kind); pairing a baseline with its follow-up reads each case's responses
once, ordered, because "the last response at least 28 days after the first" is clearer in
Python than in SQL that must run on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from accounts.models import Area, Team
from casework.models import Case, Connection
from directory.models import Attribute, TaxonomyTerm
from insight import stats
from insight.access import Scope, can_view_dashboards, scope_for, teams_in
from insight.suppression import SMALL, is_small, suppress, suppressed_group
from outcomes.models import HealthcareUse, Response
from people.models import Person
from referrals.models import Referral
from referrals.reasons import reason_label

FOLLOW_UP_DAYS = 28
HEALTHCARE_WINDOW_DAYS = 182  # six months before and after the referral

AGE_BANDS: list[tuple[int, int | None, str]] = [
    (0, 17, "0-17"),
    (18, 24, "18-24"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 54, "45-54"),
    (55, 64, "55-64"),
    (65, 74, "65-74"),
    (75, None, "75+"),
]
CONTACT_BANDS: list[tuple[int, int | None, str]] = [
    (0, 2, "0-2"),
    (3, 5, "3-5"),
    (6, 9, "6-9"),
    (10, None, "10+"),
]
NOT_KNOWN = "Not known"
SUBGROUPS = ("age_band", "sex", "reason", "category", "contacts")


@dataclass(frozen=True)
class Measure:
    """One compared score: an instrument's total, metric score or one item."""

    instrument: str
    score: str
    title: str  # "wellbeing (SWEMWBS)", for sentences
    higher_is_better: bool

    def value(self, stored: Any) -> float | None:
        """This measure's number from a Response.score as outcomes.scoring stored it."""
        if isinstance(stored, dict):
            stored = stored.get(self.score)
        if isinstance(stored, bool) or not isinstance(stored, int | float):
            return None
        return float(stored)


MEASURES: list[Measure] = [
    Measure("swemwbs", "metric", "wellbeing (SWEMWBS)", True),
    Measure("ons4", "life_satisfaction", "life satisfaction (ONS4)", True),
    Measure("ons4", "worthwhile", "sense that life is worthwhile (ONS4)", True),
    Measure("ons4", "happiness", "happiness (ONS4)", True),
    Measure("ons4", "anxiety", "anxiety (ONS4)", False),
    Measure("ucla3", "total", "loneliness (UCLA-3)", False),
]


# --- Who may see it, and over which referrals ----------------------------------------------


def can_view_evaluation(user) -> bool:
    """Supervisors (their team), commissioners and administrators: the readers of the
    insight dashboards, who see aggregates only."""
    return can_view_dashboards(user)


def _scope(user) -> Scope | None:
    try:
        return scope_for(user)
    except PermissionDenied:
        return None


def evaluation_referrals_for(user) -> QuerySet[Referral]:
    """The referrals `user` may see evaluated, by insight.access's one scope rule: a
    supervisor's team's; a commissioner's area (every area for a commissioner without
    one); every referral for an administrator; none for anyone else."""
    scope = _scope(user)
    qs = Referral.objects.all()
    if scope is None:
        return qs.none()
    if scope.team_id:
        return qs.filter(area_id=scope.area_id, team_id=scope.team_id)
    if scope.area_id:
        return qs.filter(area_id=scope.area_id)
    return qs


def teams_for(user) -> QuerySet[Team]:
    """Teams `user` may filter by (those that receive referrals, in their scope)."""
    scope = _scope(user)
    return Team.objects.none() if scope is None else teams_in(scope)


def areas_for(user) -> QuerySet[Area]:
    return Area.objects.filter(pk__in=teams_for(user).values("area_id")).order_by("name")


def filtered(
    referrals: QuerySet[Referral],
    *,
    team: Team | None = None,
    area: Area | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Referral]:
    """Narrow `referrals` to a team, an area and referral dates (inclusive)."""
    if team is not None:
        referrals = referrals.filter(area_id=team.area_id, team=team)
    if area is not None:
        referrals = referrals.filter(area=area)
    if date_from is not None:
        referrals = referrals.filter(received_at__date__gte=date_from)
    if date_to is not None:
        referrals = referrals.filter(received_at__date__lte=date_to)
    return referrals


# --- Pure helpers ---------------------------------------------------------------------------


def band(value: int | None, bands: list[tuple[int, int | None, str]]) -> str:
    if value is None:
        return NOT_KNOWN
    for low, high, label in bands:
        if value >= low and (high is None or value <= high):
            return label
    return NOT_KNOWN


def age_on(birth_date: dt.date | None, day: dt.date) -> int | None:
    if birth_date is None:
        return None
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def pair_change(
    responses: Iterable[tuple[dt.datetime, float]], *, min_days: int = FOLLOW_UP_DAYS
) -> tuple[float, float] | None | bool:
    """(baseline, follow-up) from one referral's (completed_at, value) rows in time order:
    the first is the baseline, the follow-up the last at least `min_days` after it. None
    when there is no baseline; False when the baseline was lost to follow-up."""
    rows = list(responses)
    if not rows:
        return None
    baseline_at, baseline = rows[0]
    later = [value for at, value in rows if at - baseline_at >= dt.timedelta(days=min_days)]
    if not later:
        return False
    return baseline, later[-1]


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def _change(values: list[float]) -> dict[str, Any]:
    result = stats.mean_change(values)
    return {
        "mean": _r(result.mean),
        "ci95": [_r(result.ci95[0]), _r(result.ci95[1])],
        "effect_size": _r(result.effect_size),
    }


def _group(label: str, values: list[float]) -> dict[str, Any]:
    if is_small(len(values)):
        return suppressed_group(label, len(values), None)
    change = _change(values)
    return suppressed_group(label, len(values), {"mean": change["mean"], "ci95": change["ci95"]})


def _comparison(treated: list[float], comparison: list[float]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "method": "difference_in_differences",
        "treated_pairs": suppress(len(treated)),
        "comparison_pairs": suppress(len(comparison)),
        "treated_mean": None,
        "comparison_mean": None,
        "estimate": None,
        "ci95": None,
    }
    if is_small(len(treated)) or is_small(len(comparison)):
        return out
    diff = stats.welch_difference(treated, comparison)
    out.update(
        treated_mean=_r(sum(treated) / len(treated)),
        comparison_mean=_r(sum(comparison) / len(comparison)),
        estimate=_r(diff.estimate),
        ci95=[_r(diff.ci95[0]), _r(diff.ci95[1])],
    )
    return out


def _adjusted(rows: list[tuple[float, Any, float]]) -> dict[str, Any] | None:
    """The treated − comparison difference adjusted for age, sex and baseline score: the
    coefficient of "attended" in a least-squares regression of the change on attended, age
    (years), sex and baseline. Pairs whose age is not known are left out. None when either
    arm has fewer than SMALL pairs or the regression cannot be fitted."""
    known = [(change, fact, base) for change, fact, base in rows if fact.age is not None]
    arms = [sum(1 for _, fact, _ in known if fact.treated is arm) for arm in (True, False)]
    if any(is_small(n) for n in arms):
        return None
    sexes = sorted({fact.sex for _, fact, _ in known})[1:]  # the first is the reference
    x = [
        [1.0, float(fact.treated), float(fact.age), base] + [float(fact.sex == s) for s in sexes]
        for _, fact, base in known
    ]
    try:
        fit = stats.ols_coefficient([change for change, _, _ in known], x, column=1)
    except ValueError:
        return None
    return {
        "method": "regression on attended, age, sex and baseline score",
        "pairs": fit.n,
        "estimate": _r(fit.estimate),
        "ci95": [_r(fit.ci95[0]), _r(fit.ci95[1])],
    }


# --- Reading the records --------------------------------------------------------------------


@dataclass
class _Referral:
    received_on: dt.date
    age: int | None
    age_band: str
    sex: str
    reasons: list[str]
    contacts: str
    treated: bool
    categories: set[str]


_SEX_LABELS = dict(Person._meta.get_field("sex").choices)


def _referral_facts(referrals: QuerySet[Referral]) -> dict[Any, _Referral]:
    """Per case (keyed by case id): what the subgroups and the comparison need. 4 queries."""
    attended = Connection.objects.filter(case=OuterRef("pk"), first_attended_on__isnull=False)
    rows = (
        Case.objects.filter(referral__in=referrals)
        .annotate(n_contacts=Count("contacts"), treated=Exists(attended))
        .values_list(
            "pk",
            "referral__received_at",
            "referral__reasons",
            "person__birth_date",
            "person__sex",
            "n_contacts",
            "treated",
        )
    )
    facts: dict[Any, _Referral] = {}
    for pk, received_at, reasons, birth_date, sex, n_contacts, treated in rows:
        received_on = timezone.localdate(received_at)
        age = age_on(birth_date, received_on)
        facts[pk] = _Referral(
            received_on=received_on,
            age=age,
            age_band=band(age, AGE_BANDS),
            sex=str(_SEX_LABELS.get(sex, NOT_KNOWN)) if sex and sex != "unknown" else NOT_KNOWN,
            reasons=[reason_label(code) for code in reasons or []],
            contacts=band(n_contacts, CONTACT_BANDS),
            treated=bool(treated),
            categories=set(),
        )
    attended_services = Connection.objects.filter(
        case__referral__in=referrals, first_attended_on__isnull=False
    ).values_list("case_id", "service_id")
    by_service: dict[Any, set[Any]] = defaultdict(set)
    for case_id, service_id in attended_services:
        by_service[service_id].add(case_id)
    if by_service:
        terms = {pk: (parent, name) for pk, parent, name in _all_terms()}
        links = Attribute.objects.filter(
            link_entity="service", link_id__in=list(by_service)
        ).values_list("link_id", "taxonomy_term_id")
        for service_id, term_id in links:
            category = _top_level(term_id, terms)
            for case_id in by_service[service_id]:
                if case_id in facts and category:
                    facts[case_id].categories.add(category)
    return facts


def _all_terms():
    return TaxonomyTerm.objects.values_list("pk", "parent_id", "name")


def _top_level(term_id, terms: dict) -> str | None:
    """The name of the term's top-level ancestor (its own name when it has no parent); a
    parent that is not stored (HSDS allows it) ends the climb."""
    seen = set()
    while term_id in terms and term_id not in seen:
        seen.add(term_id)
        parent, name = terms[term_id]
        if parent is None or parent not in terms:
            return name
        term_id = parent
    return None


def _responses(referrals: QuerySet[Referral]) -> dict[tuple[Any, str], list]:
    """(case id, instrument) -> [(completed_at, score)] in time order. 1 query."""
    instruments = sorted({m.instrument for m in MEASURES})
    rows = (
        Response.objects.filter(case__referral__in=referrals, instrument__in=instruments)
        .order_by("case_id", "completed_at")
        .values_list("case_id", "instrument", "completed_at", "score")
    )
    out: dict[tuple[Any, str], list] = defaultdict(list)
    for case_id, instrument, completed_at, score in rows:
        out[(case_id, instrument)].append((completed_at, score))
    return out


# --- The evaluation -------------------------------------------------------------------------


def _measure_result(measure: Measure, responses: dict, facts: dict) -> dict[str, Any] | None:
    changes: list[float] = []
    baselines = lost = 0
    groups: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in SUBGROUPS}
    treated: list[float] = []
    comparison: list[float] = []
    rows_for_adjusting: list[tuple[float, _Referral, float]] = []
    for (case_id, instrument), rows in responses.items():
        if instrument != measure.instrument or case_id not in facts:
            continue
        values = [(at, v) for at, score in rows if (v := measure.value(score)) is not None]
        pair = pair_change(values)
        if pair is None:
            continue
        baselines += 1
        if pair is False:
            lost += 1
            continue
        change = pair[1] - pair[0]
        changes.append(change)
        fact = facts[case_id]
        groups["age_band"][fact.age_band].append(change)
        groups["sex"][fact.sex].append(change)
        for reason in fact.reasons:
            groups["reason"][reason].append(change)
        for category in fact.categories:
            groups["category"][category].append(change)
        groups["contacts"][fact.contacts].append(change)
        (treated if fact.treated else comparison).append(change)
        rows_for_adjusting.append((change, fact, pair[0]))
    if not baselines:
        return None
    order = {
        "age_band": [label for _, _, label in AGE_BANDS] + [NOT_KNOWN],
        "contacts": [label for _, _, label in CONTACT_BANDS],
    }
    subgroups = {}
    for name, by_label in groups.items():
        labels = order.get(name) or sorted(by_label, key=lambda s: (s == NOT_KNOWN, s))
        subgroups[name] = [_group(label, by_label[label]) for label in labels if by_label[label]]
    small = is_small(len(changes))
    return {
        "instrument": measure.instrument,
        "score": measure.score,
        "title": measure.title,
        "higher_is_better": measure.higher_is_better,
        "pairs": suppress(len(changes)),
        "lost_to_follow_up": suppress(lost),
        "change": None if small else _change(changes),
        "subgroups": subgroups,
        "comparison": {
            **_comparison(treated, comparison),
            "adjusted": _adjusted(rows_for_adjusting),
        },
    }


def _unit_costs() -> dict[str, Decimal]:
    from insight.models import UnitCost

    return dict(UnitCost.objects.values_list("kind", "cost"))


def healthcare_use(referrals: QuerySet[Referral], *, today: dt.date) -> dict[str, Any]:
    """Healthcare use in the six months before and after each referral that has a case and
    whose six months after have passed, for people with any healthcare use recorded (no
    record at all is not known to be none). Per person: after − before, per kind and in
    total, with 95% intervals, and the cost change from the unit costs. 3 queries."""
    window = dt.timedelta(days=HEALTHCARE_WINDOW_DAYS)
    latest = timezone.make_aware(dt.datetime.combine(today - window, dt.time.max))
    with_use = HealthcareUse.objects.filter(person_id=OuterRef("person_id"))
    eligible = list(
        referrals.filter(case__isnull=False, received_at__lte=latest)
        .filter(Exists(with_use))
        .values_list("pk", "person_id", "received_at")
    )
    kinds = [kind for kind, _ in HealthcareUse.Kind.choices]
    per_referral: dict[Any, dict[str, list[int]]] = {
        pk: {kind: [0, 0] for kind in kinds} for pk, _, _ in eligible
    }
    by_person: dict[Any, list[tuple[Any, dt.date]]] = defaultdict(list)
    for pk, person_id, received_at in eligible:
        by_person[person_id].append((pk, timezone.localdate(received_at)))
    if by_person:
        earliest = min(day for rows in by_person.values() for _, day in rows) - window
        use = (
            HealthcareUse.objects.filter(person_id__in=list(by_person), occurred_on__gte=earliest)
            .values("person_id", "kind", "occurred_on")
            .annotate(n=Sum("count"))
        )
        for row in use:
            for pk, referred in by_person[row["person_id"]]:
                if referred - window <= row["occurred_on"] < referred:
                    per_referral[pk][row["kind"]][0] += row["n"]
                elif referred <= row["occurred_on"] < referred + window:
                    per_referral[pk][row["kind"]][1] += row["n"]
    people = len(per_referral)
    costs = _unit_costs()
    out: dict[str, Any] = {
        "people": suppress(people),
        "window_days": HEALTHCARE_WINDOW_DAYS,
        "change_per_person": None,
        "by_kind": [],
        "cost_change_per_person": None,
        "unit_costs": {kind: str(cost) for kind, cost in costs.items()},
        "kinds_without_unit_cost": [k for k in kinds if k not in costs],
    }
    if is_small(people):
        return out
    rows = list(per_referral.values())
    out["change_per_person"] = _interval([sum(r[k][1] - r[k][0] for k in kinds) for r in rows])
    for kind, label in HealthcareUse.Kind.choices:
        out["by_kind"].append(
            {
                "kind": kind,
                "label": str(label),
                "mean_before": _r(sum(r[kind][0] for r in rows) / people),
                "mean_after": _r(sum(r[kind][1] for r in rows) / people),
                "change": _interval([r[kind][1] - r[kind][0] for r in rows]),
            }
        )
    if costs:
        out["cost_change_per_person"] = _interval(
            [sum(float(costs[k]) * (r[k][1] - r[k][0]) for k in kinds if k in costs) for r in rows]
        )
    return out


def _interval(values: list[float]) -> dict[str, Any]:
    change = _change(values)
    return {"mean": change["mean"], "ci95": change["ci95"]}


def evaluate(referrals: QuerySet[Referral], *, today: dt.date | None = None) -> dict[str, Any]:
    """The evaluation of `referrals` (already scoped and filtered): one object per measure
    with data, and healthcare use. Suppressed throughout. 8 queries."""
    today = today or timezone.localdate()
    facts = _referral_facts(referrals)
    responses = _responses(referrals)
    measures = [
        result for m in MEASURES if (result := _measure_result(m, responses, facts)) is not None
    ]
    return {
        "follow_up_days": FOLLOW_UP_DAYS,
        "small_numbers": f"a group of fewer than {SMALL} shows <{SMALL} and no change",
        "measures": measures,
        "healthcare_use": healthcare_use(referrals, today=today),
    }
