"""Refuse oversize API bodies with a clear 413 before anything reads or parses them."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse


class ApiBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(("/api/", "/hsds/", "/fhir/")):
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse({"detail": "Content-Length is not a number."}, status=400)
            limit = settings.API_MAX_BODY_BYTES
            if declared > limit:
                return JsonResponse(
                    {"detail": f"The request body is larger than the {limit:,}-byte limit."},
                    status=413,
                )
        return self.get_response(request)
