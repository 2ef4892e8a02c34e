"""Sign-in lockout (django-axes): the page shown once a username has failed too often from
one address. It reads the same whether or not the username exists, so it tells an attacker
nothing about who has an account."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.shortcuts import render

# AXES_CLIENT_IP_CALLABLE: the address the lockout counts, by the rule the other rate limits
# and the audit log use (TRUSTED_PROXY_HOPS).
from socialrx.client_ip import client_address as client_address


def lockout_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_message() -> str:
    minutes = lockout_minutes()
    return (
        "There have been too many failed attempts to log in with this username from here, "
        f"so logging in is paused for {minutes} minutes. Try again after that, or ask your "
        "administrator to unlock your account."
    )


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the login page again, with the lockout message, as 429."""
    refused = forms.Form(data={})
    refused.add_error(None, lockout_message())
    response = render(
        request,
        "registration/login.html",
        {"form": refused, "locked_out": True, "next": request.POST.get("next", "")},
        status=429,
    )
    response["Retry-After"] = str(lockout_minutes() * 60)
    return response
