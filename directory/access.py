"""Who sees which directory records, and fetchers that give 404 for what one may not see.

The one visibility rule (docs/directory.md, "Who sees what"), used by the directory pages,
the /hsds/ API and matching alike:

- a service listed for the public is seen by everyone; one listed for professionals only
  (an informal group) by staff, that is everyone signed in with a role that uses the
  directory (`sees_professional_listings`), and by no one else;
- an organisation is seen by whoever sees at least one of its services;
- a place (location) is seen with a service seen there, or, when no service is held there,
  with its organisation;
- a program likewise: with a service seen in it, or, when it has none, with its
  organisation.

Freshness has one setting, DIRECTORY_STALE_AFTER_DAYS, read here only.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.permissions import Permission, has_permission
from directory import rules
from directory.models import (
    Location,
    Organization,
    Program,
    Service,
    ServiceAtLocation,
    VerificationTask,
)


def sees_professional_listings(user) -> bool:
    """Staff (every role that may use the directory: referrers, link workers, supervisors,
    community partners, commissioners, administrators) see listings for professionals
    only; the public (no user, or a page that asks for the public view) does not."""
    return user is not None and has_permission(user, Permission.VIEW_DIRECTORY)


def _listed_for(user, path: str = "") -> Q:
    """The listings `user` sees, as a condition on a service (at `path` from the model)."""
    if sees_professional_listings(user):
        return Q()
    return Q(**{f"{path}visibility": rules.PUBLIC})


def visible_services(user) -> QuerySet[Service]:
    return Service.objects.select_related("organization").filter(_listed_for(user))


# The rest are correlated EXISTS, so a page of organisations or one organisation's places
# costs an index lookup per row, not a pass over the whole directory.


def _seen_service(user, **outer) -> Exists:
    refs = {field: OuterRef(column) for field, column in outer.items()}
    return Exists(Service.objects.filter(_listed_for(user), **refs))


def visible_organizations(user) -> QuerySet[Organization]:
    return Organization.objects.filter(_seen_service(user, organization="pk"))


def visible_locations(user) -> QuerySet[Location]:
    here = ServiceAtLocation.objects.filter(location=OuterRef("pk"))
    return Location.objects.filter(
        Exists(here.filter(_listed_for(user, "service__")))
        | (~Exists(here) & _seen_service(user, organization="organization_id"))
    )


def visible_programs(user) -> QuerySet[Program]:
    return Program.objects.filter(
        _seen_service(user, program="pk")
        | (
            ~Exists(Service.objects.filter(program=OuterRef("pk")))
            & _seen_service(user, organization="organization_id")
        )
    )


def stale_after_days() -> int:
    return settings.DIRECTORY_STALE_AFTER_DAYS


def stale_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Listings last verified before this are stale."""
    return (now or timezone.now()) - dt.timedelta(days=stale_after_days())


def is_stale(service: Service, now: dt.datetime | None = None) -> bool:
    return rules.is_stale(
        service.last_verified_at, now or timezone.now(), after_days=stale_after_days()
    )


def get_service_for_user(user, service_id) -> Service:
    try:
        return visible_services(user).get(pk=service_id)
    except (Service.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such service.") from None


def get_organization_for_user(user, organization_id) -> Organization:
    try:
        return visible_organizations(user).get(pk=organization_id)
    except (Organization.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such organisation.") from None


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
