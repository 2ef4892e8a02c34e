"""Scoped reads of the directory: who may see which services."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.permissions import Permission, has_permission
from directory.models import Service


def services_for(user) -> QuerySet[Service]:
    """Public services for everyone; professionals-only listings for staff who may use the
    directory."""
    qs = Service.objects.select_related("organization")
    if user is not None and has_permission(user, Permission.VIEW_DIRECTORY):
        return qs
    return qs.filter(visibility=Service.Visibility.PUBLIC)
