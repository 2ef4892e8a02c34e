"""Writes for case work. Each action is atomic and records its audit event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.permissions import Permission, has_permission
from audit.actions import record_event
from casework.models import Case
from socialrx.errors import DomainError


@transaction.atomic
def open_case(referral, *, link_worker, by) -> Case:
    """Open the case for an accepted referral, held by `link_worker` (same team).

    Precondition: the referral is accepted and has no case yet. Side effect: audit row.
    """
    if link_worker.team_id != referral.team_id or not has_permission(
        link_worker, Permission.WORK_CASES
    ):
        raise DomainError(
            "A case can only be assigned to a link worker in the referral's team.",
            field="assigned_to",
        )
    case = Case.objects.create(
        area_id=referral.area_id,
        team_id=referral.team_id,
        person_id=referral.person_id,
        referral=referral,
        link_worker=link_worker,
        opened_at=timezone.now(),
    )
    record_event(by, "create", case, detail={"link_worker": link_worker.username})
    return case
