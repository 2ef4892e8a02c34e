"""Personal API tokens: issue, check and revoke. Tokens are stored as SHA-256 hashes only.

A token acts as its user within its scope (read only, or read and write) until it expires
(API_TOKEN_DEFAULT_DAYS, at most API_TOKEN_MAX_DAYS) or is revoked. Its last use is written
at most once a minute, so an API client does not cost a write per request."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User
from audit.actions import record_event
from audit.models import Event
from socialrx.errors import DomainError

TOKEN_PREFIX = "srx_"  # noqa: S105 (a public marker, not a secret)
LAST_USED_EVERY_SECONDS = 60


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def default_days() -> int:
    return min(settings.API_TOKEN_DEFAULT_DAYS, settings.API_TOKEN_MAX_DAYS)


def create_api_token(
    user: User,
    *,
    name: str = "",
    by: User | None = None,
    days: int | None = None,
    scope: str = ApiToken.Scope.READ_WRITE,
) -> str:
    """Issue a new token for `user` and return it. This is the only time it is readable."""
    return issue_api_token(user, name=name, by=by, days=days, scope=scope)[1]


def issue_api_token(
    user: User,
    *,
    name: str = "",
    by: User | None = None,
    days: int | None = None,
    scope: str = ApiToken.Scope.READ_WRITE,
) -> tuple[ApiToken, str]:
    """As create_api_token, also returning the token's row (for the page that shows it)."""
    days = default_days() if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise DomainError(f"Choose from 1 to {settings.API_TOKEN_MAX_DAYS} days.", field="days")
    if scope not in ApiToken.Scope.values:
        raise DomainError("Choose read only, or read and write.", field="scope")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=token[:12],
            token_hash=_hash(token),
            scope=scope,
            expires_at=timezone.now() + timedelta(days=days),
        )
        record_event(
            by or user,
            Event.Verb.CREATE,
            row,
            detail={"user": user.username, "scope": scope, "days": days},
        )
    return row, token


@dataclass(frozen=True)
class TokenCheck:
    """What a presented token turned out to be: its user (when live), else why not."""

    user: User | None
    scope: str = ""
    problem: str = ""  # "", "unknown", "expired", "revoked", "inactive"


def check_token(token: str) -> TokenCheck:
    """Look a presented token up. Records when a live one was last used (once a minute)."""
    if not token.startswith(TOKEN_PREFIX):
        return TokenCheck(None, problem="unknown")
    row = (
        ApiToken.objects.select_related("user", "user__team")
        .filter(token_hash=_hash(token))
        .first()
    )
    if row is None:
        return TokenCheck(None, problem="unknown")
    now = timezone.now()
    if row.revoked_at is not None:
        return TokenCheck(None, problem="revoked")
    if row.expires_at <= now:
        return TokenCheck(None, problem="expired")
    if not row.user.is_active:
        return TokenCheck(None, problem="inactive")
    last = row.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_EVERY_SECONDS:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return TokenCheck(row.user, scope=row.scope)


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to, or None."""
    return check_token(token).user


def revoke_api_token(row: ApiToken, *, by: User) -> bool:
    """Revoke `row` (a revoked token never comes back). False if it already was."""
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if changed:
            detail: dict[str, object] = {"revoked": True}
            if by.pk != row.user_id:
                detail["user"] = row.user.username
            record_event(by, Event.Verb.CHANGE, row, detail=detail)
    return bool(changed)
