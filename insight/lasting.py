"""Do gains last? Change from baseline to the follow-up some months after discharge.

For each measure of insight.evaluation.MEASURES, over the referrals evaluated:

- `pairs` and `change`: each case's baseline (its first response to the instrument, not
  itself a post-discharge one) against its last response at timepoint "post_discharge"
  (outcomes.follow_up sends it, by default 3 months after discharge);
- `at_discharge` and `since_discharge`, for the pairs that also have a response at the end
  of support (the last one before the post-discharge response and at least
  FOLLOW_UP_DAYS after baseline): the change from baseline to the end of support, and from
  the end of support to months later (near 0 when gains held, negative for a measure where
  higher is better when they faded);
- `people_sent_a_link` and `people_who_answered`. Suppressed below SMALL throughout.
2 queries (the responses of the cases answered after discharge; the people sent a link).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from insight import stats
from insight.suppression import SMALL, is_small, suppress
from outcomes.models import OneTimeLink, Response, Timepoint
from referrals.models import Referral

POST = Timepoint.POST_DISCHARGE.value


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def _interval(values: list[float], *, effect_size: bool = False) -> dict[str, Any] | None:
    if is_small(len(values)):
        return None
    result = stats.mean_change(values)
    out = {"mean": _r(result.mean), "ci95": [_r(result.ci95[0]), _r(result.ci95[1])]}
    if effect_size:
        out["effect_size"] = _r(result.effect_size)
    return out


def case_changes(rows: list[tuple[dt.datetime, str, float]], *, min_days: int):
    """From one case's (completed_at, timepoint, value) in time order: (baseline → post
    change, baseline → end change or None, end → post change or None); None when the case
    has no baseline or no post-discharge response."""
    if not rows or rows[0][1] == POST:
        return None
    baseline_at, _, baseline = rows[0]
    posts = [(at, v) for at, t, v in rows if t == POST]
    if not posts:
        return None
    post_at, post = posts[-1]
    ends = [
        v
        for at, t, v in rows[1:]
        if t != POST and at < post_at and at - baseline_at >= dt.timedelta(days=min_days)
    ]
    end = ends[-1] if ends else None
    return (
        post - baseline,
        None if end is None else end - baseline,
        None if end is None else post - end,
    )


def gains_last(referrals: QuerySet[Referral], *, measures, min_days: int) -> dict[str, Any]:
    """The post-discharge follow-up of `referrals` (already scoped and filtered)."""
    instruments = sorted({m.instrument for m in measures})
    # Only the cases answered after discharge are read: a few rows each, not every response.
    followed_up = Response.objects.filter(
        area_id=OuterRef("area_id"), case_id=OuterRef("case_id"), timepoint=POST
    )
    rows = (
        Response.objects.filter(case__referral__in=referrals, instrument__in=instruments)
        .filter(Exists(followed_up))
        .order_by("case_id", "completed_at")
        .values_list("case_id", "instrument", "completed_at", "timepoint", "score")
    )
    by_case: dict[tuple[Any, str], list] = defaultdict(list)
    answered: set[Any] = set()
    for case_id, instrument, completed_at, timepoint, score in rows:
        by_case[(case_id, instrument)].append((completed_at, timepoint, score))
        if timepoint == POST:
            answered.add(case_id)
    asked = (
        OneTimeLink.objects.filter(case__referral__in=referrals, timepoint=POST)
        .values("case_id")
        .distinct()
        .count()
    )
    results = []
    for measure in measures:
        to_post: list[float] = []
        to_end: list[float] = []
        since: list[float] = []
        for (_, instrument), case_rows in by_case.items():
            if instrument != measure.instrument:
                continue
            values = [
                (at, t, v) for at, t, score in case_rows if (v := measure.value(score)) is not None
            ]
            found = case_changes(values, min_days=min_days)
            if found is None:
                continue
            to_post.append(found[0])
            if found[1] is not None:
                to_end.append(found[1])
                since.append(found[2])
        if not to_post:
            continue
        results.append(
            {
                "instrument": measure.instrument,
                "score": measure.score,
                "title": measure.title,
                "higher_is_better": measure.higher_is_better,
                "pairs": suppress(len(to_post)),
                "change": _interval(to_post, effect_size=True),
                "at_discharge": {"pairs": suppress(len(to_end)), "change": _interval(to_end)},
                "since_discharge": {"pairs": suppress(len(since)), "change": _interval(since)},
            }
        )
    return {
        "definition": (
            "baseline (first response) to the last response at timepoint post_discharge, "
            "sent some months after discharge; at_discharge and since_discharge for pairs "
            f"that also have a response at the end of support (at least {min_days} days "
            f"after baseline); groups under {SMALL} suppressed"
        ),
        "people_sent_a_link": suppress(asked),
        "people_who_answered": suppress(len(answered)),
        "measures": results,
    }


def _n(x: float) -> str:
    return f"{abs(x):.1f}"


def sentences(result: dict[str, Any]) -> list[str]:
    """Plain words for one measure's post-discharge result (none when suppressed)."""
    change = result["change"]
    if change is None:
        return []
    mean, (low, high) = change["mean"], change["ci95"]
    how = "the same as"
    if mean:
        how = f"{_n(mean)} points {'higher' if mean > 0 else 'lower'} than"
    first = (
        f"Months after discharge, people's {result['title']} was {how} at their baseline "
        f"on average (95% CI {low:.1f} to {high:.1f})."
    )
    out = [first]
    since = result["since_discharge"]["change"]
    if since is not None:
        s_mean, (s_low, s_high) = since["mean"], since["ci95"]
        if s_low <= 0 <= s_high:
            verdict = "not clearly different from the end of support: the gains held"
        else:
            better = (s_mean > 0) == result["higher_is_better"]
            verdict = (
                "better than at the end of support"
                if better
                else ("worse than at the end of support: some of the gain faded")
            )
        out.append(
            f"For the people also measured when support ended, it was {verdict} "
            f"(change since then {s_mean:.1f}, 95% CI {s_low:.1f} to {s_high:.1f})."
        )
    return out


def add_sentences(section: dict[str, Any]) -> None:
    for measure in section["measures"]:
        measure["sentences"] = sentences(measure)
