"""Refuse text holding NUL characters at the edge, for pages and APIs alike.

No field of socialrx may hold a NUL (U+0000): PostgreSQL text refuses it (the write then
failed with a 500), and SQLite would store what PostgreSQL cannot, so a database move
would fail later. Query parameters, form fields and JSON strings (keys and values) are
checked before any view runs: an API caller gets 400 in the API's error shape, naming the
field; a page gets the plain "bad request" page.
"""

from __future__ import annotations

import json

from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse

NUL = "\x00"
MESSAGE = "Text may not contain NUL (zero) characters."
_API_PREFIXES = ("/api/", "/hsds/", "/fhir/")


def nul_path(value, path: str = "") -> str | None:
    """The path ("person.given_name", "reasons.0") of the first string in a parsed JSON
    document that holds a NUL character, or None."""
    if isinstance(value, str):
        return (path or "body") if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return here
            found = nul_path(item, here)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_path(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def _in_querydict(data) -> str | None:
    for key, values in data.lists():
        if NUL in key or any(NUL in v for v in values):
            return key
    return None


class NulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _in_querydict(request.GET)
        if field is None and request.method in ("POST", "PUT", "PATCH"):
            content_type = request.content_type or ""
            if content_type == "application/json":
                try:
                    field = nul_path(json.loads(request.body or b"null"))
                except (ValueError, UnicodeDecodeError):
                    field = None  # not JSON: the view answers that itself
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                field = _in_querydict(request.POST)
        if field is None:
            return self.get_response(request)
        if request.path.startswith(_API_PREFIXES):
            return JsonResponse(
                {"detail": MESSAGE, "errors": [{"field": field, "message": MESSAGE}]}, status=400
            )
        raise SuspiciousOperation(f"NUL character in {field!r}")
