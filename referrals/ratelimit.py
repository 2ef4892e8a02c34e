"""A fixed-window rate limit on the shared cache (Redis in production, local memory on a
laptop), keyed by client address. Used for the public self-referral form."""

from __future__ import annotations

import time

from django.core.cache import cache

WINDOW_SECONDS = 3600


def seconds_left_in_window(window_seconds: int = WINDOW_SECONDS) -> int:
    return int(window_seconds - time.time() % window_seconds) + 1


def allow(key: str, *, limit: int, window_seconds: int = WINDOW_SECONDS) -> bool:
    """Count one hit against `key`; False once more than `limit` hits fall in this window."""
    bucket = f"ratelimit:{key}:{int(time.time() // window_seconds)}"
    cache.add(bucket, 0, timeout=window_seconds + 5)
    try:
        hits = cache.incr(bucket)
    except ValueError:  # evicted between add and incr
        cache.set(bucket, 1, timeout=window_seconds + 5)
        hits = 1
    return hits <= limit
