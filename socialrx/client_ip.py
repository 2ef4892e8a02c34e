"""The one rule for a client's address, shared by the self-referral rate limit
(referrals.ratelimit), the sign-in lockout (accounts.lockout) and the audit log's address
(audit.middleware)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
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
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def client_address(request: HttpRequest) -> str | None:
    """`client_ip` as a valid IP address, or None when there is none (a request made in
    code, a Unix socket), which a database's address column would refuse."""
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:
        return None
