"""Admin for referrals: read-only and without identifiable fields.

For support work (a referral stuck in a queue, a team's volumes): status, team, timings
and coded reasons, never the person's name or the free-text notes. Triage happens on the
pages, through referrals.actions, so every change is audited.
"""

from __future__ import annotations

from django.contrib import admin

from referrals.models import Referral


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "team",
        "source",
        "urgency",
        "status",
        "received_at",
        "triaged_at",
        "first_contact_at",
    )
    list_filter = ("status", "source", "urgency", "area", "team")
    list_select_related = ("team",)
    fields = (
        "id",
        "area",
        "team",
        "person_id",
        "source",
        "reasons",
        "urgency",
        "status",
        "assigned_to",
        "possible_duplicate_of",
        "received_at",
        "triaged_at",
        "triaged_by",
        "first_contact_at",
    )
    readonly_fields = fields
    search_fields = ("=id", "=person__id")
    date_hierarchy = "received_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
