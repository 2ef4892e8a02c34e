from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Timepoint(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    WEEK_6 = "week_6", "6 weeks"
    WEEK_12 = "week_12", "12 weeks"
    DISCHARGE = "discharge", "Discharge"
    POST_DISCHARGE = "post_discharge", "Months after discharge"
    OTHER = "other", "Other"


class Response(models.Model):
    """One completed questionnaire with its score, exactly as scored at the time."""

    class Via(models.TextChoices):
        LINK_WORKER = "link_worker", "With the link worker"
        ONE_TIME_LINK = "one_time_link", "By the person, on a one-time link"
        API = "api", "API"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="outcome_responses"
    )
    case = models.ForeignKey(
        "casework.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outcome_responses",
    )
    instrument = models.CharField(max_length=32)
    instrument_version = models.CharField(max_length=16)
    timepoint = models.CharField(max_length=16, choices=Timepoint.choices, default=Timepoint.OTHER)
    answers = models.JSONField()
    raw = models.JSONField(null=True)
    score = models.JSONField(null=True)
    band = models.JSONField(null=True, blank=True)
    domains = models.JSONField(default=dict, blank=True)
    via = models.CharField(max_length=16, choices=Via.choices)
    completed_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["completed_at"]
        indexes = [
            models.Index(
                fields=["area", "person", "instrument", "completed_at"], name="response_person_idx"
            ),
            models.Index(fields=["area", "case", "timepoint"], name="response_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} on {self.completed_at:%Y-%m-%d}"


class OneTimeLink(models.Model):
    """A single-use, expiring link for the person to answer one questionnaire without
    logging in. Only the token's SHA-256 hash is stored."""

    class Channel(models.TextChoices):
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="+")
    instrument = models.CharField(max_length=32)
    timepoint = models.CharField(max_length=16, choices=Timepoint.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    # None when the scheduled follow-up after discharge sent it (outcomes.follow_up).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    response = models.OneToOneField(
        Response, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["area", "case"], name="onetimelink_case_idx")]

    def __str__(self) -> str:
        return f"{self.instrument} link ({self.get_channel_display()})"


class HealthcareUse(models.Model):
    """Healthcare events, for comparing the six months before referral with those after."""

    class Kind(models.TextChoices):
        GP_APPOINTMENT = "gp_appointment", "GP appointment"
        AE_ATTENDANCE = "ae_attendance", "A&E attendance"
        EMERGENCY_ADMISSION = "emergency_admission", "Emergency admission"
        OUTPATIENT = "outpatient", "Outpatient visit"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="healthcare_use"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    occurred_on = models.DateField()
    count = models.PositiveSmallIntegerField(default=1)
    source = models.CharField(max_length=64, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_on"]
        indexes = [
            models.Index(fields=["area", "person", "occurred_on"], name="healthcareuse_person_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "occurred_on", "source"],
                name="healthcare_use_once_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}"


class TeamFollowUp(models.Model):
    """How many months after discharge a team's people are asked to answer their measures
    again (outcomes.follow_up). A team without a row uses
    settings.POST_DISCHARGE_FOLLOW_UP_MONTHS (3); 0 turns the follow-up off for the team."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="+")
    months_after_discharge = models.PositiveSmallIntegerField(
        default=3,
        help_text="Months after discharge when the follow-up measure falls due (0 = none).",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(months_after_discharge__lte=24),
                name="follow_up_within_two_years",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.months_after_discharge} months after discharge"


class ReferrerFeedback(models.Model):
    """The referrer's answers to the experience questions (outcomes.experience) about one
    referral, given once on their referral page after the case is discharged."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="referrer_feedback"
    )
    answers = models.JSONField()
    version = models.CharField(max_length=16)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Referrer feedback on {self.given_at:%Y-%m-%d}"
