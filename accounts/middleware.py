import time

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts import two_factor
from accounts.security import record_refused

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


# Paths a signed-in user who still owes a code (or must set two-factor sign-in up) may reach.
_TWO_FACTOR_OPEN = ("/account/two-factor/", "/logout/", "/static/", "/healthz")


class TwoFactorMiddleware:
    """Admins, staff and supervisors (accounts.two_factor.required_for) reach nothing but
    the two-factor pages and "Log out" until they have set it up; a session that has not
    given a code while its user has an authenticator is sent to give one. A session made by
    the sign-in page already says which it is (two_factor.STATE), so most requests cost no
    query here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        need = self._need(request)
        if need is None:
            return self.get_response(request)
        if request.path.startswith(("/api/", "/hsds/")):
            return JsonResponse(
                {
                    "detail": "Two-factor sign-in is needed first: finish it in the browser, "
                    "or use an API token."
                },
                status=403,
            )
        name = "accounts:two_factor_setup" if need == "set_up" else "accounts:two_factor_code"
        target = reverse(name)
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)

    @staticmethod
    def _need(request) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(_TWO_FACTOR_OPEN):
            return None
        state = request.session.get(two_factor.STATE)
        if state == two_factor.VERIFIED:
            return None
        if state == two_factor.NO_DEVICE:
            return "set_up" if two_factor.required_for(user) else None
        # A session the sign-in page did not make (an older one): ask only when it matters.
        if not two_factor.required_for(user):
            return None
        return "code" if two_factor.has_device(user) else "set_up"


class RefusedAccessAuditMiddleware:
    """Every 403 answered to a signed-in user (a page, the API with a session or a token) is
    audited in one place, whichever view refused it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                record_refused(request, user, response.status_code)
        return response
