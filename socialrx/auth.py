"""API authentication: a personal token (Authorization: Bearer ...) or the browser session.

A token that has expired or been revoked is refused with 401 and says which, in the API's
one error shape; a read-only token is refused (403) on anything but GET, HEAD and OPTIONS."""

from __future__ import annotations

from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from accounts.models import ApiToken
from accounts.tokens import check_token

READING = {"GET", "HEAD", "OPTIONS"}
_REFUSED = {
    "expired": "This API token has expired: make a new one on your API tokens page.",
    "revoked": "This API token has been revoked: make a new one on your API tokens page.",
    "inactive": "This API token's account is no longer active.",
}


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        check = check_token(token)
        if check.user is None:
            if check.problem in _REFUSED:
                raise HttpError(401, _REFUSED[check.problem])
            return None
        if check.scope == ApiToken.Scope.READ and request.method not in READING:
            request.user = check.user  # so the refusal is audited against the token's user
            raise HttpError(403, "This API token may only read: make a read and write token.")
        request.user = check.user
        return check.user


class ActiveSession(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


api_auth = [BearerToken(), ActiveSession()]
