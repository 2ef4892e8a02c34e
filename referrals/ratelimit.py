"""A fixed-window rate limit on the shared cache (Redis in production, local memory on a
laptop), keyed by client address. Used for the public self-referral form."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600


def client_ip(request) -> str:
    """The client's address. Behind TRUSTED_PROXY_HOPS reverse proxies, the address the
    outermost trusted proxy saw (taken from the right of X-Forwarded-For, since a client
    can put anything at the left); otherwise REMOTE_ADDR."""
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "unknown")


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
