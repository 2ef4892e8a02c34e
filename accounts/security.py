"""Audit events about signing in and out, and about refused requests. Each lands on the
account's own record (accounts.User, or "unknown" when the username matches no one) with
detail.event naming what happened and the client's address: never a password or a code."""

from __future__ import annotations

from accounts.lockout import client_address
from accounts.models import User
from audit.actions import Subject, record_event
from audit.models import Event

UNKNOWN_ACCOUNT = Subject("accounts.User", "unknown")


def _address(request) -> str | None:
    return client_address(request)


def record_sign_in(request, user: User, *, second_factor: str) -> Event:
    """A sign-in that succeeded; second_factor is "totp", "recovery_code" or "none"."""
    return record_event(
        user,
        Event.Verb.CREATE,
        user,
        detail={"event": "sign_in", "second_factor": second_factor, "address": _address(request)},
    )


def record_sign_in_failed(request, username: str, *, step: str, locked_out: bool) -> Event:
    """A refused attempt (wrong password, wrong code, or refused by the lockout). The
    account is named only when the username is someone's; what was typed is not kept."""
    account = User.objects.filter(username=username).first() if username else None
    return record_event(
        None,
        Event.Verb.CREATE,
        account or UNKNOWN_ACCOUNT,
        detail={
            "event": "sign_in_failed",
            "step": step,
            "locked_out": locked_out,
            "address": _address(request),
        },
        actor_label="public",
    )


def record_sign_out(request, user: User) -> Event:
    return record_event(
        user, Event.Verb.DELETE, user, detail={"event": "sign_out", "address": _address(request)}
    )


def record_refused(request, user: User, status: int) -> Event:
    """A request a signed-in user made and was refused (403): what they asked for."""
    return record_event(
        user,
        Event.Verb.VIEW,
        Subject("accounts.refused", request.method),
        detail={
            "event": "refused",
            "status": status,
            "path": request.path[:200],
            "address": _address(request),
        },
    )
