# LEAD NOTE: the lead already implemented this module (commits 6764b26..9272917) while
# helpers were starting up. Helpers: read it, then extend, fix and test it; do NOT rewrite
# it wholesale, keep its function names and signatures, and keep
# `pytest tests/test_journey.py` (the end-to-end journey) passing.
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
    person = get_person_for_user(request.user, person_id)
    record_access(request.user, person)
    return person


@router.patch("/people/{person_id}", response=PersonOut)
def patch_person(request, person_id: uuid.UUID, payload: PersonPatch):
    person = get_person_for_user(request.user, person_id, for_change=True)
    fields = payload.model_dump(exclude_unset=True)
    for key in ("given_name", "family_name"):
        if key in fields and fields[key] is None:
            fields.pop(key)
    fields = {k: ("" if v is None else v) for k, v in fields.items() if k != "birth_date"} | (
        {"birth_date": fields["birth_date"]} if "birth_date" in fields else {}
    )
    return update_person(person, by=request.user, **fields)
