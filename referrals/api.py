"""JSON API for referrals: /api/v1/referrals and /api/v1/referral-reasons."""

# No `from __future__ import annotations` here: @paginate re-wraps a view, and ninja then
# resolves string annotations in its own module, where `Query` and our schemas are unknown
# (the OpenAPI document and GET /referrals answered 500).
import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accounts.permissions import Permission, has_permission
from audit.actions import record_access
from audit.lists import audited_pages
from people.access import get_person_for_user
from referrals import routing
from referrals.access import get_referral_for_user
from referrals.actions import refer_person
from referrals.models import Referral
from referrals.queries import referrals_for
from referrals.reasons import SNOMED_FOR_REASON, Reason
from referrals.schemas import (
    PersonIn,
    ReferralFilter,
    ReferralIn,
    ReferralOut,
    ReferralReasonOut,
    TeamOut,
)
from socialrx.errors import DomainError

router = Router(tags=["referrals"])


@router.get("/referral-reasons", response=list[ReferralReasonOut], auth=None)
def referral_reasons(request):
    """The coded reasons a referral may give (public: it is a vocabulary, not data)."""
    out = []
    for reason in Reason:
        snomed = SNOMED_FOR_REASON.get(reason)
        out.append(
            {
                "code": reason.value,
                "label": reason.label,
                "snomed_code": snomed[0] if snomed else None,
                "snomed_display": snomed[1] if snomed else None,
            }
        )
    return out


@router.get("/referral-teams", response=list[TeamOut])
def referral_teams(request):
    """The social prescribing teams your referrals can go to (the ones serving your
    practice). With several, name one as `team` in POST /api/v1/referrals."""
    if not has_permission(request.user, Permission.REFER):
        raise PermissionDenied("Your role cannot make referrals.")
    return routing.teams_serving(request.user.team)


class PersonNotFound(DomainError):
    status_code = 404


@router.post(
    "/referrals",
    response={201: ReferralOut, 400: dict, 403: dict, 404: dict, 409: dict, 413: dict, 422: dict},
)
def create_referral(request, payload: ReferralIn):
    """Refer a person to the social prescribing team serving your practice (`team` chooses
    when several do; 409 when none does). 409 (with existing_referral_id) when they already
    have an open referral you can see, unless confirm_duplicate is true; 409 too when the
    NHS number belongs to someone you referred before with a different name or date of
    birth. Any other match is flagged for the receiving team, never reported back."""
    user = request.user
    if not has_permission(user, Permission.REFER):
        raise PermissionDenied("Your role cannot make referrals.")
    team = routing.choose_team(routing.teams_serving(user.team), payload.team)
    person = None
    person_fields = None
    if payload.person.id is not None:
        try:
            person = get_person_for_user(user, payload.person.id)
        except Http404:
            raise PersonNotFound(
                "No person with this id is known to you. Send the person's details instead.",
                field="person.id",
            ) from None
    else:
        person_fields = payload.person.new_person_fields()
    try:
        referral = refer_person(
            team=team,
            source=Referral.Source.API,
            by=user,
            reasons=payload.reasons,
            notes=payload.notes,
            urgency=payload.urgency,
            person=person,
            person_fields=person_fields,
            confirm_duplicate=payload.confirm_duplicate,
        )
    except DomainError as exc:
        # Actions name fields of the person bare ("nhs_number"); callers sent them nested.
        if exc.field in PersonIn.model_fields:
            exc.field = f"person.{exc.field}"
        raise
    return Status(201, referral)


@router.get("/referrals", response=list[ReferralOut])
@paginate(audited_pages("referrals.referrals"), page_size=50)
def list_referrals(request, filters: Query[ReferralFilter]):
    """Your team's referrals (case work roles) or the ones you made (referrers), newest
    first; filter with ?status=received|accepted|declined|redirected|closed."""
    qs = referrals_for(request.user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs.order_by("-received_at", "pk")


@router.get("/referrals/{referral_id}", response=ReferralOut)
def get_referral(request, referral_id: uuid.UUID):
    """One referral you may see (404 otherwise). Audited."""
    referral = get_referral_for_user(request.user, referral_id)
    record_access(request.user, referral)
    return referral
