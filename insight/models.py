from __future__ import annotations

from django.db import models

from outcomes.models import HealthcareUse


class UnitCost(models.Model):
    """What one healthcare event of a kind costs, for turning a change in healthcare use
    into an estimated change in cost. Set by an administrator (audited in the admin)."""

    kind = models.CharField(max_length=24, choices=HealthcareUse.Kind.choices, unique=True)
    cost = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        help_text="Cost of one event, in pounds (for example the national unit cost).",
    )
    source = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the figure comes from, for example 'PSSRU Unit Costs 2024'.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(condition=models.Q(cost__gte=0), name="unit_cost_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: £{self.cost}"


class PopulationCount(models.Model):
    """How many people live in an area, by age band and sex, or by IMD decile: the local
    population the dashboards' reach tables compare with (insight.population). Loaded
    offline from a CSV file by `manage.py load_population` (docs/insight.md#population)."""

    class Kind(models.TextChoices):
        AGE_SEX = "age_sex", "Age band and sex"
        DEPRIVATION = "deprivation", "IMD decile"

    area = models.ForeignKey("accounts.Area", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    age_band = models.CharField(max_length=16, blank=True)  # the dashboard's label, "18–24"
    sex = models.CharField(max_length=8, blank=True)  # "female" or "male"
    imd_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    people = models.PositiveIntegerField()
    source = models.CharField(max_length=200, blank=True)
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["area", "kind", "imd_decile", "age_band", "sex"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "kind", "age_band", "sex"],
                condition=models.Q(kind="age_sex"),
                name="population_once_per_age_sex",
            ),
            models.UniqueConstraint(
                fields=["area", "kind", "imd_decile"],
                condition=models.Q(kind="deprivation"),
                name="population_once_per_decile",
            ),
        ]

    def __str__(self) -> str:
        group = f"decile {self.imd_decile}" if self.imd_decile else f"{self.age_band} {self.sex}"
        return f"{self.area_id} {group}: {self.people}"


class PairFact(models.Model):
    """One case's baseline and follow-up for one measure, with what the evaluation groups
    it by: the evaluation's rows, kept up to date by insight.facts whenever a response,
    contact, connection, referral, case or person changes, so the evaluation adds up
    these rows instead of pairing every response each time (docs/insight.md#facts).

    Scores in fixed point (units of 1/insight.measures.SCALE). `change` is the follow-up
    minus the baseline, NULL when the baseline was lost to follow-up. Derived data only:
    `manage.py refresh_insight_facts` rebuilds it from the records at any time."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="+")
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The referral's area, team and day of receipt (local date), so an evaluation of an
    # area, a team or a period reads the facts alone (insight.evaluation.Selection).
    area = models.ForeignKey(
        "accounts.Area", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="+", null=True, db_index=False
    )
    received_on = models.DateField()
    measure = models.CharField(max_length=40)  # insight.measures.Measure.key
    baseline = models.BigIntegerField()
    change = models.BigIntegerField(null=True)
    attended = models.BooleanField()  # a connection with a first attendance
    age = models.SmallIntegerField(null=True)  # whole years on the day of referral
    sex = models.CharField(max_length=16, blank=True)
    contacts = models.PositiveIntegerField()
    # The extra subgroups, one column per insight.measures.DIMENSIONS entry.
    ethnicity = models.CharField(max_length=1, blank=True)
    deprivation = models.PositiveSmallIntegerField(null=True)  # IMD decile
    long_term_conditions = models.PositiveSmallIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "measure"], name="pairfact_once_per_measure")
        ]
        indexes = [
            models.Index(fields=["referral"], name="pairfact_referral_idx"),
            models.Index(fields=["team", "received_on"], name="pairfact_team_day_idx"),
            models.Index(fields=["area", "received_on"], name="pairfact_area_day_idx"),
            models.Index(fields=["received_on"], name="pairfact_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.measure}"


class FactReason(models.Model):
    """A reason for referral of a case that has PairFacts (the reason subgroups), kept
    with them by insight.facts."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "code"], name="factreason_once_per_code")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.code}"


