"""JSON API for people: read and update, within the caller's scope."""

from __future__ import annotations

import uuid

from ninja import Router

from audit.actions import record_access
from people.access import get_person_for_user
from people.actions import update_person
from people.schemas import PersonOut, PersonPatch

router = Router(tags=["people"])


@router.get("/people/{person_id}", response=PersonOut)
def get_person(request, person_id: uuid.UUID):
    """One person with their consents: your team's people (and people referred to your
    team), or, for referrers, people you referred. 404 for anyone else. Audited."""
    person = get_person_for_user(request.user, person_id)
    record_access(request.user, person)
    return person


@router.patch(
    "/people/{person_id}", response={200: PersonOut, 400: dict, 403: dict, 404: dict, 409: dict}
)
def patch_person(request, person_id: uuid.UUID, payload: PersonPatch):
    """Change some details. Send only the fields to change; null (or "") clears an optional
    one. Case work roles only: a referrer who can read the person gets 403. 409 when the
    NHS number belongs to someone else. The audit row names the changed fields only."""
    person = get_person_for_user(request.user, person_id, for_change=True)
    return update_person(person, by=request.user, **payload.model_dump(exclude_unset=True))
