"""Pure rules for outcomes: what a measure may be recorded against. No database."""

from __future__ import annotations

from outcomes.models import Timepoint
from socialrx.errors import DomainError

TIMEPOINT_UNKNOWN = "Choose when this measure was taken."


def check_timepoint(timepoint: str) -> None:
    """Refuse a timepoint that is not one of Timepoint's, naming the field: the one check
    (and the one message) for every way a measure or a link to one comes in."""
    if timepoint not in Timepoint.values:
        raise DomainError(TIMEPOINT_UNKNOWN, field="timepoint")
