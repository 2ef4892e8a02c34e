"""Scoped reads of people. Every list of people starts here, never from Person.objects."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.permissions import Permission, has_permission
from people.models import Person


def people_for(user) -> QuerySet[Person]:
    """The people whose identifiable record `user` may see.

    Link workers and supervisors: their own team's people. Referrers: people they referred.
    Partners, commissioners and admins: none here (partners see consent-limited views of
    the connections sent to them, through casework.queries).
    """
    qs = Person.objects.select_related("team", "area")
    if has_permission(user, Permission.VIEW_TEAM_PEOPLE) and user.team_id:
        return qs.filter(area_id=user.team.area_id, team_id=user.team_id)
    if has_permission(user, Permission.VIEW_OWN_REFERRALS):
        return qs.filter(referrals__referrer=user).distinct()
    return qs.none()
