"""API authentication: a personal token (Authorization: Bearer ...) or the browser session."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from accounts.tokens import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class ActiveSession(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


api_auth = [BearerToken(), ActiveSession()]
