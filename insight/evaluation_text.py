"""The evaluation in plain words: a sentence or two for each measure and for healthcare use,
from the numbers `insight.evaluation.evaluate` returns (suppressed numbers give none)."""

from __future__ import annotations

from typing import Any


def _n(x: float) -> str:
    return f"{x:.1f}".replace("-", "−")


def _money(x: float) -> str:
    return f"−£{-x:,.0f}" if x < 0 else f"£{x:,.0f}"


def _share_words(share: float) -> str:
    """0.33 -> 'about a third'."""
    words: list[tuple[float, str]] = [
        (0.1, "about a tenth"),
        (0.2, "about a fifth"),
        (0.25, "about a quarter"),
        (1 / 3, "about a third"),
        (0.5, "about half"),
        (2 / 3, "about two thirds"),
        (0.75, "about three quarters"),
        (1.0, "all"),
    ]
    return min(words, key=lambda w: abs(w[0] - share))[1]


def sentences(result: dict[str, Any]) -> list[str]:
    """Plain-language sentences for one measure's result (empty when suppressed)."""
    change = result["change"]
    if change is None:
        return []
    mean, (low, high) = change["mean"], change["ci95"]
    direction = "rose" if mean > 0 else "fell" if mean < 0 else "did not change"
    better = "higher is better" if result["higher_is_better"] else "lower is better"
    first = (
        f"People's {result['title']} {direction} by {_n(abs(mean))} points on average "
        f"(95% CI {_n(low)} to {_n(high)}; {better})"
    )
    if low <= 0 <= high:
        first += ", which is not clearly different from no change"
    comparison = result["comparison"]
    comparison_mean = comparison["comparison_mean"]
    if comparison_mean is not None and mean != 0 and comparison_mean / mean > 0:
        # The comparison group's change as a share of everyone's: what may have happened
        # without a connection (regression to the mean, seasons, other help).
        share = min(comparison_mean / mean, 1.0)
        first += (
            f"; {_share_words(share)} of that may be change that happens anyway, judging "
            "by people referred but not connected"
        )
    out = [first + "."]
    if comparison["estimate"] is not None:
        est, (low, high) = comparison["estimate"], comparison["ci95"]
        word = "larger" if est > 0 else "smaller"
        text = (
            f"Compared with people referred but never connected, the change for people who "
            f"attended a service was {_n(abs(est))} points {word} (95% CI {_n(low)} to "
            f"{_n(high)})"
        )
        if low <= 0 <= high:
            text += ", which could be no difference at all"
        out.append(text + ".")
    return out


def healthcare_sentences(result: dict[str, Any]) -> list[str]:
    """Healthcare use before and after referral, and its cost, in words."""
    change = result["change_per_person"]
    if change is None:
        return []
    mean, (low, high) = change["mean"], change["ci95"]
    direction = "more" if mean > 0 else "fewer"
    first = (
        f"In the six months after referral, people used healthcare (GP appointments, A&E, "
        f"admissions, outpatient visits) {_n(abs(mean))} times {direction} each than in the "
        f"six months before, on average (95% CI {_n(low)} to {_n(high)})"
    )
    if low <= 0 <= high:
        first += ", which is not clearly different from no change"
    out = [first + "."]
    cost = result["cost_change_per_person"]
    if cost is not None:
        mean, (low, high) = cost["mean"], cost["ci95"]
        word = "more" if mean > 0 else "less"
        out.append(
            f"At the unit costs set here, that is about {_money(abs(mean))} {word} per person "
            f"(95% CI {_money(low)} to {_money(high)})."
        )
    return out
