from django.contrib import admin

from audit.admin import AuditedModelAdmin
from directory.models import Location, Organization, Service


@admin.register(Organization)
class OrganizationAdmin(AuditedModelAdmin):
    list_display = ("name", "email", "website")
    search_fields = ("name",)


@admin.register(Service)
class ServiceAdmin(AuditedModelAdmin):
    list_display = ("name", "organization", "status", "visibility", "capacity", "last_verified_at")
    list_filter = ("status", "visibility", "capacity")
    search_fields = ("name", "description")


@admin.register(Location)
class LocationAdmin(AuditedModelAdmin):
    list_display = ("name", "postal_code", "latitude", "longitude")
