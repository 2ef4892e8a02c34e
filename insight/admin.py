from django.contrib import admin

from audit.admin import AuditedModelAdmin
from insight.models import UnitCost


@admin.register(UnitCost)
class UnitCostAdmin(AuditedModelAdmin):
    list_display = ("kind", "cost", "source", "updated_at")
    readonly_fields = ("updated_at",)
