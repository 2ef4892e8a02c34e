from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.permissions import Permission, has_permission
from referrals.models import Referral
from referrals.queries import referrals_for


def get_referral_for_user(user, referral_id, *, for_triage: bool = False) -> Referral:
    try:
        referral = referrals_for(user).get(pk=referral_id)
    except (Referral.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such referral.") from None
    if for_triage and not (
        has_permission(user, Permission.TRIAGE_REFERRALS) and referral.team_id == user.team_id
    ):
        raise PermissionDenied("You can see this referral but not triage it.")
    return referral
