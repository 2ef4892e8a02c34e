from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from audit.actions import record_list_access
from web.home import home_context, people_shown

log = logging.getLogger(__name__)


@login_required
def home(request):
    template, context = home_context(request.user)
    people, panels = people_shown(context)
    if panels:
        # One event for the page, not one per panel or row (audit.actions).
        record_list_access(
            request.user,
            "web.home",
            people=people,
            detail={"role": request.user.role, "panels": panels},
        )
    return render(request, template, context)


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _error(request, status: int, heading: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(
        request,
        "web/error.html",
        {"heading": heading, "message": message, "request_id": getattr(request, "request_id", "")},
        status=status,
    )


def bad_request(request, exception=None):
    return _error(request, 400, "Something was wrong with that request", "Check it and try again.")


def permission_denied(request, exception=None):
    return _error(
        request, 403, "You cannot do that", "Your role does not allow this. Ask your supervisor."
    )


def csrf_failure(request, reason=""):
    """A form sent without its (valid) security token: say what to do, in the site's style."""
    return _error(
        request,
        403,
        "Your form could not be sent",
        "The page was open too long, or your browser's cookies were cleared. Go back, "
        "reload the page and try again.",
    )


def page_not_found(request, exception=None):
    return _error(
        request,
        404,
        "Page not found",
        "It may have moved, or you may not have access to it.",
    )


def server_error(request):
    heading = "Sorry, there is a problem with the service"
    message = "The error has been logged. Try again later."
    try:
        return _error(request, 500, heading, message)
    except Exception:  # noqa: BLE001 - the page must not fail too (e.g. the database is down)
        # The full page reads the signed-in user (the session, in the database) for its
        # header; this one needs nothing but the template.
        log.warning("error page: rendering without the request context", exc_info=True)
        page = render_to_string(
            "web/error_plain.html",
            {
                "heading": heading,
                "message": message,
                "request_id": getattr(request, "request_id", ""),
            },
        )
        return HttpResponse(page, status=500)
