"""The JSON API: one NinjaAPI, mounted at /api/, with each domain's router under /api/v1/."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from socialrx.auth import api_auth
from socialrx.errors import DomainError

api = NinjaAPI(
    title="socialrx API",
    version="1",
    description=(
        "Referrals, people, caseloads and connections for social prescribing. "
        "Authenticate with `Authorization: Bearer <token>` (see `manage.py create_api_token`)."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=api_auth,
)


def _field_path(loc) -> str:
    # ninja locations start with where the value came from ("body", "payload", ...);
    # callers want the path inside their JSON document.
    parts = [str(p) for p in loc]
    while parts and parts[0] in {"body", "query", "path", "form", "payload"}:
        parts.pop(0)
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    errors = []
    for err in exc.errors:
        msg = err.get("msg", "Invalid value.")
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        errors.append({"field": _field_path(err.get("loc", ())), "message": msg})
    return api.create_response(
        request, {"detail": "The request has invalid fields.", "errors": errors}, status=422
    )


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    body = {"detail": exc.message}
    if exc.field:
        body["errors"] = [{"field": exc.field, "message": exc.message}]
    body.update(exc.extra)
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(
        request, {"detail": str(exc) or "You do not have permission to do that."}, status=403
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(
        request,
        {"detail": "Authentication required: send 'Authorization: Bearer <token>'."},
        status=401,
    )


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    return api.create_response(request, {"detail": "The request body is too large."}, status=413)


@api.exception_handler(json.JSONDecodeError)
def bad_json(request, exc):
    return api.create_response(request, {"detail": f"Malformed JSON: {exc}"}, status=400)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


def _register_routers() -> None:
    from casework.api import router as casework_router
    from matching.api import router as matching_router
    from outcomes.api import router as outcomes_router
    from people.api import router as people_router
    from referrals.api import router as referrals_router

    api.add_router("/v1/", referrals_router)
    api.add_router("/v1/", people_router)
    api.add_router("/v1/", casework_router)
    api.add_router("/v1/", outcomes_router)
    # The matching contract is /api/matching/suggestions (issue #5), outside /v1/.
    api.add_router("/matching/", matching_router)


_register_routers()
