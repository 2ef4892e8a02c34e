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
