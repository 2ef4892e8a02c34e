"""The JSON API: one NinjaAPI, mounted at /api/, with each domain's router under /api/v1/."""

from __future__ import annotations

from ninja import NinjaAPI

from casework.api import router as casework_router
from idempotency.keys import claim_key, remember_answer
from matching.api import router as matching_router
from outcomes.api import router as outcomes_router
from people.api import router as people_router
from referrals.api import router as referrals_router
from socialrx.api_errors import install_error_handlers
from socialrx.auth import api_auth

api = NinjaAPI(
    title="socialrx API",
    version="1",
    description=(
        "Referrals, people, caseloads and connections for social prescribing. "
        "Authenticate with `Authorization: Bearer <token>` (see `manage.py create_api_token`).\n\n"
        "**Writes exactly once.** Every POST accepts an `Idempotency-Key` header (1 to 255 "
        "printable characters; a UUID is a good choice). A repeat with the same key, by the "
        "same user within 24 hours, answers with the first answer (same status and body, "
        "header `Idempotent-Replayed: true`) and writes nothing; the same key with a "
        "different body is refused with 422 (field `Idempotency-Key`)."
    ),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=api_auth,
)


install_error_handlers(api)
# Idempotency-Key on every POST (idempotency/keys.py): one transaction around the request,
# the key claimed once the caller is known.
api.add_decorator(remember_answer, mode="view")
api.add_decorator(claim_key, mode="operation")


api.add_router("/v1/", referrals_router)
api.add_router("/v1/", people_router)
api.add_router("/v1/", casework_router)
api.add_router("/v1/", outcomes_router)
# The matching contract is /api/matching/suggestions (issue #5), outside /v1/.
api.add_router("/matching/", matching_router)