class FactCategory(models.Model):
    """A top-level taxonomy category of a service that a case with PairFacts attended (the
    category subgroups), kept with the facts by insight.facts, and rewritten when the
    directory's taxonomy or a service's categories change (insight.signals)."""

    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "category"], name="factcategory_once_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.category}"


class PairMonth(models.Model):
    """The evaluation's facts (PairFact, FactReason) added up per area, team, month of
    referral, measure and group: what a region's evaluation reads instead of every fact,
    kept by insight.pair_rollup in the same transaction as the facts (derived data only:
    `manage.py refresh_insight_facts` rebuilds it).

    `section` says what the row groups by: "main" (attended, age band, sex), "contacts"
    (contacts in the case), "reason" (a reason code), "category" (a top-level category of
    a service attended) or the name of an
    insight.measures.DIMENSIONS entry (that column); the other key columns are NULL. The
    moments are exact integers (scores in units of 1/insight.measures.SCALE): baselines,
    pairs and over the pairs Σy, Σy², Σb, Σb², Σyb, and, for the adjusting regression, Σa,
    Σa², Σab, Σay (a the age in years; only where it is known)."""

    area = models.ForeignKey(
        "accounts.Area", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="+", null=True, db_index=False
    )
    month = models.DateField()  # the first day of the month the referrals were received in
    section = models.CharField(max_length=40)
    measure = models.CharField(max_length=40)
    attended = models.BooleanField(null=True)
    age_band = models.SmallIntegerField(null=True)  # insight.measures.band_index
    sex = models.CharField(max_length=16, null=True)
    contacts = models.PositiveIntegerField(null=True)
    ethnicity = models.CharField(max_length=1, null=True)
    deprivation = models.PositiveSmallIntegerField(null=True)
    long_term_conditions = models.PositiveSmallIntegerField(null=True)
    code = models.CharField(max_length=40, null=True)
    category = models.CharField(max_length=200, null=True)
    baselines = models.BigIntegerField()
    n = models.BigIntegerField()
    sy = models.BigIntegerField()
    syy = models.BigIntegerField()
    sb = models.BigIntegerField()
    sbb = models.BigIntegerField()
    syb = models.BigIntegerField()
    sa = models.BigIntegerField()
    saa = models.BigIntegerField()
    sab = models.BigIntegerField()
    say = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["team", "month"], name="pairmonth_team_month_idx"),
            models.Index(fields=["area", "month"], name="pairmonth_area_month_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.month} {self.measure} {self.section}"


class HealthcareFact(models.Model):
    """One referral's healthcare use in the window before and after the day it was received
    (insight.healthcare_facts.WINDOW_DAYS), per kind: the rows the evaluation's healthcare
    use adds up. A row exists for each referral that has a case and whose person has any
    healthcare use recorded; insight.signals_healthcare rewrites it whenever a healthcare
    event, the referral, its case or its person changes, in the same transaction. Derived
    data only: insight.healthcare_facts.rebuild() writes every row from the records."""

    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, related_name="+"
    )
    # The referral's area, team and day of receipt (local date), so a Selection reads the
    # facts alone; whether the window after has passed is decided from received_on.
    area = models.ForeignKey(
        "accounts.Area", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    received_on = models.DateField()
    # Events of each HealthcareUse.Kind: before_<kind> in the window before the day,
    # after_<kind> in the window from it.
    before_gp_appointment = models.IntegerField(default=0)
    after_gp_appointment = models.IntegerField(default=0)
    before_ae_attendance = models.IntegerField(default=0)
    after_ae_attendance = models.IntegerField(default=0)
    before_emergency_admission = models.IntegerField(default=0)
    after_emergency_admission = models.IntegerField(default=0)
    before_outpatient = models.IntegerField(default=0)
    after_outpatient = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["team", "received_on"], name="healthfact_team_day_idx"),
            models.Index(fields=["area", "received_on"], name="healthfact_area_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.received_on}"


class GapNeed(models.Model):
    """One need a record brings, for the gaps page (insight.gaps): a referral reason
    (source 1) or a domain a social needs screen was positive in (source 2), with what the
    page filters and groups by, and for each way the page can be filtered the day of the
    same person's previous record of that need in the same group (`prev*`; NULL for the
    first), so that counting "people, once each" in a period is counting rows whose
    previous day is before the period. Kept by insight.gaps_summary per person, in the same
    transaction as the records (derived data only: gaps_summary.rebuild() rewrites it)."""

    source = models.SmallIntegerField()
    record = models.UUIDField()  # the referral or response
    person = models.UUIDField()
    area_id = models.BigIntegerField()  # the record's area, grouped by its name
    area_name = models.CharField(max_length=200)
    filter_area_id = models.BigIntegerField(null=True)  # what the area filter tests
    filter_team_id = models.BigIntegerField(null=True)  # what the team filter tests
    day = models.DateField()  # local date of receipt or completion
    postcode = models.CharField(max_length=10)  # the person's postcode, as written
    need = models.CharField(max_length=40)
    prev = models.DateField(null=True)
    prev_area = models.DateField(null=True)
    prev_team = models.DateField(null=True)
    prev_area_team = models.DateField(null=True)

    class Meta:
        # The page's reads are index-only scans on PostgreSQL (the columns it counts by
        # are included): a team's or an area's rows lie all over the table.
        indexes = [
            models.Index(fields=["person"], name="gapneed_person_idx"),
            models.Index(fields=["record"], name="gapneed_record_idx"),
            models.Index(
                fields=["source", "day"],
                include=["area_name", "postcode", "need", "prev"],
                name="gapneed_source_day_idx",
            ),
            models.Index(
                fields=["filter_team_id", "source", "day"],
                include=["area_name", "postcode", "need", "filter_area_id", "prev_team"]
                + ["prev_area_team"],
                name="gapneed_team_day_idx",
            ),
            models.Index(
                fields=["filter_area_id", "source", "day"],
                include=["area_name", "postcode", "need", "prev_area"],
                name="gapneed_area_day_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.need} {self.day}"


class DashboardCount(models.Model):
    """A dashboard counter per (area, team, local day, kind, key), kept by
    insight.dashboard_counts in the same transaction as the records change: referrals
    received that day by source (`kind` "source") and by each reason given ("reason"), and
    cases discharged that day by discharge reason ("discharge"). The day is the local date
    of `received_at` / `discharged_at`, so any day period sums exactly. Derived data only:
    `insight.dashboard_counts.rebuild()` rebuilds it from the records."""

    area = models.ForeignKey(
        "accounts.Area",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    day = models.DateField()
    kind = models.CharField(max_length=12)
    key = models.CharField(max_length=40)
    n = models.BigIntegerField()

    # Derived rows, rebuilt from the records: no foreign-key constraints in the database
    # (a rebuild writes millions of rows; the ORM still cascades deletions).

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "area", "team", "day", "key"], name="dashboardcount_cell"
            )
        ]
        indexes = [models.Index(fields=["kind", "day"], name="dashboardcount_kind_day_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} {self.team_id} {self.day}: {self.n}"


class ContactDay(models.Model):
    """One day with contacts for one person in one team (the case's area, team and
    person), with the person's previous such day there: the contacts table counts people
    by the first day of theirs inside a period (insight.dashboard_counts)."""

    area = models.ForeignKey(
        "accounts.Area",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    day = models.DateField()
    previous = models.DateField(null=True)  # the person's previous contact day in the team
    contacts = models.PositiveIntegerField()
    minutes = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "team", "area", "day"], name="contactday_once_per_day"
            )
        ]
        indexes = [
            models.Index(
                fields=["day"],
                name="contactday_day_idx",
                include=["area", "team", "previous", "contacts", "minutes"],
            ),
            models.Index(
                fields=["previous"], name="contactday_previous_idx", include=["area", "team", "day"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.team_id} {self.day}"


class ContactMonth(models.Model):
    """ContactDay rows summed per (area, team, month of the day, month of the previous
    day; 0001-01-01 when there is none): whole months of the contacts table."""

    area = models.ForeignKey(
        "accounts.Area",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    month = models.DateField()
    previous_month = models.DateField()
    days = models.BigIntegerField()  # ContactDay rows
    contacts = models.BigIntegerField()
    minutes = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "team", "month", "previous_month"], name="contactmonth_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.month} {self.previous_month}: {self.days}"
