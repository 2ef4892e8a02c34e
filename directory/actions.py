"""Writes for the directory's freshness: reports, verification and partner edits.
Each is atomic and audited."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.actions import record_event
from directory.models import Service, VerificationTask
from socialrx.errors import DomainError

PARTNER_EDITABLE = (
    "name",
    "description",
    "url",
    "email",
    "fees_description",
    "eligibility_description",
    "capacity",
)


@transaction.atomic
def report_problem(service: Service, *, reason: str, details: str = "", by) -> VerificationTask:
    """A member of staff reports a listing as closed, moved, full or wrong; the task goes to
    the organisation's queue (and to directory staff)."""
    if reason not in VerificationTask.Reason.values or reason == VerificationTask.Reason.STALE:
        raise DomainError("Choose what is wrong with the listing.", field="reason")
    task = VerificationTask.objects.create(
        service=service, reason=reason, details=details.strip(), reported_by=by
    )
    record_event(by, "create", task, detail={"reason": reason})
    return task


@transaction.atomic
def verify_service(
    service: Service,
    *,
    by,
    resolution: str = "Details confirmed",
    capacity: str | None = None,
    status: str | None = None,
) -> Service:
    """Confirm a listing is current (optionally updating capacity or status) and close its
    open verification tasks."""
    now = timezone.now()
    fields = ["last_verified_at", "last_verified_by", "updated_at"]
    if capacity is not None:
        if capacity not in Service.Capacity.values:
            raise DomainError("Unknown capacity.", field="capacity")
        service.capacity = capacity
        fields.append("capacity")
    if status is not None:
        if status not in Service.Status.values:
            raise DomainError("Unknown status.", field="status")
        service.status = status
        fields.append("status")
    service.last_verified_at, service.last_verified_by = now, by
    service.save(update_fields=fields)
    VerificationTask.objects.filter(service=service, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=by, resolution=resolution
    )
    record_event(by, "change", service, detail={"verified": True, "fields": fields})
    return service


@transaction.atomic
def update_listing(service: Service, *, by, **changes) -> Service:
    """A partner edits their own listing; saving counts as verifying it."""
    unknown = set(changes) - set(PARTNER_EDITABLE)
    if unknown:
        raise DomainError(f"{sorted(unknown)[0]} cannot be changed here.")
    if "name" in changes and not str(changes["name"]).strip():
        raise DomainError("A service needs a name.", field="name")
    changed = sorted(k for k, v in changes.items() if getattr(service, k) != v)
    for key in changed:
        setattr(service, key, changes[key])
    if changed:
        service.save(update_fields=[*changed, "updated_at"])
        record_event(by, "change", service, detail={"fields": changed})
    return verify_service(
        service,
        by=by,
        resolution="Listing updated by the organisation",
        capacity=changes.get("capacity"),
    )


def flag_stale_services(*, now=None) -> int:
    """Queue a verification task for every stale listing that has no open one."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(days=settings.DIRECTORY_STALE_AFTER_DAYS)
    stale = (
        Service.objects.filter(status=Service.Status.ACTIVE)
        .exclude(last_verified_at__gte=cutoff)
        .exclude(
            verification_tasks__resolved_at__isnull=True,
            verification_tasks__reason=VerificationTask.Reason.STALE,
        )
    )
    tasks = [
        VerificationTask(
            service=s,
            reason=VerificationTask.Reason.STALE,
            details=f"Not verified in the last {settings.DIRECTORY_STALE_AFTER_DAYS} days.",
        )
        for s in stale.only("pk")
    ]
    with transaction.atomic():
        VerificationTask.objects.bulk_create(tasks, batch_size=1000)
    return len(tasks)
