"""What the evaluation compares, and the rule that pairs a baseline with its follow-up:
the measures, the extra equity subgroups, and the pairing in plain Python (the rule
insight.facts writes in SQL and insight.evaluation_reference checks it against).

Definitions (docs/insight.md#evaluation, and on the evaluation page): a referral's first
response to an instrument is its baseline; its follow-up is the last response completed
at least FOLLOW_UP_DAYS after the baseline; a baseline without one is lost to follow-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F

from insight.equity_change import ORDER as EQUITY_ORDER
from insight.equity_change import imd_decile_of, quintile_label
from people.rules import ethnic_group, long_term_conditions_band

FOLLOW_UP_DAYS = 28
# Scores are kept in fixed point, in units of 1/SCALE (every instrument's scores have at
# most two decimals), so sums and sums of squares are exact integers on both databases.
SCALE = 10_000


@dataclass(frozen=True)
class Measure:
    """One compared score: an instrument's total, metric score or one item."""

    instrument: str
    score: str
    title: str  # "wellbeing (SWEMWBS)", for sentences
    higher_is_better: bool

    @property
    def key(self) -> str:
        """How insight.facts stores the measure: "ons4:anxiety"."""
        return f"{self.instrument}:{self.score}"

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
INSTRUMENTS = sorted({m.instrument for m in MEASURES})

# The evaluation's age bands (age on the day of referral) and dose bands (contacts in the
# case): (lowest, highest or None, label).
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
OUT_OF_BAND = -1  # an age is known but in no band (a birth date after the referral)


def band_index(value: int | None, bands: list[tuple[int, int | None, str]]) -> int | None:
    """The index of the band `value` falls in; None when it is not known, OUT_OF_BAND when
    it is known but in no band. insight.pair_rollup says the same rule in SQL."""
    if value is None:
        return None
    for i, (low, high, _) in enumerate(bands):
        if value >= low and (high is None or value <= high):
            return i
    return OUT_OF_BAND


def band_label(index: int | None, bands: list[tuple[int, int | None, str]]) -> str:
    return NOT_KNOWN if index is None or index == OUT_OF_BAND else bands[index][2]


def band(value: int | None, bands: list[tuple[int, int | None, str]]) -> str:
    return band_label(band_index(value, bands), bands)


@dataclass(frozen=True)
class Dimension:
    """A subgroup with one group per case: `key()` is a Django expression over a Case row
    (insight.facts stores its value in the PairFact column of the dimension's name),
    `label` maps a value to a group label (several values may share one), `order` lists
    the labels as shown (None: by name, "Not known" last)."""

    key: Callable[[], Any]
    label: Callable[[Any], str]
    order: list[str] | None = None


# Age band, sex, reason, category and contacts are built in (they feed the comparison, a
# case has several, or they are counted); every other subgroup is a Dimension. Equity:
# insight.equity_change.
DIMENSIONS: dict[str, Dimension] = {
    "ethnicity": Dimension(
        lambda: F("person__ethnic_category"), ethnic_group, EQUITY_ORDER["ethnicity"]
    ),
    "deprivation": Dimension(
        lambda: imd_decile_of("person__postcode"), quintile_label, EQUITY_ORDER["deprivation"]
    ),
    "long_term_conditions": Dimension(
        lambda: F("person__long_term_conditions"),
        long_term_conditions_band,
        EQUITY_ORDER["long_term_conditions"],
    ),
}


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
