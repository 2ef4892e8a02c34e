"""A fixed-window rate limit on the shared cache (Redis in production, local memory on a
laptop), keyed by client address. Used for the public self-referral form."""

from __future__ import annotations

import time

from django.core.cache import cache


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def allow(key: str, *, limit: int, window_seconds: int = 3600) -> bool:
    """Count one hit against `key`; False once more than `limit` hits fall in this window."""
    bucket = f"ratelimit:{key}:{int(time.time() // window_seconds)}"
    cache.add(bucket, 0, timeout=window_seconds + 5)
    try:
        hits = cache.incr(bucket)
    except ValueError:  # evicted between add and incr
        cache.set(bucket, 1, timeout=window_seconds + 5)
        hits = 1
    return hits <= limit
