import time

from django.conf import settings

RENEWED_AT = "srx_renewed_at"  # when this session's expiry was last moved on (Unix seconds)


class IdleSessionMiddleware:
    """Sessions end after SESSION_COOKIE_AGE seconds without a request. Each save of a
    session moves its expiry on; saving on every request would cost a database write per
    page, so this renews a signed-in session at most once every SESSION_RENEW_AFTER_SECONDS
    (the idle limit is then exact to within that)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session the request already read: never load one just to renew it.
        if session is None or not session.accessed or "_auth_user_id" not in session:
            return response
        now = int(time.time())
        if now - session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_AFTER_SECONDS:
            session[RENEWED_AT] = now
        return response


def mark_renewed(sender, request, user, **kwargs):
    """user_logged_in: a new session starts renewed, so its first pages write nothing more."""
    if hasattr(request, "session"):
        request.session[RENEWED_AT] = int(time.time())
