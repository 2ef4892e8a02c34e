"""Scoped reads for case work. Every caseload, case list and partner queue starts here."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.permissions import Permission, has_permission
from casework.models import Case, Connection


def cases_for(user) -> QuerySet[Case]:
    """Cases in `user`'s team (link workers see their whole team's, as cover is normal)."""
    if not (has_permission(user, Permission.WORK_CASES) and user.team_id):
        return Case.objects.none()
    return Case.objects.select_related("person", "link_worker", "referral").filter(
        area_id=user.team.area_id, team_id=user.team_id
    )


def connections_for_partner(user) -> QuerySet[Connection]:
    """Connections sent to the partner's organisation (never ones still only proposed)."""
    if not (has_permission(user, Permission.HANDLE_CONNECTIONS) and user.organization_id):
        return Connection.objects.none()
    return (
        Connection.objects.select_related("service", "case__person")
        .filter(organization_id=user.organization_id)
        .exclude(status=Connection.Status.PROPOSED)
    )
