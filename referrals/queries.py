"""Scoped reads of referrals."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.permissions import Permission, has_permission
from referrals.models import Referral


def referrals_for(user) -> QuerySet[Referral]:
    """Referrals `user` may see: their team's (case work roles), or the ones they made."""
    qs = Referral.objects.select_related("person", "team", "referrer", "assigned_to")
    scope = Q(pk__in=[])
    if has_permission(user, Permission.TRIAGE_REFERRALS) and user.team_id:
        scope |= Q(area_id=user.team.area_id, team_id=user.team_id)
    if has_permission(user, Permission.VIEW_OWN_REFERRALS):
        scope |= Q(referrer=user)
    return qs.filter(scope)


def triage_queue_for(user) -> QuerySet[Referral]:
    if not (has_permission(user, Permission.TRIAGE_REFERRALS) and user.team_id):
        return Referral.objects.none()
    return (
        referrals_for(user)
        .filter(team_id=user.team_id, status=Referral.Status.RECEIVED)
        .order_by("-urgency", "received_at")
    )


def open_referral_for_person(person) -> Referral | None:
    """The person's open referral, if any (used for duplicate detection; not user-scoped)."""
    return (
        Referral.objects.filter(person=person, status__in=Referral.OPEN_STATUSES)
        .order_by("received_at")
        .first()
    )
