"""Calendar months, as insight's monthly summaries use them: the first day of the next
month, the whole months a period of days covers, and the first of the month in SQL."""

from __future__ import annotations

import datetime as dt

from insight.sql import postgres


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def whole_months(
    date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dt.date | None, dt.date | None]:
    """(first, end): the months from `first` (a first day) up to but not including `end`
    lie wholly within [date_from, date_to]; None for an open end. No whole month when
    `first` >= `end`. The days before `first` and from `end` on are the period's edges,
    read from the records themselves."""
    first = None
    if date_from is not None:
        first = date_from if date_from.day == 1 else next_month(date_from)
    end = None
    if date_to is not None:
        following = date_to + dt.timedelta(days=1)
        end = following if following.day == 1 else date_to.replace(day=1)
    return first, end


def month_start_sql(column: str) -> str:
    """SQL for the first day of the month of the date `column`."""
    if postgres():
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"
