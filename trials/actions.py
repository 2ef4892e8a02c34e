"""Every write of trial mode, each atomic with its audit row: switching a trial on and off,
and recording a person's consent decision, which allocates them when they agreed."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from audit.actions import record_event
from socialrx.errors import Conflict, DomainError
from trials import rules
from trials.models import AllocationBlock, Factor, Participant, Trial

if TYPE_CHECKING:
    from accounts.models import Team, User
    from casework.models import Case


def random_source() -> random.Random:
    """Where allocations come from: the operating system's cryptographic source. Tests
    replace this function to get a seeded, repeatable sequence; nothing else does."""
    return secrets.SystemRandom()


@transaction.atomic
def switch_on(
    *,
    by: User,
    team: Team,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    delay_weeks: int,
    ratio_now: int = 1,
    ratio_wait: int = 1,
    stratify_by: list[str] | None = None,
    today: dt.date | None = None,
) -> Trial:
    """Switch trial mode on for `team` over [starts_on, ends_on]. The caller has checked
    that `by` may run trials for `team` (trials.access.teams_for). Refuses a period that
    ends before it starts or has already ended, an overlap with another trial of the team
    that is still on, and values out of range."""
    today = today or timezone.localdate()
    factors = list(dict.fromkeys(stratify_by or []))
    if any(code not in Factor.values for code in factors):
        raise DomainError("Choose stratification factors from the list.", field="stratify_by")
    if not name.strip():
        raise DomainError("Enter a name for the trial.", field="name")
    if ends_on < starts_on:
        raise DomainError(
            "The last day must be the same as or after the first day.", field="ends_on"
        )
    if ends_on < today:
        raise DomainError("The last day must be today or in the future.", field="ends_on")
    if not 1 <= delay_weeks <= 52:
        raise DomainError("The wait must be between 1 and 52 weeks.", field="delay_weeks")
    for value, field in ((ratio_now, "ratio_now"), (ratio_wait, "ratio_wait")):
        if not 1 <= value <= 3:
            raise DomainError("Each share of the allocation ratio must be 1, 2 or 3.", field=field)
    running = Trial.objects.select_for_update().filter(team=team, switched_off_at__isnull=True)
    for other in running:
        if rules.overlaps(starts_on, ends_on, other.starts_on, other.ends_on):
            raise Conflict(
                f"{team} already has a trial on from {other.starts_on:%-d %B %Y} to "
                f"{other.ends_on:%-d %B %Y} ({other.name}); switch it off first or choose "
                "a period that does not overlap.",
                field="starts_on",
            )
    trial = Trial.objects.create(
        area_id=team.area_id,
        team=team,
        name=name.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        delay_weeks=delay_weeks,
        ratio_now=ratio_now,
        ratio_wait=ratio_wait,
        stratify_by=factors,
        switched_on_at=timezone.now(),
        switched_on_by=by,
    )
    record_event(
        by,
        "create",
        trial,
        detail={
            "team": team.pk,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "delay_weeks": delay_weeks,
            "ratio": trial.ratio,
            "stratify_by": factors,
        },
    )
    return trial


@transaction.atomic
def switch_off(trial: Trial, *, by: User) -> Trial:
    """Switch a trial off: no referral is asked or allocated from now on. Allocations made
    stay as they are (the wait arm keeps its start date)."""
    trial = Trial.objects.select_for_update().get(pk=trial.pk)
    if trial.switched_off_at is not None:
        raise Conflict("This trial is already switched off.")
    trial.switched_off_at = timezone.now()
    trial.switched_off_by = by
    trial.save(update_fields=["switched_off_at", "switched_off_by"])
    record_event(by, "change", trial, detail={"switched_off": True})
    return trial


def _next_arm(trial: Trial, stratum: str) -> tuple[AllocationBlock, str]:
    """The next arm of the stratum's current block, drawing a new block when it is used
    up. The caller holds the trial's row lock, so allocations in a trial run one at a time."""
    block = AllocationBlock.objects.filter(trial=trial, stratum=stratum).order_by("-number").first()
    if block is None or block.used >= len(block.sequence):
        block = AllocationBlock.objects.create(
            trial=trial,
            stratum=stratum,
            number=(block.number + 1) if block else 1,
            sequence=rules.new_block(trial.ratio_now, trial.ratio_wait, random_source()),
        )
    arm = block.sequence[block.used]
    block.used += 1
    block.save(update_fields=["used"])
    return block, arm


@transaction.atomic
def record_consent(case: Case, *, trial: Trial, consented: bool, by: User) -> Participant:
    """Record whether the person agreed to take part in `trial` and, if they did, allocate
    them: the arm is drawn from the stratum's concealed block only now, after consent, and
    is final. Without consent nothing is drawn: normal care, recorded as declined.

    The caller has checked `by` may work the case and that the trial is the one the case is
    waiting for (trials.queries.pending_trial_for). Raises Conflict when a decision is
    already recorded (an allocation is never changed) or the trial has been switched off."""
    trial = Trial.objects.select_for_update().get(pk=trial.pk)
    referral = case.referral
    if (
        case.team_id != trial.team_id
        or not case.is_open
        or referral.urgency != referral.Urgency.ROUTINE
    ):
        raise DomainError("This referral is not eligible for this trial.")
    if Participant.objects.filter(referral_id=referral.pk).exists():
        raise Conflict(
            "A decision about this trial is already recorded for this referral; an "
            "allocation can never be changed."
        )
    if trial.switched_off_at is not None or trial.ends_on < timezone.localdate():
        raise Conflict("This trial has been switched off; carry on with normal care.")
    now = timezone.now()
    common = {
        "area_id": case.area_id,
        "person_id": case.person_id,
        "trial": trial,
        "referral": referral,
        "recorded_at": now,
        "recorded_by": by,
    }
    if not consented:
        participant = Participant.objects.create(consent=Participant.Consent.DECLINED, **common)
        record_event(by, "create", participant, detail={"trial": trial.pk, "consent": "declined"})
        return participant
    person = case.person
    received_on = timezone.localdate(referral.received_at)
    stratum = rules.stratum_of(
        trial.stratify_by,
        birth_date=person.birth_date,
        sex=person.sex,
        reasons=referral.reasons,
        received_on=received_on,
    )
    block, arm = _next_arm(trial, stratum)
    participant = Participant.objects.create(
        consent=Participant.Consent.GIVEN,
        arm=arm,
        stratum=stratum,
        block=block,
        wait_ends_on=rules.wait_ends_on(received_on, trial.delay_weeks),
        **common,
    )
    record_event(
        by,
        "create",
        participant,
        detail={"trial": trial.pk, "consent": "given", "arm": arm, "stratum": stratum},
    )
    return participant
