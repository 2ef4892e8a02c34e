"""The referrer's home page: the referrals they made and what happened to them."""

from __future__ import annotations

from referrals.queries import referrals_for


def referrer_home(user) -> tuple[str, dict]:
    made = referrals_for(user).filter(referrer=user).select_related("person", "team")[:50]
    return "referrals/home_referrer.html", {"referrals": made}
