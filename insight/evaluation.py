"""Honest evaluation: how people's measures changed, for whom, against people referred but
never connected, and healthcare use before and after referral.

`evaluate(referrals)` is the one computation behind the evaluation page and
`manage.py evaluate --json`, so both show the same numbers. Every count of people and every
mean passes through insight.suppression. Definitions are in docs/insight.md#evaluation and
on the page.

All the counting happens in the database (insight.evaluation_sql): it pairs each baseline
with its follow-up using window functions, and adds the changes up by subgroup in fixed
point, so Python receives a few hundred exact sums and does only the statistics on them
(insight.stats: t intervals, Welch, the adjusting regression). The same numbers computed
by loading the rows into Python are insight.evaluation_reference, the check on it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Area, Team
from insight import evaluation_sql, experience_summary, lasting, randomised, stats
from insight.access import Scope, can_view_dashboards, scope_for, teams_in
from insight.equity_change import EQUITY_SUBGROUPS
from insight.evaluation_sql import MeasureSums, Moments
from insight.measures import (
    AGE_BANDS,
    CONTACT_BANDS,
    DIMENSIONS,
    FOLLOW_UP_DAYS,
    MEASURES,
    NOT_KNOWN,
    SCALE,
    Measure,
    band,
    band_label,
)
from insight.models import UnitCost
from insight.selection import Referrals, Selection, referrals_of
from insight.suppression import SMALL, is_small, suppress, suppressed_group
from outcomes.models import HealthcareUse
from people.models import Person
from referrals.reasons import reason_label

HEALTHCARE_WINDOW_DAYS = 182  # six months before and after the referral

SUBGROUPS = ("age_band", "sex", "reason", "category", "contacts", *EQUITY_SUBGROUPS)


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


def evaluation_selection_for(user) -> Selection:
    """The referrals `user` may see evaluated, by insight.access's one scope rule: a
    supervisor's team's; a commissioner's area (every area for a commissioner without
    one); every referral for an administrator; none for anyone else."""
    scope = _scope(user)
    if scope is None:
        return Selection(empty=True)
    return Selection(area_id=scope.area_id, team_id=scope.team_id)


def teams_for(user) -> QuerySet[Team]:
    """Teams `user` may filter by (those that receive referrals, in their scope)."""
    scope = _scope(user)
    return Team.objects.none() if scope is None else teams_in(scope)


def areas_for(user) -> QuerySet[Area]:
    return Area.objects.filter(pk__in=teams_for(user).values("area_id")).order_by("name")


def filtered(
    referrals: Referrals,
    *,
    team: Team | None = None,
    area: Area | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Any:
    """Narrow `referrals` (a Selection or a queryset; the same kind comes back) to a team,
    an area and referral dates (inclusive)."""
    if isinstance(referrals, Selection):
        if team is not None:
            referrals = referrals.narrowed(area_id=team.area_id, team_id=team.pk)
        if area is not None:
            referrals = referrals.narrowed(area_id=area.pk)
        return referrals.narrowed(date_from=date_from, date_to=date_to)
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


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def _change(sums: stats.Sums) -> dict[str, Any]:
    result = stats.mean_change_from(sums)
    return {
        "mean": _r(result.mean),
        "ci95": [_r(result.ci95[0]), _r(result.ci95[1])],
        "effect_size": _r(result.effect_size),
    }


def _group(label: str, sums: stats.Sums) -> dict[str, Any]:
    if is_small(sums.n):
        return suppressed_group(label, sums.n, None)
    change = _change(sums)
    return suppressed_group(label, sums.n, {"mean": change["mean"], "ci95": change["ci95"]})


def _comparison(treated: stats.Sums, comparison: stats.Sums) -> dict[str, Any]:
    out: dict[str, Any] = {
        "method": "difference_in_differences",
        "treated_pairs": suppress(treated.n),
        "comparison_pairs": suppress(comparison.n),
        "treated_mean": None,
        "comparison_mean": None,
        "estimate": None,
        "ci95": None,
    }
    if is_small(treated.n) or is_small(comparison.n):
        return out
    diff = stats.welch_from(treated, comparison)
    out.update(
        treated_mean=_r(float(treated.mean())),
        comparison_mean=_r(float(comparison.mean())),
        estimate=_r(diff.estimate),
        ci95=[_r(diff.ci95[0]), _r(diff.ci95[1])],
    )
    return out


def _adjusted(groups: dict[tuple[bool, str], Moments]) -> dict[str, Any] | None:
    """The treated − comparison difference adjusted for age, sex and baseline score: the
    coefficient of "attended" in a least-squares regression of the change on attended, age
    (years), sex and baseline, from the pairs' moments by (attended, sex label) over the
    pairs whose age is known. None when either arm has fewer than SMALL pairs or the
    regression cannot be fitted."""
    known = {key: m for key, m in groups.items() if m.n}
    arms = [sum(m.n for (t, _), m in known.items() if t is arm) for arm in (True, False)]
    if any(is_small(n) for n in arms):
        return None
    sexes = sorted({sex for _, sex in known})[1:]  # the first is the reference
    # Columns: 1, attended, one per sex (constant within a group), then age and baseline
    # (varying within it: their sums and products come from the moments).
    p = 4 + len(sexes)
    age, baseline = p - 2, p - 1
    xtx = [[0] * p for _ in range(p)]
    xty = [0] * p
    yty = n = 0
    for (treated, sex), m in known.items():
        c = [1, int(treated)] + [int(sex == s) for s in sexes]
        sums = {age: m.sa, baseline: m.sb}
        products = {(age, age): m.saa, (baseline, baseline): m.sbb, (age, baseline): m.sab}
        for i in range(p):
            for j in range(i, p):
                if i < age and j < age:
                    value = m.n * c[i] * c[j]
                elif i < age:
                    value = c[i] * sums[j]
                else:
                    value = products[(i, j)]
                xtx[i][j] += value
                if i != j:
                    xtx[j][i] += value
            xty[i] += c[i] * m.sy if i < age else (m.say if i == age else m.syb)
        yty += m.syy
        n += m.n
    try:
        fit = stats.ols_from_moments(xtx, xty, yty, n, column=1, scale=SCALE)
    except ValueError:
        return None
    return {
        "method": "regression on attended, age, sex and baseline score",
        "pairs": fit.n,
        "estimate": _r(fit.estimate),
        "ci95": [_r(fit.ci95[0]), _r(fit.ci95[1])],
    }


# --- Subgroups ------------------------------------------------------------------------------


# Age band, sex, reason, category and contacts are built in (they feed the comparison, a
# case has several, or they are counted); every other subgroup is an
# insight.measures.Dimension.
_SEX_LABELS = dict(Person._meta.get_field("sex").choices)


def _sex_label(code: str) -> str:
    return str(_SEX_LABELS.get(code, NOT_KNOWN)) if code and code != "unknown" else NOT_KNOWN


# --- The evaluation -------------------------------------------------------------------------


def _measure_result(i: int, measure: Measure, sums: MeasureSums) -> dict[str, Any] | None:
    """Measure `i`'s result from the sums the database added up (few: by attended, age and
    sex; by reason; by category; by each dimension's key)."""
    empty = stats.Sums(scale=SCALE)
    groups: dict[str, dict[str, stats.Sums]] = {
        name: defaultdict(lambda: empty) for name in SUBGROUPS
    }
    overall = Moments()
    arms = {True: empty, False: empty}
    adjusting: dict[tuple[bool, str], Moments] = defaultdict(Moments)
    for (j, treated, age_band, sex), moments in sums.main.items():
        if j != i:
            continue
        overall += moments
        if not moments.n:
            continue
        changes = moments.changes()
        groups["age_band"][band_label(age_band, AGE_BANDS)] += changes
        groups["sex"][_sex_label(sex)] += changes
        arms[treated] += changes
        if age_band is not None:  # the age is known
            adjusting[(treated, _sex_label(sex))] += moments
    if not overall.baselines:
        return None
    for (j, code), changes in sums.reason.items():
        if j == i:
            groups["reason"][reason_label(code)] += changes
    for (j, name), changes in sums.category.items():
        if j == i:
            groups["category"][name] += changes
    for (j, n), changes in sums.contacts.items():
        if j == i:
            groups["contacts"][band(n, CONTACT_BANDS)] += changes
    for name, by_key in sums.dims.items():
        for (j, key), changes in by_key.items():
            if j == i:
                groups[name][DIMENSIONS[name].label(key)] += changes
    order = {
        "age_band": [label for _, _, label in AGE_BANDS] + [NOT_KNOWN],
        "contacts": [label for _, _, label in CONTACT_BANDS],
        **{name: d.order for name, d in DIMENSIONS.items() if d.order},
    }
    subgroups = {}
    for name, by_label in groups.items():
        labels = order.get(name) or sorted(by_label, key=lambda s: (s == NOT_KNOWN, s))
        subgroups[name] = [
            _group(label, by_label[label]) for label in labels if by_label.get(label, empty).n
        ]
    pairs = overall.changes()
    return {
        "instrument": measure.instrument,
        "score": measure.score,
        "title": measure.title,
        "higher_is_better": measure.higher_is_better,
        "pairs": suppress(pairs.n),
        "lost_to_follow_up": suppress(overall.baselines - overall.n),
        "change": None if is_small(pairs.n) else _change(pairs),
        "subgroups": subgroups,
        "comparison": {
            **_comparison(arms[True], arms[False]),
            "adjusted": _adjusted(adjusting),
        },
    }


