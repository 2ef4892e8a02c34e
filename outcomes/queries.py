"""Reads for outcomes: a case's responses, what is due, and charts of change over time."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from outcomes import schedule
from outcomes.charts import Series, line_chart
from outcomes.instruments import all_instruments
from outcomes.models import Response
from outcomes.scoring import score_range

# For instruments scored per item (ONS4) the chart shows each item on the 0-10 scale.


@dataclass
class MeasureHistory:
    title: str
    series_title: str
    rows: list[tuple]  # (date, value)
    change: float | None
    higher_is_better: bool
    svg: str


def due_for_case(case, *, today=None) -> list[schedule.DuePoint]:
    first = case.conversations.order_by("held_on").values_list("held_on", flat=True).first()
    done = set(Response.objects.filter(case=case).values_list("timepoint", "instrument"))
    return schedule.due_points(
        baseline_on=first,
        discharged_on=case.discharged_at.date() if case.discharged_at else None,
        schedule=settings.OUTCOME_SCHEDULE,
        follow_up_weeks=settings.OUTCOME_FOLLOW_UP_WEEKS,
        done=done,
    )


def histories_for(case) -> list[MeasureHistory]:
    instruments = all_instruments()
    responses = list(Response.objects.filter(person_id=case.person_id).order_by("completed_at"))
    out = []
    for instrument_id, instrument in instruments.items():
        mine = [r for r in responses if r.instrument == instrument_id]
        if not mine:
            continue
        higher = instrument.definition.get("higher_is_better", True)
        if instrument.scoring in ("sum", "sum_convert"):
            lo, hi = score_range(instrument)
            rows = [(r.completed_at.date(), float(r.score)) for r in mine if r.score is not None]
            out.append(_history(instrument.title, instrument.title, rows, lo, hi, higher))
        elif instrument.scoring == "per_item":
            for item in instrument.items:
                rows = [
                    (r.completed_at.date(), float(r.score[item.id]))
                    for r in mine
                    if r.score and item.id in r.score
                ]
                item_higher = instrument.definition["items"][
                    instrument.item_ids.index(item.id)
                ].get("higher_is_better", True)
                out.append(
                    _history(
                        instrument.title,
                        f"{instrument.title}: {item.id.replace('_', ' ')}",
                        rows,
                        min(item.values),
                        max(item.values),
                        item_higher,
                    )
                )
    return out


def _history(title, series_title, rows, lo, hi, higher) -> MeasureHistory:
    change = round(rows[-1][1] - rows[0][1], 2) if len(rows) > 1 else None
    svg = line_chart(Series(series_title, rows, lo, hi, higher))
    return MeasureHistory(title, series_title, rows, change, higher, svg)


def latest_screen(case) -> Response | None:
    return (
        Response.objects.filter(person_id=case.person_id, instrument="hrsn")
        .order_by("-completed_at")
        .first()
    )


def measures_due_for(user, *, today=None) -> list[tuple]:
    """(case, due point, state) for measures due or overdue on the worker's open cases, in
    three queries however long the caseload."""
    from django.db.models import Min

    from casework.models import Conversation
    from casework.queries import caseload_for

    today = today or timezone.localdate()
    cases = list(caseload_for(user).select_related("person"))
    ids = [c.pk for c in cases]
    baselines = dict(
        Conversation.objects.filter(case_id__in=ids)
        .values("case_id")
        .annotate(first=Min("held_on"))
        .values_list("case_id", "first")
    )
    done: dict = {}
    for case_id, timepoint, instrument in Response.objects.filter(case_id__in=ids).values_list(
        "case_id", "timepoint", "instrument"
    ):
        done.setdefault(case_id, set()).add((timepoint, instrument))
    found = []
    for case in cases:
        points = schedule.due_points(
            baseline_on=baselines.get(case.pk),
            discharged_on=None,
            schedule=settings.OUTCOME_SCHEDULE,
            follow_up_weeks=settings.OUTCOME_FOLLOW_UP_WEEKS,
            done=done.get(case.pk, set()),
        )
        for point in points:
            state = point.state(today)
            if state in ("due", "overdue"):
                found.append((case, point, state))
    return sorted(found, key=lambda row: row[1].due_on)


def healthcare_use_around_referral(case) -> list[dict]:
    """Healthcare use in the six months (182 days) before the referral and after it, by kind:
    the comparison commissioners ask for. 'After' counts only what has been recorded so far."""
    import datetime as dt

    from django.db.models import Q, Sum

    from outcomes.models import HealthcareUse

    referred = case.referral.received_at.date()
    window = dt.timedelta(days=182)
    totals = (
        HealthcareUse.objects.filter(person_id=case.person_id)
        .values("kind")
        .annotate(
            before=Sum(
                "count", filter=Q(occurred_on__gte=referred - window, occurred_on__lt=referred)
            ),
            after=Sum(
                "count", filter=Q(occurred_on__gte=referred, occurred_on__lt=referred + window)
            ),
        )
    )
    by_kind = {row["kind"]: row for row in totals}
    return [
        {
            "label": label,
            "before": (by_kind.get(kind) or {}).get("before") or 0,
            "after": (by_kind.get(kind) or {}).get("after") or 0,
        }
        for kind, label in HealthcareUse.Kind.choices
    ]
