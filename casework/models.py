from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from casework import rules

# The instrument catalogue is data with no imports of its own; a concern names the
# instrument and the disclosure its answers made (the one edge from casework to outcomes,
# allowed in pyproject's import contracts).
from outcomes.instruments import all_instruments, disclosure_labels


class Case(models.Model):
    Status = rules.CaseStatus

    class DischargeReason(models.TextChoices):
        GOALS_MET = "goals_met", "Goals met"
        CONNECTED = "connected", "Connected to community support; no further help needed"
        DECLINED_SUPPORT = "declined_support", "Person no longer wants support"
        NO_CONTACT = "no_contact", "Could not be contacted"
        REFERRED_ELSEWHERE = "referred_elsewhere", "Needs better met by another service"
        MOVED_AWAY = "moved_away", "Moved out of area"
        DIED = "died", "Died"
        OTHER = "other", "Other"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="cases")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="case"
    )
    link_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    plan_agreed_at = models.DateTimeField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharge_reason = models.CharField(max_length=24, choices=DischargeReason.choices, blank=True)
    discharge_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["area", "team", "status"], name="case_area_team_idx"),
            models.Index(fields=["area", "link_worker", "status"], name="case_worker_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=rules.CaseStatus.DISCHARGED)
                | (models.Q(discharged_at__isnull=False) & ~models.Q(discharge_reason="")),
                name="discharged_case_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Case for {self.person}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Barrier(models.TextChoices):
    TRANSPORT = "transport", "Transport"
    MOBILITY = "mobility", "Mobility"
    COST = "cost", "Cost"
    CONFIDENCE = "confidence", "Confidence"
    CARING = "caring", "Caring duties"
    LANGUAGE = "language", "Language"
    DIGITAL = "digital", "Digital access"


class Weekday(models.TextChoices):
    MON = "mon", "Monday"
    TUE = "tue", "Tuesday"
    WED = "wed", "Wednesday"
    THU = "thu", "Thursday"
    FRI = "fri", "Friday"
    SAT = "sat", "Saturday"
    SUN = "sun", "Sunday"


class TimeOfDay(models.TextChoices):
    MORNING = "morning", "Morning"
    AFTERNOON = "afternoon", "Afternoon"
    EVENING = "evening", "Evening"


class Conversation(models.Model):
    """The "what matters to me" conversation. The latest one is the person's current profile."""

    class Setting(models.TextChoices):
        GROUP = "group", "In a group"
        ONE_TO_ONE = "one_to_one", "One-to-one"
        EITHER = "either", "Either"

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"
        EITHER = "either", "Either"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="conversations")
    held_on = models.DateField()
    what_matters = models.TextField(help_text="In the person's own words.")
    strengths = models.TextField(blank=True)
    interests = models.TextField(blank=True)
    barriers = models.JSONField(default=list, blank=True, help_text="Codes from Barrier.")
    barriers_notes = models.TextField(blank=True)
    preferred_days = models.JSONField(default=list, blank=True, help_text="Codes from Weekday.")
    preferred_times = models.JSONField(default=list, blank=True, help_text="From TimeOfDay.")
    setting = models.CharField(max_length=12, choices=Setting.choices, default=Setting.EITHER)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.EITHER)
    max_travel_km = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-recorded_at"]
        indexes = [models.Index(fields=["area", "case"], name="conversation_area_case_idx")]

    def __str__(self) -> str:
        return f"Conversation on {self.held_on}"


class Goal(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        ACHIEVED = "achieved", "Achieved"
        PARTLY = "partly", "Partly achieved"
        NOT_ACHIEVED = "not_achieved", "Not achieved"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField(help_text="The goal in the person's own words.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["area", "case"], name="goal_area_case_idx")]

    def __str__(self) -> str:
        return self.text


class PlanAction(models.Model):
    """A step in the plan: who does what by when."""

    class Owner(models.TextChoices):
        PERSON = "person", "The person"
        LINK_WORKER = "link_worker", "Link worker"
        OTHER = "other", "Someone else"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="actions")
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    description = models.TextField()
    owner = models.CharField(max_length=12, choices=Owner.choices, default=Owner.PERSON)
    owner_name = models.CharField(max_length=120, blank=True)
    due_date = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "created_at"]
        indexes = [models.Index(fields=["area", "case"], name="planaction_area_case_idx")]

    def __str__(self) -> str:
        return self.description


