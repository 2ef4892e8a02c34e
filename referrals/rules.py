"""Pure rules for referrals: which triage moves are allowed from which state."""

from __future__ import annotations

RECEIVED, ACCEPTED, DECLINED, REDIRECTED, CLOSED = (
    "received",
    "accepted",
    "declined",
    "redirected",
    "closed",
)

TRANSITIONS: dict[str, frozenset[str]] = {
    RECEIVED: frozenset({ACCEPTED, DECLINED, REDIRECTED}),
    ACCEPTED: frozenset({CLOSED}),
    DECLINED: frozenset(),
    REDIRECTED: frozenset(),
    CLOSED: frozenset(),
}


def can_move(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, frozenset())


def transition_error(current: str, to: str) -> str | None:
    """Why a referral in `current` cannot become `to`, in words for a link worker."""
    if can_move(current, to):
        return None
    if current in (DECLINED, REDIRECTED, CLOSED):
        return f"This referral is already {current}; it cannot be changed now."
    if current == ACCEPTED:
        return "This referral has been accepted and has an open case; discharge the case instead."
    return f"A {current} referral cannot be {to}."
