"""Fetch directory records for a user: 404 when missing or not visible / not theirs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.permissions import Permission, has_permission
from directory.models import Service, VerificationTask
from directory.queries import services_for


def get_service_for_user(user, service_id) -> Service:
    try:
        return services_for(user).get(pk=service_id)
    except (Service.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such service.") from None


def get_own_service_for_partner(user, service_id) -> Service:
    """A partner may change only their own organisation's listings; others get 404."""
    if not (has_permission(user, Permission.HANDLE_CONNECTIONS) and user.organization_id):
        raise Http404("No such service.")
    try:
        return Service.objects.get(pk=service_id, organization_id=user.organization_id)
    except (Service.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such service.") from None


def tasks_for(user):
    """Open verification tasks: a partner's own listings; for other directory users, the
    ones they reported."""
    qs = VerificationTask.objects.filter(resolved_at__isnull=True).select_related(
        "service__organization", "reported_by"
    )
    if has_permission(user, Permission.HANDLE_CONNECTIONS) and user.organization_id:
        return qs.filter(service__organization_id=user.organization_id)
    if has_permission(user, Permission.VIEW_DIRECTORY):
        return qs.filter(reported_by=user)
    return qs.none()
