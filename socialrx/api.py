"""The JSON API: one NinjaAPI, mounted at /api/, with each domain's router under /api/v1/."""

from __future__ import annotations

from ninja import NinjaAPI

from socialrx.api_errors import install_error_handlers
from socialrx.auth import api_auth

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


install_error_handlers(api)


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
