"""One error shape for every JSON API (/api/ and /hsds/): `{"detail": ...}`, plus
`"errors": [{"field", "message"}]` when fields are at fault (docs/api.md, "Errors")."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from socialrx.errors import DomainError


def _field_path(loc) -> str:
    # ninja locations start with where the value came from ("body", "payload", ...);
    # callers want the path inside their JSON document (or the query parameter's name).
    parts = [str(p) for p in loc]
    while parts and parts[0] in {"body", "query", "path", "form", "payload"}:
        parts.pop(0)
    return ".".join(parts) or "body"


def install_error_handlers(api: NinjaAPI, *, invalid_fields_status: int = 422) -> None:
    """Map errors to the shared shape on `api`. `invalid_fields_status` is the status for
    fields that fail validation: 422 on /api/, 400 on /hsds/ (as it always answered)."""

    def respond(request, body: dict, status: int):
        return api.create_response(request, body, status=status)

    def validation_error(request, exc: ValidationError):
        errors = []
        for err in exc.errors:
            msg = err.get("msg", "Invalid value.")
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            errors.append({"field": _field_path(err.get("loc", ())), "message": msg})
        body = {"detail": "The request has invalid fields.", "errors": errors}
        return respond(request, body, invalid_fields_status)

    def domain_error(request, exc: DomainError):
        body = {"detail": exc.message}
        if exc.field:
            body["errors"] = [{"field": exc.field, "message": exc.message}]
        body.update(exc.extra)
        return respond(request, body, exc.status_code)

    def not_found(request, exc):
        return respond(request, {"detail": "Not found."}, 404)

    def forbidden(request, exc):
        return respond(
            request, {"detail": str(exc) or "You do not have permission to do that."}, 403
        )

    def unauthenticated(request, exc):
        body = {"detail": "Authentication required: send 'Authorization: Bearer <token>'."}
        return respond(request, body, 401)

    def too_big(request, exc):
        return respond(request, {"detail": "The request body is too large."}, 413)

    def bad_json(request, exc):
        return respond(request, {"detail": f"Malformed JSON: {exc}"}, 400)

    def http_error(request, exc: HttpError):
        return respond(request, {"detail": exc.message}, exc.status_code)

    for exc_class, handler in (
        (ValidationError, validation_error),
        (DomainError, domain_error),
        (Http404, not_found),
        (PermissionDenied, forbidden),
        (AuthenticationError, unauthenticated),
        (RequestDataTooBig, too_big),
        (json.JSONDecodeError, bad_json),
        (HttpError, http_error),
    ):
        api.add_exception_handler(exc_class, handler)
