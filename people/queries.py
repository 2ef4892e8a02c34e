"""Scoped reads of people. Every list of people starts here, never from Person.objects."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.permissions import Permission, has_permission
from people.models import Consent, Person


def people_for(user) -> QuerySet[Person]:
    """The people whose identifiable record `user` may see.

    Link workers and supervisors: their own team's people, and anyone referred to their
    team (referrals.actions files a referral against a record of another team only once
    staff have merged the two, so this never widens by itself). Referrers, partners,
    commissioners and admins: none. A referrer sees only what they sent with each referral
    and its outcome (referrals.queries), never the record it was filed against; partners
    see consent-limited views of the connections sent to them (casework.queries).
    """
    qs = Person.objects.select_related("team", "area")
    if has_permission(user, Permission.VIEW_TEAM_PEOPLE) and user.team_id:
        # Through the referrals' foreign key to the person: people sits below referrals and
        # imports none of its code.
        referred_here = Person.objects.filter(referrals__team_id=user.team_id).values("pk")
        return qs.filter(
            Q(area_id=user.team.area_id, team_id=user.team_id) | Q(pk__in=referred_here)
        )
    return qs.none()


def consents_of(person: Person) -> QuerySet[Consent]:
    """Every consent the person gave or withdrew, with who recorded it."""
    return person.consents.select_related("organization", "recorded_by")


def duplicates_to_check_for(user) -> QuerySet[Person]:
    """Records flagged as possible duplicates of people in `user`'s team, for a supervisor
    of that team to merge or keep apart (newest first)."""
    if not (has_permission(user, Permission.SUPERVISE) and user.team_id):
        return Person.objects.none()
    own = people_for(user).filter(team_id=user.team_id)
    return (
        Person.objects.filter(possible_duplicate_of__in=own)
        .select_related("team", "possible_duplicate_of")
        .order_by("-created_at")
    )