class Connection(models.Model):
    """A social prescription: this person, to this service."""

    Status = rules.ConnectionStatus  # declared with the state machine that moves it

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="connections")
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="connections"
    )
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="connections",
        help_text="Copied from the service so partners' queues are one indexed lookup.",
    )
    goal = models.ForeignKey(
        Goal, null=True, blank=True, on_delete=models.SET_NULL, related_name="connections"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED)
    note_to_partner = models.TextField(blank=True)
    decline_reason = models.TextField(blank=True)
    drop_reason = models.TextField(blank=True)
    accompanied_first_visit = models.BooleanField(default=False)
    proposed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    first_attended_on = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    independent_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set at discharge: the person carries on with the service without the link "
        "worker. The organisation can still record attendance and how it ends.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-proposed_at"]
        indexes = [
            models.Index(fields=["area", "case"], name="connection_area_case_idx"),
            models.Index(fields=["area", "organization", "status"], name="connection_partner_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=rules.DECLINED) | ~models.Q(decline_reason=""),
                name="declined_connection_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=rules.DROPPED) | ~models.Q(drop_reason=""),
                name="dropped_connection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} ({self.get_status_display()})"

    @property
    def continues_independently(self) -> bool:
        """Carried on past the person's discharge and not ended since."""
        return self.independent_since is not None and self.ended_at is None


class Contact(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        PHONE = "phone", "Phone"
        VIDEO = "video", "Video"
        MESSAGE = "message", "Message"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    happened_on = models.DateField()
    mode = models.CharField(max_length=12, choices=Mode.choices)
    minutes = models.PositiveIntegerField()
    notes = models.TextField(blank=True)
    follow_up_due = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_on", "-recorded_at"]
        indexes = [
            models.Index(fields=["area", "case", "happened_on"], name="contact_area_case_idx"),
            models.Index(fields=["area", "follow_up_due"], name="contact_follow_up_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} contact on {self.happened_on}"


class SafeguardingConcern(models.Model):
    """A possible risk of harm that a supervisor must review. Raised by socialrx when a
    questionnaire's answers are a disclosure (the instrument file says which answers are);
    raising it also sets the person's safeguarding flag."""

    class Source(models.TextChoices):
        MEASURE = "measure", "Raised by socialrx on a questionnaire's answers"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="safeguarding_concerns")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MEASURE)
    response = models.ForeignKey(
        "outcomes.Response", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    instrument = models.CharField(max_length=32, blank=True)
    entered_via = models.CharField(
        max_length=16, blank=True, help_text="How the answers came in (outcomes Response.Via)."
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who entered the answers; empty when the person answered on their own.",
    )
    reasons = models.JSONField(default=list, help_text="Disclosure codes from the instrument.")
    raised_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_note = models.TextField(blank=True)
    flag_kept = models.BooleanField(
        null=True, blank=True, help_text="Whether the reviewer kept the person's flag."
    )

    class Meta:
        ordering = ["-raised_at"]
        indexes = [
            models.Index(fields=["area", "case", "reviewed_at"], name="concern_area_case_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reviewed_at__isnull=True)
                | (
                    models.Q(reviewed_by__isnull=False)
                    & ~models.Q(outcome_note="")
                    & models.Q(flag_kept__isnull=False)
                ),
                name="reviewed_concern_has_reviewer_and_note",
            ),
        ]

    def __str__(self) -> str:
        return f"Safeguarding concern raised {self.raised_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.reviewed_at is None

    @property
    def reason_labels(self) -> list[str]:
        labels = disclosure_labels(self.instrument)
        return [labels.get(code, code) for code in self.reasons]

    @property
    def instrument_title(self) -> str:
        instrument = all_instruments().get(self.instrument)
        return instrument.title if instrument else self.instrument

    @property
    def raised_by_label(self) -> str:
        """Who raised it, in words: socialrx, on answers entered by someone or by the person."""
        if self.entered_by_id is None:
            return "Raised by socialrx on answers given by the person, on their one-time link"
        name = self.entered_by.get_full_name() or self.entered_by.username
        return f"Raised by socialrx on answers entered by {name}"