def measure_results(referrals: Referrals, *, source=evaluation_sql) -> list[dict]:
    """One result per measure with data. `source` adds the pairs up: insight.evaluation_sql
    (the database, one query) or insight.evaluation_reference (Python, the check)."""
    sums = source.measure_sums(referrals)
    return [
        result
        for i, m in enumerate(MEASURES)
        if (result := _measure_result(i, m, sums)) is not None
    ]


def _unit_costs() -> dict[str, Decimal]:
    return dict(UnitCost.objects.values_list("kind", "cost"))


def healthcare_use(
    referrals: Referrals, *, today: dt.date, source=evaluation_sql
) -> dict[str, Any]:
    """Healthcare use in the six months before and after each referral that has a case and
    whose six months after have passed, for people with any healthcare use recorded (no
    record at all is not known to be none). Per person: after − before, per kind and in
    total, with 95% intervals, and the cost change from the unit costs. The database adds
    up per kind and the products of the changes, which give every mean and interval. 2
    queries."""
    window = dt.timedelta(days=HEALTHCARE_WINDOW_DAYS)
    latest = timezone.make_aware(dt.datetime.combine(today - window, dt.time.max))
    sums = source.healthcare_sums(referrals, latest=latest, window_days=HEALTHCARE_WINDOW_DAYS)
    kinds = [kind for kind, _ in HealthcareUse.Kind.choices]
    people = sums.people
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

    def weighted(weights: dict[str, Any]) -> dict[str, Any]:
        """The interval of Σ weight × (after − before) per person, from the sums."""
        total = sum(w * (sums.after[k] - sums.before[k]) for k, w in weights.items())
        squares = sum(
            w * v * sums.cross[(k, m)] for k, w in weights.items() for m, v in weights.items()
        )
        return _interval(stats.Sums(people, total, squares))

    out["change_per_person"] = weighted(dict.fromkeys(kinds, 1))
    for kind, label in HealthcareUse.Kind.choices:
        out["by_kind"].append(
            {
                "kind": kind,
                "label": str(label),
                "mean_before": _r(sums.before[kind] / people),
                "mean_after": _r(sums.after[kind] / people),
                "change": weighted({kind: 1}),
            }
        )
    if costs:
        out["cost_change_per_person"] = weighted(
            {k: Fraction(costs[k]) for k in kinds if k in costs}
        )
    return out


