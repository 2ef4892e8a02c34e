"""Pure rules for case work: the connection state machine, what happens to connections at
discharge, which dates fit the journey, and what is due when.

The case and connection states are declared once, here (`CaseStatus`, `ConnectionStatus`,
which the models use as `Case.Status` and `Connection.Status`); the module names below are
members, not copies of the strings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import TextChoices


class CaseStatus(TextChoices):
    """Whether a case is open (`casework.models.Case.Status`)."""

    OPEN = "open", "Open"
    DISCHARGED = "discharged", "Discharged"


class ConnectionStatus(TextChoices):
    """Where a connection is in PRODUCT.md's journey (`casework.models.Connection.Status`)."""

    PROPOSED = "proposed", "Proposed"
    SENT = "sent", "Sent to the organisation"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    FIRST_ATTENDED = "first_attended", "First attended"
    ONGOING = "ongoing", "Ongoing"
    COMPLETED = "completed", "Completed"
    DROPPED = "dropped", "Dropped"


PROPOSED = ConnectionStatus.PROPOSED
SENT = ConnectionStatus.SENT
ACCEPTED = ConnectionStatus.ACCEPTED
DECLINED = ConnectionStatus.DECLINED
FIRST_ATTENDED = ConnectionStatus.FIRST_ATTENDED
ONGOING = ConnectionStatus.ONGOING
COMPLETED = ConnectionStatus.COMPLETED
DROPPED = ConnectionStatus.DROPPED

WORKER = "link_worker"
PARTNER = "partner"


@dataclass(frozen=True)
class Move:
    to: str
    by: frozenset[str]
    needs_reason: bool = False
    label: str = ""


# Who may make each move. The link worker sends; the partner responds and reports
# attendance; either side may record that the person dropped out. Link workers may also
# record attendance they witnessed (an accompanied first visit).
_BOTH = frozenset({WORKER, PARTNER})
MOVES: dict[str, tuple[Move, ...]] = {
    PROPOSED: (
        Move(SENT, frozenset({WORKER}), label="Send to the organisation"),
        Move(DROPPED, frozenset({WORKER}), True, "Person chose not to go ahead"),
    ),
    SENT: (
        Move(ACCEPTED, frozenset({PARTNER}), label="Accept"),
        Move(DECLINED, frozenset({PARTNER}), True, "Decline"),
        Move(DROPPED, _BOTH, True, "Dropped out"),
    ),
    ACCEPTED: (
        Move(FIRST_ATTENDED, _BOTH, label="Record first attendance"),
        Move(DROPPED, _BOTH, True, "Dropped out"),
    ),
    FIRST_ATTENDED: (
        Move(ONGOING, _BOTH, label="Attending regularly"),
        Move(COMPLETED, _BOTH, label="Completed"),
        Move(DROPPED, _BOTH, True, "Dropped out"),
    ),
    ONGOING: (
        Move(COMPLETED, _BOTH, label="Completed"),
        Move(DROPPED, _BOTH, True, "Dropped out"),
    ),
    DECLINED: (),
    COMPLETED: (),
    DROPPED: (),
}

ACTIVE = frozenset({SENT, ACCEPTED, FIRST_ATTENDED, ONGOING})
ENDED = frozenset({DECLINED, COMPLETED, DROPPED})

# At discharge, a connection the person has taken up carries on between them and the
# organisation ("continuing independently"): it is neither completed nor dropped. One still
# waiting for the organisation's answer must be settled first, or nobody would hear if the
# organisation then declined.
CONTINUE_AT_DISCHARGE = frozenset({ACCEPTED, FIRST_ATTENDED, ONGOING})
BLOCKS_DISCHARGE = ACTIVE - CONTINUE_AT_DISCHARGE


def moves_from(status: str, side: str, *, discharged: bool = False) -> list[Move]:
    """The moves `side` may make. After discharge the link worker makes none; the partner
    keeps recording how a continuing connection goes."""
    if discharged and side != PARTNER:
        return []
    return [m for m in MOVES.get(status, ()) if side in m.by]


def move_error(status: str, to: str, side: str) -> str | None:
    """Why `side` cannot move a connection from `status` to `to`, or None if it can."""
    for move in MOVES.get(status, ()):
        if move.to == to:
            if side in move.by:
                return None
            who = "the organisation" if side == WORKER else "the link worker"
            return f"Only {who} can mark this connection {to.replace('_', ' ')}."
    if status in ENDED:
        return f"This connection is already {status}; it cannot change now."
    return f"A {status.replace('_', ' ')} connection cannot become {to.replace('_', ' ')}."


def needs_reason(status: str, to: str) -> bool:
    return any(m.to == to and m.needs_reason for m in MOVES.get(status, ()))


def date_error(
    day: dt.date, *, what: str, not_before: dt.date, since: str, today: dt.date
) -> str | None:
    """Why `day` cannot be the date of a step in the journey, or None if it can: a step is
    never in the future and never before the step it follows (`since`, on `not_before`)."""
    if day > today:
        return f"{what} cannot be in the future."
    if day < not_before:
        return f"{what} cannot be before {since} ({not_before:%-d %B %Y})."
    return None


def follow_up_state(due: dt.date | None, today: dt.date) -> str | None:
    """ "overdue", "today", "soon" (within 7 days) or None."""
    if due is None:
        return None
    if due < today:
        return "overdue"
    if due == today:
        return "today"
    if due <= today + dt.timedelta(days=7):
        return "soon"
    return None


def default_review_date(plan_agreed: dt.date) -> dt.date:
    """Plans are reviewed six weeks after they are agreed unless the worker sets a date."""
    return plan_agreed + dt.timedelta(weeks=6)
