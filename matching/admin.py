"""Read-only views of what matching stores, for evaluating suggestions."""

from django.contrib import admin

from audit.admin import AuditedModelAdmin
from matching.models import SuggestionFeedback


@admin.register(SuggestionFeedback)
class SuggestionFeedbackAdmin(AuditedModelAdmin):
    list_display = ("given_at", "service", "reason", "rank", "score")
    list_filter = ("reason",)
    list_select_related = ("service",)
    readonly_fields = [f.name for f in SuggestionFeedback._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
