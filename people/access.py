"""Fetch one person for a user: 404 when missing *or* not theirs, 403 when read-only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.permissions import Permission, has_permission
from people.models import Person
from people.queries import people_for


def get_person_for_user(user, person_id, *, for_change: bool = False) -> Person:
    try:
        person = people_for(user).get(pk=person_id)
    except (Person.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such person.") from None
    if for_change and not has_permission(user, Permission.EDIT_PEOPLE):
        raise PermissionDenied("You can see this person but not change their record.")
    return person
