"""Admin for referrals: read-only and without identifiable fields.

For support work (a referral stuck in a queue, a team's volumes): status, team, timings
and coded reasons, never the person's name or the free-text notes. Triage happens on the
pages, through referrals.actions, so every change is audited.
"""

from __future__ import annotations

from django.contrib import admin

from people.admin import ListOnlyAdmin
from referrals.models import Referral


@admin.register(Referral)
class ReferralAdmin(ListOnlyAdmin):
    list_display = (
        "id",
        "person_id",
        "team",
        "source",
        "reasons",
        "urgency",
        "status",
        "received_at",
        "triaged_at",
        "first_contact_at",
        "possible_duplicate_of_id",
    )
    list_filter = ("status", "source", "urgency", "area", "team")
    list_select_related = ("team",)
    search_fields = ("=id", "=person__id")
    date_hierarchy = "received_at"
