"""The referrer's home page: the referrals they made and what happened to them."""

from __future__ import annotations

from referrals.queries import referrals_for

RECENT = 50


def referrer_home(user) -> tuple[str, dict]:
    """The referrals `user` made, newest first, with status and outcome (the case's
    discharge reason once closed). web.home dispatches here for referrers."""
    made = (
        referrals_for(user)
        .filter(referrer=user)
        .select_related("person", "team", "assigned_to", "case")
        .order_by("-received_at")
    )
    recent = list(made[:RECENT])
    total = len(recent) if len(recent) < RECENT else made.count()
    return "referrals/home_referrer.html", {"referrals": recent, "total": total}