def _interval(sums: stats.Sums) -> dict[str, Any]:
    change = _change(sums)
    return {"mean": change["mean"], "ci95": change["ci95"]}


def evaluate(referrals: Referrals, *, today: dt.date | None = None) -> dict[str, Any]:
    """The evaluation of `referrals` (already scoped and filtered): one object per measure
    with data, and healthcare use. Suppressed throughout. 3 queries here."""
    today = today or timezone.localdate()
    measures = measure_results(referrals)
    use = healthcare_use(referrals, today=today)  # a Selection reads the kept facts
    referrals = referrals_of(referrals)
    return {
        "follow_up_days": FOLLOW_UP_DAYS,
        "small_numbers": f"a group of fewer than {SMALL} shows <{SMALL} and no change",
        "measures": measures,
        "healthcare_use": use,
        # Do gains last (insight.lasting, 2 queries); experience (insight.experience_summary,
        # 2 queries).
        "post_discharge": lasting.gains_last(referrals, measures=MEASURES, min_days=FOLLOW_UP_DAYS),
        "experience": experience_summary.experience(referrals),
        # Trial mode's randomised estimate, beside each measure's comparison (+1-2 queries).
        "randomised": randomised.attach(
            measures, referrals, measure_defs=MEASURES, min_days=FOLLOW_UP_DAYS
        ),
    }
