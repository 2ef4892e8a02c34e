"""The randomised estimate: from trial mode's waiting-list allocations (trials app), how
much more people allocated to start now changed than people allocated to wait, per measure.

Definitions (docs/insight.md#the-randomised-estimate, and on the evaluation page):

- Who: referrals in the evaluated set whose person agreed to take part and was allocated.
  Everyone is analysed in the arm they were allocated to (intention to treat), whatever
  happened next. People who did not agree are not in it.
- Baseline: the referral's first response to the instrument, if completed no later than
  BASELINE_GRACE_DAYS after the allocation (it is taken at allocation).
- Follow-up: of the responses completed at least evaluation.FOLLOW_UP_DAYS after the
  baseline and no later than the end of the wait + WINDOW_AFTER_WAIT_DAYS, the one nearest
  the end of the wait (the later of two as near). The end of the wait is the day the "wait"
  arm's contact starts (received + the trial's delay), the same day for either arm, so both
  arms are compared over the same stretch: the "now" arm supported, the "wait" arm not yet.
- Estimate: mean change (follow-up − baseline) of the "now" arm minus that of the "wait"
  arm, with Welch's 95% interval. Shown only when each arm has at least SMALL pairs.

Reads two queries (one when no trial has allocated anyone in the set).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, Literal

from django.db.models import Count, QuerySet
from django.utils import timezone

from insight import stats
from insight.suppression import is_small, suppress
from outcomes.models import Response
from referrals.models import Referral
from trials.models import Arm, Participant

BASELINE_GRACE_DAYS = 14
WINDOW_AFTER_WAIT_DAYS = 14
METHOD = "randomised_waiting_list"


def _r(x: float) -> float:
    return round(x, 2)


def trial_pair(
    responses: list[tuple[dt.datetime, float]],
    *,
    allocated_at: dt.datetime,
    wait_ends_on: dt.date,
    min_days: int,
) -> tuple[float, float] | None | Literal[False]:
    """(baseline, follow-up) for one allocated referral's (completed_at, value) rows in time
    order. None when there is no baseline by allocation + the grace days; False when there
    is a baseline but no follow-up in the window."""
    if not responses:
        return None
    baseline_at, baseline = responses[0]
    if baseline_at - allocated_at > dt.timedelta(days=BASELINE_GRACE_DAYS):
        return None
    last_day = wait_ends_on + dt.timedelta(days=WINDOW_AFTER_WAIT_DAYS)
    window = [
        (at, value)
        for at, value in responses[1:]
        if at - baseline_at >= dt.timedelta(days=min_days) and timezone.localdate(at) <= last_day
    ]
    if not window:
        return False
    _, follow_up = min(
        window,
        key=lambda row: (
            abs((timezone.localdate(row[0]) - wait_ends_on).days),
            -row[0].timestamp(),
        ),
    )
    return baseline, follow_up


def estimate(now: list[float], wait: list[float]) -> dict[str, Any]:
    """The arms' pair counts and means, and now − wait with Welch's interval (suppressed)."""
    out: dict[str, Any] = {
        "method": METHOD,
        "now_pairs": suppress(len(now)),
        "wait_pairs": suppress(len(wait)),
        "now_mean": None,
        "wait_mean": None,
        "estimate": None,
        "ci95": None,
    }
    if is_small(len(now)) or is_small(len(wait)):
        return out
    diff = stats.welch_difference(now, wait)
    out.update(
        now_mean=_r(sum(now) / len(now)),
        wait_mean=_r(sum(wait) / len(wait)),
        estimate=_r(diff.estimate),
        ci95=[_r(diff.ci95[0]), _r(diff.ci95[1])],
    )
    return out


def _n(x: float) -> str:
    return f"{x:.1f}".replace("-", "−")


def sentence(measure: dict[str, Any], result: dict[str, Any]) -> str | None:
    """The randomised estimate in plain words (None when suppressed)."""
    if result["estimate"] is None:
        return None
    est, (low, high) = result["estimate"], result["ci95"]
    better = "higher is better" if measure["higher_is_better"] else "lower is better"
    if est == 0:
        size = "changed by the same amount as"
    else:
        size = f"changed by {_n(abs(est))} points {'more' if est > 0 else 'less'} than"
    text = (
        f"In the randomised waiting-list comparison, the {measure['title']} of people "
        f"allocated by chance to start now {size} that of people allocated to wait "
        f"(95% CI {_n(low)} to {_n(high)}; {better})"
    )
    if low <= 0 <= high:
        text += ", which could be no difference at all"
    return (
        text + ". Because chance alone decided who waited, this difference is the effect of "
        "starting support sooner, over the wait, for people who agreed to take part."
    )


def attach(
    measures: list[dict[str, Any]], referrals: QuerySet[Referral], *, measure_defs, min_days: int
) -> dict[str, Any] | None:
    """Add a "randomised" entry to each measure result (None when no one in `referrals`
    was allocated) and return the trial-wide counts for the evaluation's top level."""
    decided = dict(
        Participant.objects.filter(referral__in=referrals)
        .values_list("consent")
        .annotate(n=Count("pk"))
        .values_list("consent", "n")
    )
    given = decided.get(Participant.Consent.GIVEN, 0)
    for result in measures:
        result["randomised"] = None
    if not decided:
        return None
    summary = {
        "method": METHOD,
        "consented": suppress(given),
        "declined": suppress(decided.get(Participant.Consent.DECLINED, 0)),
        "baseline_grace_days": BASELINE_GRACE_DAYS,
        "window_after_wait_days": WINDOW_AFTER_WAIT_DAYS,
    }
    if not given:
        return summary
    allocated = Participant.objects.filter(referral__in=referrals, consent="given")
    rows = (
        Response.objects.filter(
            case__referral__trial_participant__in=allocated,
            instrument__in={m.instrument for m in measure_defs},
        )
        .order_by("case_id", "completed_at")
        .values_list(
            "case_id",
            "instrument",
            "completed_at",
            "score",
            "case__referral__trial_participant__arm",
            "case__referral__trial_participant__recorded_at",
            "case__referral__trial_participant__wait_ends_on",
        )
    )
    by_case: dict[tuple[Any, str], list] = defaultdict(list)
    allocation: dict[Any, tuple[str, dt.datetime, dt.date]] = {}
    for case_id, instrument, at, score, arm, allocated_at, wait_ends_on in rows:
        if wait_ends_on is None:  # only a declined participant has none; never allocated
            continue
        by_case[(case_id, instrument)].append((at, score))
        allocation[case_id] = (arm, allocated_at, wait_ends_on)
    defs = {(m.instrument, m.score): m for m in measure_defs}
    for result in measures:
        measure = defs.get((result["instrument"], result["score"]))
        if measure is None:
            continue
        arms: dict[str, list[float]] = {Arm.NOW.value: [], Arm.WAIT.value: []}
        no_follow_up: dict[str, int] = {Arm.NOW.value: 0, Arm.WAIT.value: 0}
        for (case_id, instrument), scored in by_case.items():
            if instrument != measure.instrument:
                continue
            arm, allocated_at, wait_ends_on = allocation[case_id]
            values = [(at, v) for at, s in scored if (v := measure.value(s)) is not None]
            pair = trial_pair(
                values, allocated_at=allocated_at, wait_ends_on=wait_ends_on, min_days=min_days
            )
            if pair is False:
                no_follow_up[arm] += 1
            elif pair is not None:
                arms[arm].append(pair[1] - pair[0])
        randomised = estimate(arms["now"], arms["wait"])
        randomised["now_no_follow_up"] = suppress(no_follow_up["now"])
        randomised["wait_no_follow_up"] = suppress(no_follow_up["wait"])
        randomised["sentence"] = sentence(result, randomised)
        result["randomised"] = randomised
    return summary
