from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from casework.models import Case, Connection
from casework.queries import cases_for, connections_for_partner


def get_case_for_user(user, case_id, *, for_change: bool = False) -> Case:
    try:
        case = cases_for(user).get(pk=case_id)
    except (Case.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such case.") from None
    if for_change and not case.is_open:
        raise PermissionDenied("This case is discharged; it can be read but not changed.")
    return case


def get_partner_connection_for_user(user, connection_id) -> Connection:
    try:
        return connections_for_partner(user).get(pk=connection_id)
    except (Connection.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such referral.") from None
