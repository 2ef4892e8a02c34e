"""JSON API for matching: POST /api/matching/suggestions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from ninja import Router

from accounts.permissions import Permission, has_permission
from audit.actions import record_access
from directory.access import sees_professional_listings
from matching.access import get_open_case_for_person
from matching.profiles import profile_for_case, profile_for_query
from matching.schemas import SuggestionRequest, SuggestionsOut
from matching.suggestions import as_json, suggestions_for

router = Router(tags=["matching"])


@router.post("/suggestions", response=SuggestionsOut)
def suggestions(request, payload: SuggestionRequest):
    """Ranked, explained service suggestions for a plain query or for a person's profile."""
    user = request.user
    case = None
    if not has_permission(user, Permission.VIEW_DIRECTORY):
        raise PermissionDenied("You do not have access to the directory.")
    if payload.person_id is not None:
        case = get_open_case_for_person(user, payload.person_id)
        record_access(user, case.person, detail={"purpose": "suggestions"})
        profile = profile_for_case(case, radius_km=payload.radius_km)
    else:
        profile = profile_for_query(
            text=payload.text,
            lat=payload.lat,
            lon=payload.lon,
            postcode=payload.postcode,
            radius_km=payload.radius_km,
            age=payload.age,
            sex=payload.sex,
            professional=sees_professional_listings(user),
        )
    found = suggestions_for(
        profile, limit=payload.limit, include_excluded=payload.include_excluded, case=case
    )
    return as_json(found)
