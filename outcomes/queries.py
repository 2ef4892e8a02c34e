"""Reads for outcomes: a case's responses, what is due, and charts of change over time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Min, Q, Sum
from django.utils import timezone

from casework.models import Case, Conversation
from casework.queries import cases_for
from outcomes import follow_up, schedule
from outcomes.charts import Series, line_chart
from outcomes.instruments import all_instruments
from outcomes.models import HealthcareUse, OneTimeLink, Response, Timepoint
from outcomes.scoring import score_range
from outcomes.sms import sms_delivers

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
    points = schedule.due_points(
        baseline_on=first,
        discharged_on=case.discharged_at.date() if case.discharged_at else None,
        schedule=settings.OUTCOME_SCHEDULE,
        follow_up_weeks=settings.OUTCOME_FOLLOW_UP_WEEKS,
        done=done,
    )
    return points + follow_up.points_for_case(case, done) if points else points


def histories_for(case) -> list[MeasureHistory]:
    instruments = all_instruments()
    responses = list(Response.objects.filter(person_id=case.person_id).order_by("completed_at"))
    out = []
    for instrument_id, instrument in instruments.items():
        mine = [r for r in responses if r.instrument == instrument_id]
        if not mine or instrument.definition.get("kind") == "experience":
            continue  # experience answers are listed, not charted as a change
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


@dataclass
class DueRow:
    """The measures one person owes at one timepoint (baseline, 6 weeks...)."""

    case: Any
    timepoint: str
    due_on: dt.date
    instruments: list[str]
    urgency: str  # schedule.URGENCIES

    @property
    def timepoint_label(self) -> str:
        return Timepoint(self.timepoint).label if self.timepoint in Timepoint.values else ""


def measure_rows_for(user, *, today=None) -> list[DueRow]:
    """Every measure not yet done on the worker's open cases, and the follow-up after
    discharge of their recently discharged ones (outcomes.follow_up), one row per person and
    timepoint, earliest due first (so the most overdue lead). Three queries however long the
    caseload (four when a follow-up after discharge is pending); the rows are built in
    Python from the schedule."""
    today = today or timezone.localdate()
    both = list(
        cases_for(user)
        .filter(Q(status=Case.Status.OPEN) | follow_up.recently_discharged(today))
        .filter(link_worker=user)
        .select_related("person")
        .order_by("person__family_name", "person__given_name")
    )
    cases = [c for c in both if c.status == Case.Status.OPEN]
    ids = [c.pk for c in both]
    baselines = dict(
        Conversation.objects.filter(case_id__in=ids)
        .values("case_id")
        .annotate(first=Min("held_on"))
        .values_list("case_id", "first")
    )
    done: dict = {}
    answered = list(
        Response.objects.filter(case_id__in=ids).values_list("case_id", "timepoint", "instrument")
    )
    for case_id, timepoint, instrument in answered:
        done.setdefault(case_id, set()).add((timepoint, instrument))
    rows: list[DueRow] = [
        DueRow(
            f.case,
            follow_up.POST_DISCHARGE,
            f.due_on,
            f.instruments,
            schedule.urgency(f.due_on, today),
        )
        for f in follow_up.outstanding(
            [c for c in both if c.status != Case.Status.OPEN],
            responses=[(case_id, i, t) for case_id, t, i in answered],
        )
        if schedule.still_sendable(f.due_on, today)
    ]
    for case in cases:
        points = schedule.due_points(
            baseline_on=baselines.get(case.pk),
            discharged_on=None,
            schedule=settings.OUTCOME_SCHEDULE,
            follow_up_weeks=settings.OUTCOME_FOLLOW_UP_WEEKS,
            done=done.get(case.pk, set()),
        )
        by_timepoint: dict[str, DueRow] = {}
        for point in points:
            if point.done:
                continue
            row = by_timepoint.get(point.timepoint)
            if row is None:
                row = by_timepoint[point.timepoint] = DueRow(
                    case, point.timepoint, point.due_on, [], schedule.urgency(point.due_on, today)
                )
                rows.append(row)
            row.instruments.append(point.instrument)
    # caseload_for orders by name, and sort() is stable: ties stay in name order.
    rows.sort(key=lambda row: row.due_on)
    return rows


def measures_summary_for(user, *, today=None, most_urgent: int = 5) -> dict:
    """For the home page: how many rows are overdue, due this week and later, and the few
    most urgent (overdue or due this week) rows."""
    rows = measure_rows_for(user, today=today)
    counts = dict.fromkeys(schedule.URGENCIES, 0)
    for row in rows:
        counts[row.urgency] += 1
    urgent = [row for row in rows if row.urgency != schedule.LATER][:most_urgent]
    return {"counts": counts, "urgent": urgent, "total": len(rows)}


def healthcare_use_around_referral(case) -> list[dict]:
    """Healthcare use in the six months (182 days) before the referral and after it, by kind:
    the comparison commissioners ask for. 'After' counts only what has been recorded so far."""
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


# Email backends that keep messages on this machine (Django's console, file and dummy
# backends): a link "sent" through them reaches nobody.
_LOCAL_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


def link_goes_out(channel: str) -> bool:
    """Whether a one-time link sent by `channel` would reach the person (a gateway or a mail
    server is configured), so the page can say "sent" or "not sent" truthfully."""
    if channel == OneTimeLink.Channel.SMS:
        return sms_delivers()
    return settings.EMAIL_BACKEND not in _LOCAL_EMAIL_BACKENDS
