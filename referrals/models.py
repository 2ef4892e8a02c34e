from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models

from referrals import rules
from referrals.reasons import Reason, reason_label


class Referral(models.Model):
    class Source(models.TextChoices):
        CLINICIAN = "clinician", "Clinician (web form)"
        AGENCY = "agency", "Other agency"
        SELF = "self", "Self-referral"
        API = "api", "API"
        FHIR = "fhir", "FHIR"

    class Urgency(models.TextChoices):
        ROUTINE = "routine", "Routine"
        URGENT = "urgent", "Urgent"

    Status = rules.ReferralStatus  # declared with the triage moves that change it

    OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        related_name="referrals",
        help_text="The team that receives and triages this referral.",
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="referrals")
    source = models.CharField(max_length=12, choices=Source.choices)
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_organisation = models.CharField(max_length=200, blank=True)
    reasons = models.JSONField(default=list, help_text=f"Codes from {Reason.__name__}.")
    notes = models.TextField(blank=True)
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.ROUTINE)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    decline_reason = models.TextField(blank=True)
    redirected_to = models.CharField(max_length=200, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_assigned",
    )
    possible_duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField()
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_contact_at = models.DateTimeField(null=True, blank=True)
    person_details_given = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            "When the referral matched a person already known, the details the referrer gave "
            "that differ from the record (for triage to check and update)."
        ),
    )
    person_details_sent = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            "Who the referrer said the referral is about, as sent (name, date of birth, NHS "
            "number): what a referrer is shown, never the record it was filed against."
        ),
    )
    local_identifier = models.CharField(
        max_length=64,
        blank=True,
        help_text="The reference another system knew this referral by (kept by an import, "
        "so importing the same records again finds it).",
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(
                fields=["area", "team", "status", "received_at"], name="referral_queue_idx"
            ),
            models.Index(fields=["area", "person", "status"], name="referral_person_idx"),
            models.Index(fields=["area", "referrer", "received_at"], name="referral_referrer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=rules.DECLINED) | ~models.Q(decline_reason=""),
                name="declined_referral_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=rules.REDIRECTED) | ~models.Q(redirected_to=""),
                name="redirected_referral_names_destination",
            ),
            models.UniqueConstraint(
                fields=["area", "team", "local_identifier"],
                condition=~models.Q(local_identifier=""),
                name="referral_unique_local_identifier",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral of {self.person} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def reason_labels(self) -> list[str]:
        return [reason_label(code) for code in self.reasons]

    @property
    def sent_name(self) -> str:
        """The person's name as the referrer sent it."""
        sent = self.person_details_sent
        return " ".join(p for p in (sent.get("given_name"), sent.get("family_name")) if p)

    @property
    def sent_birth_date(self):
        """The date of birth as the referrer sent it (a date), or None."""
        value = self.person_details_sent.get("birth_date")
        try:
            return dt.date.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            return None

    @property
    def days_to_first_contact(self) -> float | None:
        if self.first_contact_at is None:
            return None
        return (self.first_contact_at - self.received_at).total_seconds() / 86400
