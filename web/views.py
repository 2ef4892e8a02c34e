from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from web.home import home_context

log = logging.getLogger(__name__)


@login_required
def home(request):
    template, context = home_context(request.user)
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


def page_not_found(request, exception=None):
    return _error(
        request,
        404,
        "Page not found",
        "It may have moved, or you may not have access to it.",
    )


def server_error(request):
    return _error(
        request,
        500,
        "Sorry, there is a problem with the service",
        "The error has been logged. Try again later.",
    )
