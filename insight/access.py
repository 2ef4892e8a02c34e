"""Who may read insight's aggregates, and over what: the one scope rule for the
dashboards, gaps, exports and the evaluation.

A supervisor counts over their team; a commissioner over their team's area (or every area
when their account has no team); an administrator over everything. Everyone else may not
read insight at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from accounts.models import Area, Team
from accounts.permissions import Permission, has_permission


@dataclass(frozen=True)
class Scope:
    """What one reader may count: a team, an area, or everything (both None)."""

    area_id: int | None = None
    team_id: int | None = None


def can_view_dashboards(user) -> bool:
    return has_permission(user, Permission.VIEW_DASHBOARDS)


def scope_for(user) -> Scope:
    """The widest scope the user may count over; PermissionDenied for everyone else."""
    if not can_view_dashboards(user):
        raise PermissionDenied
    if has_permission(user, Permission.SUPERVISE):
        if not user.team_id:
            raise PermissionDenied
        return Scope(area_id=user.team.area_id, team_id=user.team_id)
    if has_permission(user, Permission.MANAGE_USERS) or not user.team_id:
        return Scope()
    return Scope(area_id=user.team.area_id)


def teams_in(scope: Scope):
    """The teams a reader may filter by (practices do not hold caseloads)."""
    teams = Team.objects.exclude(kind=Team.Kind.PRACTICE).select_related("area")
    if scope.team_id:
        return teams.filter(pk=scope.team_id)
    if scope.area_id:
        return teams.filter(area_id=scope.area_id)
    return teams


def areas_in(scope: Scope):
    areas = Area.objects.order_by("name")
    return areas.filter(pk=scope.area_id) if scope.area_id else areas
