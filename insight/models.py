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
