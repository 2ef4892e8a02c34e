"""Scoped reads for case work. Every caseload, case list and partner queue starts here."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.permissions import Permission, has_permission
from casework.models import Case, Connection, Contact, SafeguardingConcern
from people.consent import fields_shared_with


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


def caseload_for(user, *, mine_only: bool = True) -> QuerySet[Case]:
    qs = cases_for(user).filter(status=Case.Status.OPEN)
    if mine_only:
        qs = qs.filter(link_worker=user)
    return qs.order_by("person__family_name", "person__given_name")


def connections_awaiting_answer_for(user, *, sent_before: dt.datetime) -> QuerySet[Connection]:
    """Connections on `user`'s own caseload sent to an organisation before `sent_before`
    and still without its answer, oldest first."""
    return (
        Connection.objects.filter(
            case__in=caseload_for(user), status=Connection.Status.SENT, sent_at__lt=sent_before
        )
        .select_related("service", "case__person")
        .order_by("sent_at")
    )


def follow_ups_due_for(user, *, today, horizon_days: int = 7, team_wide: bool = False):
    """Open cases of `user` whose latest contact set a follow-up due by today+horizon.

    Only the latest contact of each case counts: a later contact replaces the follow-up
    that an earlier one asked for.
    """
    latest = Contact.objects.filter(case=OuterRef("pk")).order_by("-happened_on", "-recorded_at")
    return (
        caseload_for(user, mine_only=not team_wide)
        .annotate(follow_up_due=Subquery(latest.values("follow_up_due")[:1]))
        .filter(follow_up_due__isnull=False, follow_up_due__lte=today + dt.timedelta(horizon_days))
        .order_by("follow_up_due")
    )


def open_concerns_for(user, *, team_wide: bool = False):
    """Safeguarding concerns not yet reviewed, oldest first: on `user`'s own cases, or on any
    case of their team (supervisors). Discharged cases count: a concern outlives the case."""
    qs = SafeguardingConcern.objects.filter(case__in=cases_for(user), reviewed_at__isnull=True)
    if not team_wide:
        qs = qs.filter(case__link_worker=user)
    return qs.select_related("case__person", "case__link_worker", "entered_by").order_by(
        "raised_at"
    )


def shared_person_view(connection: Connection) -> dict:
    """What the partner organisation may see of the person: only the consented fields."""
    person = connection.case.person
    allowed = set(fields_shared_with(person, connection.organization_id))
    view: dict = {}
    if "name" in allowed:
        view["Name"] = person.full_name
    if "phone" in allowed:
        view["Phone"] = person.phone
    if "email" in allowed:
        view["Email"] = person.email
    if "address" in allowed:
        view["Address"] = ", ".join(p for p in (person.address, person.postcode) if p)
    if "birth_date" in allowed and person.birth_date:
        view["Date of birth"] = person.birth_date.strftime("%-d %B %Y")
    if "access_needs" in allowed:
        needs = "; ".join(p for p in (person.access_needs, person.communication_needs) if p)
        view["Access and communication needs"] = needs or "None recorded"
    if "referral_reasons" in allowed:
        view["Reasons for referral"] = ", ".join(connection.case.referral.reason_labels)
    return view
