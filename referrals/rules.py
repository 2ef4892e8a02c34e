"""Pure rules for referrals: which triage moves are allowed from which state.

The states are declared once, here (`ReferralStatus`, which the model uses as
`Referral.Status`); the module names below are its members, not copies of the strings.
"""

from __future__ import annotations

from django.db.models import TextChoices


class ReferralStatus(TextChoices):
    RECEIVED = "received", "Received"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    REDIRECTED = "redirected", "Redirected"
    CLOSED = "closed", "Closed (case discharged)"


RECEIVED = ReferralStatus.RECEIVED
ACCEPTED = ReferralStatus.ACCEPTED
DECLINED = ReferralStatus.DECLINED
REDIRECTED = ReferralStatus.REDIRECTED
CLOSED = ReferralStatus.CLOSED

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


# --- Matching a referral to a person already known ------------------------------------

# Compared when a referral's NHS number matches a stored person. Names are compared without
# case or surrounding spaces; a date of birth must match exactly.
IDENTITY_FIELDS = ("given_name", "family_name", "birth_date")
DETAIL_FIELDS = (*IDENTITY_FIELDS, "postcode", "phone", "email", "address")


def _comparable(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return " ".join(str(value).split()).casefold()


def details_that_differ(stored: dict, given: dict) -> dict[str, str]:
    """The details `given` with a referral that differ from the `stored` record, as text.

    Only fields the referrer actually gave count (a blank means "not given", not "clear
    it"); dates are ISO strings so the result can be stored as JSON.
    """
    differ: dict[str, str] = {}
    for key in DETAIL_FIELDS:
        value = given.get(key)
        if value in (None, ""):
            continue
        if _comparable(value) != _comparable(stored.get(key)):
            differ[key] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return differ


def is_identity_mismatch(differ: dict[str, str], stored: dict) -> bool:
    """Whether the differences suggest a different person, not a changed detail.

    A different date of birth (when one is on record) is a mismatch. So is a different
    given name *and* family name together; one name alone may have changed (marriage, a
    preferred spelling), so that is shown to triage but not treated as someone else.
    """
    if "birth_date" in differ and stored.get("birth_date"):
        return True
    return "given_name" in differ and "family_name" in differ
