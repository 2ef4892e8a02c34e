"""Writes for the directory's freshness: reports, verification and partner edits, each
atomic and audited; the nightly `flag_stale_services`, which queues verification tasks in
bulk and writes no audit row (no one acted, and no person's data changes). And what ends a
write in bulk (the HSDS import): its audit event, and the notice to listeners of what it
changed (`announce_bulk_write`)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from audit.actions import Subject, record_event
from directory.access import stale_after_days, stale_cutoff
from directory.models import Service, VerificationTask
from directory.signals import records_changed
from socialrx.errors import DomainError

if TYPE_CHECKING:
    from audit.models import Event
    from directory.hsds_import import ImportReport

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
    cutoff = stale_cutoff(now)
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
            details=f"Not verified in the last {stale_after_days()} days.",
        )
        for s in stale.only("pk")
    ]
    with transaction.atomic():
        VerificationTask.objects.bulk_create(tasks, batch_size=1000)
    return len(tasks)


def announce_bulk_write(
    records: Mapping[str, Collection[str]] | None = None, *, everything: bool = False
) -> None:
    """Tell whoever keeps data derived from the directory (matching: its index in every
    process, and the embeddings) what a write that bypassed model saves changed, as Django's
    post_save and post_delete tell them of each save. Call it once, inside the writer's
    transaction, after writing: `records` maps model labels ("directory.Organization") to
    the ids written; `everything` says any record may have changed, for a write so large
    that listing its records would cost more than re-reading the directory."""
    records_changed.send(
        sender=announce_bulk_write,
        records={} if everything else dict(records or {}),
        everything=everything,
    )


def record_hsds_import(
    report: ImportReport,
    *,
    source: str,
    by,
    via: str,
    records: Mapping[str, Collection[str]] | None,
) -> Event:
    """The end of an HSDS import (directory.hsds_import calls it once every record is
    written, inside the import's transaction, so that neither stays without the other): the
    audit event, and listeners told what changed (`records` as announce_bulk_write takes
    them; None for everything).

    The event is about the import itself (record type "directory.hsds_import", an id of its
    own): who (`by`, or without a user `via`, the command or job by name), the file as given,
    and how many records of each table it created and updated."""
    event = record_event(
        by,
        "create",
        Subject("directory.hsds_import", uuid.uuid4().hex),
        actor_label=via,
        detail={
            "file": source,
            "created": report.created,
            "updated": report.updated,
            "warnings": len(report.warnings),
        },
    )
    announce_bulk_write(records, everything=records is None)
    return event
