from django.contrib import admin

from audit.admin import AuditedModelAdmin
from insight.models import PopulationCount, UnitCost


@admin.register(UnitCost)
class UnitCostAdmin(AuditedModelAdmin):
    list_display = ("kind", "cost", "source", "updated_at")
    readonly_fields = ("updated_at",)


@admin.register(PopulationCount)
class PopulationCountAdmin(AuditedModelAdmin):
    """Read-only: the figures come whole from `manage.py load_population FILE.csv`."""

    list_display = ("area", "kind", "age_band", "sex", "imd_decile", "people", "source")
    list_filter = ("area", "kind")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
