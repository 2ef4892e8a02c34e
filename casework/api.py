"""JSON API for case work: caseloads, cases and moving connections along their journey."""

# No `from __future__ import annotations` here (as in referrals/api.py): @paginate re-wraps
# `caseload`, and ninja then resolves string annotations in its own module, where our
# types are unknown; the OpenAPI document and the list would answer 500.
import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router
from ninja.pagination import paginate

from accounts.models import User
from accounts.permissions import Permission, has_permission
from audit.actions import record_access
from audit.lists import audited_pages
from casework import actions, rules
from casework.access import get_case_for_user, get_partner_connection_for_user
from casework.models import Connection
from casework.queries import caseload_for, cases_for
from casework.schemas import CaseOut, CaseSummaryOut, ConnectionOut, TransitionIn

router = Router(tags=["casework"])


@router.get("/caseload", response=list[CaseSummaryOut])
@paginate(audited_pages("casework.caseload"), page_size=50)
def caseload(request, worker: str | None = None):
    """Open cases held by the caller, or (supervisors) by `worker` in their team."""
    user = request.user
    if not has_permission(user, Permission.WORK_CASES):
        raise PermissionDenied("Your role has no caseload.")
    if worker and worker != user.username:
        if not has_permission(user, Permission.SUPERVISE):
            raise PermissionDenied("Only supervisors can list another worker's caseload.")
        holder = User.objects.filter(username=worker, team_id=user.team_id).first()
        if holder is None:
            raise Http404
        return caseload_for(user, mine_only=False).filter(link_worker=holder)
    return caseload_for(user)


@router.get("/cases/{case_id}", response=CaseOut)
def get_case(request, case_id: uuid.UUID):
    case = get_case_for_user(request.user, case_id)
    record_access(request.user, case)
    return case


def _connection_for(user, connection_id) -> tuple[Connection, str]:
    """The connection and which side the caller acts for (link worker or partner)."""
    if has_permission(user, Permission.HANDLE_CONNECTIONS):
        return get_partner_connection_for_user(user, connection_id), rules.PARTNER
    if has_permission(user, Permission.WORK_CASES):
        try:
            connection = Connection.objects.select_related("service", "case").get(
                pk=connection_id, case__in=cases_for(user)
            )
        except Connection.DoesNotExist:
            raise Http404 from None
        return connection, rules.WORKER
    raise Http404


@router.get("/connections/{connection_id}", response=ConnectionOut)
def get_connection(request, connection_id: uuid.UUID):
    connection, side = _connection_for(request.user, connection_id)
    request.auth_side = side
    record_access(request.user, connection)
    return connection


@router.post("/connections/{connection_id}/transition", response=ConnectionOut)
def transition(request, connection_id: uuid.UUID, payload: TransitionIn):
    """Move a connection: link workers send and may record outcomes; partners accept,
    decline and report attendance. 409 when the move is not allowed from the current state."""
    connection, side = _connection_for(request.user, connection_id)
    request.auth_side = side
    return actions.move_connection(
        connection,
        to=payload.to,
        side=side,
        by=request.user,
        reason=payload.reason,
        on=payload.on,
        accompanied=payload.accompanied,
    )
