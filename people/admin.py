"""Admin for people: read-only and without identifiable fields.

Administrators run the system but are not given case work access (accounts.permissions):
reading a person's record needs a case work role and is audited. So the admin shows only
what support work needs (which team and area a record belongs to, when it changed, which
consents exist) and never names, contact details or NHS numbers. Changes go through
people.actions from the pages or the API.
"""

from __future__ import annotations

from django.contrib import admin

from audit.admin import AuditedModelAdmin
from people.models import Consent, Person


class ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ListOnlyAdmin(ReadOnlyAdmin):
    """Only the list, with the columns chosen: the admin's record, history and delete pages
    print the record's name (str(obj)), which for a person is their name."""

    list_display_links = None

    def has_view_permission(self, request, obj=None):
        return obj is None and super().has_view_permission(request)


@admin.register(Person)
class PersonAdmin(ListOnlyAdmin):
    list_display = ("id", "area", "team", "safeguarding_flag", "created_at", "updated_at")
    list_filter = ("area", "team", "safeguarding_flag")
    list_select_related = ("area", "team")
    search_fields = ("=id",)
    date_hierarchy = "created_at"


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("id", "person_id", "kind", "given", "recorded_at", "withdrawn_at")
    list_filter = ("kind", "given", "area")
    fields = (
        "id",
        "person_id",
        "area",
        "kind",
        "given",
        "organization",
        "shared_fields",
        "recorded_at",
        "recorded_by",
        "withdrawn_at",
    )
    readonly_fields = fields
    search_fields = ("=id", "=person__id")
    date_hierarchy = "recorded_at"
