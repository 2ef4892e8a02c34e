"""Pure rules for the directory."""

from __future__ import annotations

import datetime as dt


def is_stale(last_verified_at: dt.datetime | None, now: dt.datetime, *, after_days: int) -> bool:
    """Not verified within `after_days` (never verified counts as stale)."""
    return last_verified_at is None or now - last_verified_at > dt.timedelta(days=after_days)
