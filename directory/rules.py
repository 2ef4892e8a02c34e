"""Pure rules for the directory."""

from __future__ import annotations

import datetime as dt

from django.db.models import TextChoices


class Visibility(TextChoices):
    """Who a listing is for (`directory.models.Service.Visibility`); a local extension of
    HSDS: informal groups can be listed for professionals only."""

    PUBLIC = "public", "Public"
    PROFESSIONALS = "professionals", "Professionals only"


PUBLIC = Visibility.PUBLIC  # anything else is for professionals only


def is_listed_for(visibility: str, *, professional: bool) -> bool:
    """Whether a listing with this `visibility` is shown to a viewer: a listing for
    professionals only (an informal group) is shown to staff, never to the public. Who
    counts as staff is `directory.access.sees_professional_listings`."""
    return professional or visibility == PUBLIC


def is_stale(last_verified_at: dt.datetime | None, now: dt.datetime, *, after_days: int) -> bool:
    """Not verified within `after_days` (never verified counts as stale)."""
    return last_verified_at is None or now - last_verified_at > dt.timedelta(days=after_days)
