"""Personal API tokens: issue, check and revoke. Tokens are stored as SHA-256 hashes only."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User
from audit.actions import record_event

TOKEN_PREFIX = "srx_"  # noqa: S105 (a public marker, not a secret)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User, *, name: str = "", by: User | None = None) -> str:
    """Issue a new token for `user` and return it. This is the only time it is readable."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user, name=name, prefix=token[:12], token_hash=_hash(token)
        )
        record_event(by or user, "create", row, detail={"user": user.username})
    return token


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to, or None. Records when it was last used."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("user", "user__team")
        .filter(token_hash=_hash(token), revoked_at__isnull=True)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def revoke_api_token(row: ApiToken, *, by: User) -> None:
    with transaction.atomic():
        ApiToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        record_event(by, "change", row, detail={"revoked": True})
