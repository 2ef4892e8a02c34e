"""Reading trials for case work: is this case waiting for a consent decision, and what was
decided. Never reads an allocation block."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Exists
from django.utils import timezone

from referrals.models import Referral
from trials.models import Participant, Trial

if TYPE_CHECKING:
    from casework.models import Case


def pending_trial_for(case: Case, *, today: dt.date | None = None) -> Trial | None:
    """The trial whose consent question this case is waiting for, or None. Eligible: a
    routine referral of the trial's team whose case was opened while the trial was on
    (after it was switched on, within its period, before it was switched off), no decision
    recorded yet, the case still open and the trial still on today."""
    today = today or timezone.localdate()
    if not case.is_open or case.referral.urgency != Referral.Urgency.ROUTINE:
        return None
    opened_on = timezone.localdate(case.opened_at)
    return (
        Trial.objects.filter(
            team_id=case.team_id,
            switched_on_at__lte=case.opened_at,
            starts_on__lte=opened_on,
            ends_on__gte=max(opened_on, today),
            switched_off_at__isnull=True,
        )
        .exclude(Exists(Participant.objects.filter(referral_id=case.referral_id)))
        .order_by("starts_on", "pk")
        .first()
    )


def participant_for(case: Case) -> Participant | None:
    return Participant.objects.filter(referral_id=case.referral_id).select_related("trial").first()


def waits_for(referral_ids: Iterable[Any]) -> dict[Any, dt.date | None]:
    """referral id -> the day contact starts, for those allocated to wait. 1 query."""
    return dict(
        Participant.objects.filter(referral_id__in=list(referral_ids), arm="wait").values_list(
            "referral_id", "wait_ends_on"
        )
    )
