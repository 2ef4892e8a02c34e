"""Experience, beside the outcome measures: how the people discharged and their referrers
answered the experience questions (outcomes.experience), per question: how many answered
(a "Don't know" is not counted), how many positively (very good or good; strongly agree or
agree) and negatively, and the share positive with its 95% Wilson interval, as NHS England
reports the Friends and Family Test. A question answered by fewer than SMALL people shows
"<5" and no share; positive and negative counts of 1 to 4 show "<5".

The answers are read (one small JSON column per questionnaire) and counted here: a person
answers once, at discharge, so there are as many rows as discharges. 2 queries.
"""

from __future__ import annotations

import math
from typing import Any

from django.db.models import QuerySet

from insight.suppression import is_small, suppress
from outcomes.experience import PERSON_INSTRUMENT, referrer_instrument
from outcomes.instruments import Instrument, get_instrument
from outcomes.models import ReferrerFeedback, Response
from referrals.models import Referral

Z95 = 1.959964


def wilson(positive: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of positive/n (n > 0), as proportions."""
    p = positive / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _pct(x: float) -> float:
    return round(100 * x, 1)


def summarise(instrument: Instrument, answers: list[dict]) -> dict[str, Any]:
    """Per question of `instrument`, over `answers` ({item id: value} each)."""
    rules = instrument.definition["experience"]
    positive, negative, ignored = (
        set(rules["positive"]),
        set(rules["negative"]),
        set(rules.get("not_counted", [])),
    )
    questions = []
    for item in instrument.items:
        values = [a.get(item.id) for a in answers]
        counted = [v for v in values if v is not None and v not in ignored]
        n = len(counted)
        pos = sum(1 for v in counted if v in positive)
        neg = sum(1 for v in counted if v in negative)
        entry: dict[str, Any] = {
            "question": item.id,
            "text": item.text,
            "answered": suppress(n),
            "positive": None,
            "negative": None,
            "positive_percent": None,
            "ci95": None,
        }
        if not is_small(n):
            low, high = wilson(pos, n)
            entry.update(
                positive=suppress(pos),
                negative=suppress(neg),
                positive_percent=_pct(pos / n),
                ci95=[_pct(low), _pct(high)],
            )
        questions.append(entry)
    return {
        "instrument": instrument.id,
        "title": instrument.title,
        "responses": suppress(len(answers)),
        "questions": questions,
    }


def experience(referrals: QuerySet[Referral]) -> dict[str, Any]:
    """The people's (their latest answers per case) and the referrers' experience."""
    latest: dict[Any, dict] = {}
    for case_id, score in (
        Response.objects.filter(case__referral__in=referrals, instrument=PERSON_INSTRUMENT)
        .order_by("case_id", "completed_at")
        .values_list("case_id", "score")
    ):
        latest[case_id] = score or {}
    referrers = list(
        ReferrerFeedback.objects.filter(referral__in=referrals).values_list("answers", flat=True)
    )
    return {
        "people": summarise(get_instrument(PERSON_INSTRUMENT), list(latest.values())),
        "referrers": summarise(referrer_instrument(), [a or {} for a in referrers]),
    }
