"""Scoped reads of people. Every list of people starts here, never from Person.objects."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.permissions import Permission, has_permission
from people.models import Person


def people_for(user) -> QuerySet[Person]:
    """The people whose identifiable record `user` may see.

    Link workers and supervisors: their own team's people, and anyone referred to their
    team (a person already known to another team keeps their record there, but the team
    triaging or working their referral must be able to read it). Referrers: people they
    referred. Partners, commissioners and admins: none here (partners see consent-limited
    views of the connections sent to them, through casework.queries).
    """
    from referrals.models import Referral

    qs = Person.objects.select_related("team", "area")
    if has_permission(user, Permission.VIEW_TEAM_PEOPLE) and user.team_id:
        referred_here = Referral.objects.filter(team_id=user.team_id).values("person_id")
        return qs.filter(
            Q(area_id=user.team.area_id, team_id=user.team_id) | Q(pk__in=referred_here)
        )
    if has_permission(user, Permission.VIEW_OWN_REFERRALS):
        referred_by_user = Referral.objects.filter(referrer=user).values("person_id")
        return qs.filter(pk__in=referred_by_user)
    return qs.none()
