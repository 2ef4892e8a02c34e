"""When measures are due. Pure: no database.

Baseline is due at the first "what matters" conversation; follow-ups at configurable weeks
after it (default 6 and 12); a discharge measure when the case is discharged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

GRACE_DAYS = 7  # a measure is overdue a week after its due date
SOON_DAYS = 7  # "due this week": due within the coming week, or due and not yet overdue

OVERDUE, THIS_WEEK, LATER = "overdue", "week", "later"
URGENCIES = (OVERDUE, THIS_WEEK, LATER)


@dataclass(frozen=True)
class DuePoint:
    timepoint: str
    instrument: str
    due_on: dt.date
    done: bool

    def state(self, today: dt.date) -> str:
        if self.done:
            return "done"
        if today > self.due_on + dt.timedelta(days=GRACE_DAYS):
            return "overdue"
        return "due" if today >= self.due_on else "upcoming"


def due_points(
    *,
    baseline_on: dt.date | None,
    discharged_on: dt.date | None,
    schedule: dict[str, list[str]],
    follow_up_weeks: dict[str, int],
    done: set[tuple[str, str]],
) -> list[DuePoint]:
    """Every (timepoint, instrument) the schedule asks for, with its due date and whether a
    response for it exists (`done` holds (timepoint, instrument) pairs)."""
    if baseline_on is None:
        return []
    dates = {"baseline": baseline_on}
    for timepoint, weeks in follow_up_weeks.items():
        dates[timepoint] = baseline_on + dt.timedelta(weeks=weeks)
    if discharged_on is not None:
        dates["discharge"] = discharged_on
    points = []
    for timepoint, due_on in sorted(dates.items(), key=lambda kv: kv[1]):
        for instrument in schedule.get(timepoint, []):
            points.append(DuePoint(timepoint, instrument, due_on, (timepoint, instrument) in done))
    return points


def urgency(due_on: dt.date, today: dt.date) -> str:
    """Which list a measure not yet done belongs in: "overdue" (more than a week past its due
    date), "week" (due within a week, or due and still within its week of grace) or
    "later"."""
    if today > due_on + dt.timedelta(days=GRACE_DAYS):
        return OVERDUE
    if due_on <= today + dt.timedelta(days=SOON_DAYS):
        return THIS_WEEK
    return LATER


# --- The follow-up some months after discharge ---------------------------------------------

# A scheduled follow-up link goes out on any day from its due date until this many days
# after it (the daily job may miss a day); after that the follow-up is left, so that a
# history imported years later never texts people about a service they left long ago.
FOLLOW_UP_SEND_DAYS = 28


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it is shorter (31 January
    plus one month is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has 28 days


def post_discharge_due_on(discharged_on: dt.date | None, months: int) -> dt.date | None:
    """When the follow-up after discharge falls due; None when not discharged or when the
    team asks for none (0 months)."""
    if discharged_on is None or months <= 0:
        return None
    return add_months(discharged_on, months)


def still_sendable(due_on: dt.date, today: dt.date) -> bool:
    """Whether a follow-up due on `due_on` is still asked for on `today` (see
    FOLLOW_UP_SEND_DAYS): from its due date (listed earlier as due later) to the window's end."""
    return today < due_on + dt.timedelta(days=FOLLOW_UP_SEND_DAYS)
