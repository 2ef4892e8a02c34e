from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from people.rules import MAX_LONG_TERM_CONDITIONS, format_nhs_number


class EthnicCategory(models.TextChoices):
    """The NHS Data Dictionary's "Ethnic Category" (2001 census codes). Blank on a person
    means not recorded; Z means the person chose not to say."""

    WHITE_BRITISH = "A", "White: British"
    WHITE_IRISH = "B", "White: Irish"
    WHITE_OTHER = "C", "White: Any other White background"
    MIXED_WHITE_BLACK_CARIBBEAN = "D", "Mixed: White and Black Caribbean"
    MIXED_WHITE_BLACK_AFRICAN = "E", "Mixed: White and Black African"
    MIXED_WHITE_ASIAN = "F", "Mixed: White and Asian"
    MIXED_OTHER = "G", "Mixed: Any other mixed background"
    INDIAN = "H", "Asian or Asian British: Indian"
    PAKISTANI = "J", "Asian or Asian British: Pakistani"
    BANGLADESHI = "K", "Asian or Asian British: Bangladeshi"
    ASIAN_OTHER = "L", "Asian or Asian British: Any other Asian background"
    CARIBBEAN = "M", "Black or Black British: Caribbean"
    AFRICAN = "N", "Black or Black British: African"
    BLACK_OTHER = "P", "Black or Black British: Any other Black background"
    CHINESE = "R", "Other ethnic groups: Chinese"
    OTHER = "S", "Other ethnic groups: Any other ethnic group"
    NOT_STATED = "Z", "Not stated"


class Person(models.Model):
    """Someone referred to social prescribing. Identified by NHS number where known."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        related_name="people",
        help_text="The team whose caseload this person belongs to.",
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(
        max_length=8,
        blank=True,
        choices=[
            ("female", "Female"),
            ("male", "Male"),
            ("other", "Other"),
            ("unknown", "Not known"),
        ],
    )
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    local_identifier = models.CharField(max_length=64, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=64, blank=True, default="English")
    interpreter_needed = models.BooleanField(default=False)
    communication_needs = models.TextField(blank=True)
    access_needs = models.TextField(blank=True)
    possible_duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=(
            "A referral gave this NHS number, which another record already holds, but could "
            "not be matched to it safely; staff check and merge the two."
        ),
    )
    ethnic_category = models.CharField(
        "Ethnicity",
        max_length=1,
        blank=True,
        choices=EthnicCategory.choices,
        help_text="How the person describes their ethnicity (NHS Data Dictionary category).",
    )
    long_term_conditions = models.PositiveSmallIntegerField(
        "Number of long-term conditions",
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_LONG_TERM_CONDITIONS)],
        help_text="Leave blank when not known.",
    )
    safeguarding_flag = models.BooleanField(default=False)
    safeguarding_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [
            models.Index(fields=["area", "team", "family_name"], name="person_area_team_idx"),
            models.Index(fields=["area", "nhs_number"], name="person_area_nhs_idx"),
        ]
        constraints = [
            # One record per NHS number, except records flagged as possible duplicates of
            # it, which wait for staff to merge them.
            models.UniqueConstraint(
                fields=["nhs_number"],
                condition=~models.Q(nhs_number="") & models.Q(possible_duplicate_of__isnull=True),
                name="person_unique_nhs_number",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number)


class Consent(models.Model):
    """One thing a person agreed to (or refused), when, and who recorded it.

    Consents are enforced: a connection is not sent to an organisation without a current
    SHARE_WITH_ORGANIZATION consent naming it, and it limits the fields the partner sees.
    """

    class Kind(models.TextChoices):
        REFERRAL = "referral", "To be referred to social prescribing"
        SHARE_WITH_ORGANIZATION = "share", "To share details with a named organisation"
        SMS = "sms", "To be contacted by text message"
        EMAIL = "email", "To be contacted by email"
        RESEARCH = "research", "To anonymised use for research and evaluation"

    # The fields a partner organisation may be shown, by what the person agreed to share.
    SHAREABLE_FIELDS = (
        ("name", "Name"),
        ("phone", "Phone"),
        ("email", "Email"),
        ("address", "Address"),
        ("birth_date", "Date of birth"),
        ("access_needs", "Access and communication needs"),
        ("referral_reasons", "Reasons for referral"),
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    organization = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    shared_fields = models.JSONField(default=list, blank=True)
    given = models.BooleanField(default=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["area", "person", "kind"], name="consent_area_person_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="share") | models.Q(organization__isnull=False),
                name="share_consent_names_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({'given' if self.given else 'refused'})"

    @property
    def is_current(self) -> bool:
        return self.given and self.withdrawn_at is None
