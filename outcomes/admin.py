from django.contrib import admin

from audit.admin import AuditedModelAdmin
from outcomes.models import TeamFollowUp


@admin.register(TeamFollowUp)
class TeamFollowUpAdmin(AuditedModelAdmin):
    """Each team's delay before the follow-up after discharge (outcomes.follow_up)."""

    list_display = ("team", "months_after_discharge")
    list_select_related = ("team",)
