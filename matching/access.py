"""Fetch what matching works on, through casework's and people's access rules."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.permissions import Permission, has_permission
from casework.access import get_case_for_user
from casework.models import Case
from people.access import get_person_for_user


def get_open_case_for_person(user, person_id) -> Case:
    """The person's open case, if `user` may work it: 404 when the person is missing or not
    theirs, 403 when they can see the person but do not work cases (e.g. the referrer)."""
    person = get_person_for_user(user, person_id)
    if not has_permission(user, Permission.WORK_CASES):
        raise PermissionDenied("Only link workers can ask for suggestions for a person.")
    case = person.cases.filter(status=Case.Status.OPEN).order_by("-opened_at").first()
    if case is None:
        raise Http404("This person has no open case.")
    return get_case_for_user(user, case.pk)
