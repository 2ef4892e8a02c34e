"""Who may export a person's whole record: a supervisor of the team holding it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.permissions import Permission, has_permission
from people.access import get_person_for_user
from people.models import Person


def can_export_subject_access(user, person: Person) -> bool:
    return (
        user.is_authenticated
        and has_permission(user, Permission.SUPERVISE)
        and user.team_id is not None
        and person.team_id == user.team_id
    )


def get_person_for_subject_access(user, person_id) -> Person:
    """404 when the person is missing or not visible to `user`; 403 when visible but `user`
    is not a supervisor of the team holding the record."""
    person = get_person_for_user(user, person_id)
    if not can_export_subject_access(user, person):
        raise PermissionDenied(
            "Only a supervisor of the team holding this record can export all of it."
        )
    return person
