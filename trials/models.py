"""A randomised waiting-list trial, the people asked to take part, and the concealed
allocation blocks. Allocations and consent decisions are written once and never changed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Factor(models.TextChoices):
    """What a trial may stratify by: few, coarse groups, so each stratum fills its blocks."""

    AGE = "age", "Age when referred (under 40, 40 to 64, 65 and over)"
    SEX = "sex", "Sex (female, male, other or not known)"
    REASON = "reason", "Main reason for referral (loneliness, low mood or anxiety, other)"


class Arm(models.TextChoices):
    NOW = "now", "Start now"
    WAIT = "wait", "Wait"


class Trial(models.Model):
    """One team's waiting-list trial over a period. On from `switched_on_at` until a
    commissioner switches it off or its last day passes."""

    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="trials")
    name = models.CharField(max_length=120)
    starts_on = models.DateField(help_text="Referrals accepted from this day are asked.")
    ends_on = models.DateField(help_text="Referrals accepted after this day are not asked.")
    delay_weeks = models.PositiveSmallIntegerField(
        help_text="How long the 'wait' arm waits, from the day the referral was received."
    )
    ratio_now = models.PositiveSmallIntegerField(default=1)
    ratio_wait = models.PositiveSmallIntegerField(default=1)
    stratify_by = models.JSONField(default=list, blank=True, help_text="Codes from Factor.")
    switched_on_at = models.DateTimeField()
    switched_on_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    switched_off_at = models.DateTimeField(null=True, blank=True)
    switched_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="trial_period_in_order"
            ),
            models.CheckConstraint(
                condition=Q(delay_weeks__gte=1, delay_weeks__lte=52), name="trial_delay_1_to_52"
            ),
            models.CheckConstraint(
                condition=Q(
                    ratio_now__gte=1, ratio_now__lte=3, ratio_wait__gte=1, ratio_wait__lte=3
                ),
                name="trial_ratio_1_to_3",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ratio(self) -> str:
        return f"{self.ratio_now}:{self.ratio_wait}"

    @property
    def factor_labels(self) -> list[str]:
        return [str(Factor(code).label) for code in self.stratify_by]


class AllocationBlock(models.Model):
    """One permuted block of a stratum: the concealed order of arms, drawn when the stratum
    needs its next block. Never shown on any page or API; read one place at a time, after
    consent, by trials.actions.record_consent."""

    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="blocks")
    stratum = models.CharField(max_length=120)
    number = models.PositiveIntegerField()
    sequence = models.JSONField(help_text="Arm codes, in allocation order.")
    used = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["trial", "stratum", "number"], name="allocation_block_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Block {self.number} of stratum {self.stratum}"


class Participant(models.Model):
    """A referral asked to take part: the consent decision and, when the person agreed, the
    allocation. Written once; refuses updates and deletes (an allocation is never changed)."""

    class Consent(models.TextChoices):
        GIVEN = "given", "Agreed to take part"
        DECLINED = "declined", "Did not agree (normal care)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="participants")
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="trial_participant"
    )
    consent = models.CharField(max_length=8, choices=Consent.choices)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    arm = models.CharField(max_length=4, choices=Arm.choices, blank=True)
    stratum = models.CharField(max_length=120, blank=True)
    block = models.ForeignKey(
        AllocationBlock, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    wait_ends_on = models.DateField(
        null=True,
        blank=True,
        help_text="Received + the trial's delay: when the 'wait' arm's contact starts, and "
        "the end of the comparison window for both arms.",
    )

    class Meta:
        ordering = ["recorded_at"]
        indexes = [models.Index(fields=["trial", "arm"], name="participant_trial_arm_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(consent="declined", arm="", block__isnull=True)
                    | (Q(consent="given", arm__in=["now", "wait"]) & Q(block__isnull=False))
                ),
                name="participant_allocated_only_with_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_consent_display()}: {self.get_arm_display() or 'not allocated'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("A trial allocation is final; it cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("A trial allocation is final; it cannot be deleted.")

    @property
    def waits(self) -> bool:
        return self.arm == Arm.WAIT
