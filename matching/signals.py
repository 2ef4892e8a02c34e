"""Keep the index current by itself. A saved or deleted directory record (post_save,
post_delete), or a bulk write such as the HSDS import (directory.signals.records_changed),
changes some services' listings. For those services, at once and in the same transaction,
the change is logged (IndexChange), so every process's index re-reads them on its first
request after commit, ranking them by their words until their embedding is ready; and once
the transaction commits, one task embeds them (one per transaction, so an import of 5,000
services queues one task, not 5,000)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Collection, Iterable, Mapping

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from casework.models import Case
from directory.models import Attribute, Service, ServiceAtLocation
from directory.signals import records_changed
from matching import embedding
from matching.actions import LOG_EACH_UP_TO, note_services_changed
from matching.tasks import embed_case_needs_task, refresh_embeddings_task

_pending = threading.local()


# Directory records whose change can change what the ranker reads (phones, contacts and
# the like cannot, so saving them queues nothing).
WATCHED = {
    "directory.Service",
    "directory.Organization",
    "directory.Location",
    "directory.ServiceAtLocation",
    "directory.Schedule",
    "directory.CostOption",
    "directory.ServiceArea",
    "directory.Language",
    "directory.Accessibility",
    "directory.Attribute",
    "directory.TaxonomyTerm",
}


def _service_ids(instance) -> set[str]:
    label = instance._meta.label
    if label == "directory.Attribute":
        return {str(instance.link_id)} if instance.link_entity == "service" else set()
    if label == "directory.TaxonomyTerm":
        links = instance.attributes.filter(link_entity="service")
        return {str(pk) for pk in links.values_list("link_id", flat=True)}
    if label == "directory.Service":
        return {str(instance.pk)}
    if label == "directory.Organization":
        return {str(pk) for pk in instance.services.values_list("pk", flat=True)}
    if label == "directory.Location":
        return {
            str(pk) for pk in instance.service_at_locations.values_list("service_id", flat=True)
        }
    service_id = getattr(instance, "service_id", None)
    if service_id:
        return {str(service_id)}
    location_id = getattr(instance, "location_id", None)
    if location_id:
        rows = ServiceAtLocation.objects.filter(location_id=location_id)
        return {str(pk) for pk in rows.values_list("service_id", flat=True)}
    return set()


def services_of(records: Mapping[str, Collection[str]]) -> set[str]:
    """The services whose listings the given records (model label -> ids, as written and
    stored) are part of, asked of the database a chunk of ids at a time: `_service_ids` for
    many records at once. Records the ranker does not read are left out."""
    found: set[str] = set()

    def add(queryset, column: str) -> None:
        found.update(str(v) for v in queryset.values_list(column, flat=True) if v is not None)

    for label, ids in records.items():
        if label not in WATCHED or not ids:
            continue
        model = apps.get_model(label)
        field_names = {f.name for f in model._meta.concrete_fields}
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            if label == "directory.Service":
                found.update(str(uuid.UUID(i)) for i in chunk)
            elif label == "directory.Organization":
                add(Service.objects.filter(organization_id__in=chunk), "pk")
            elif label == "directory.Location":
                add(ServiceAtLocation.objects.filter(location_id__in=chunk), "service_id")
            elif label == "directory.TaxonomyTerm":
                links = Attribute.objects.filter(link_entity="service", taxonomy_term_id__in=chunk)
                add(links, "link_id")
            elif label == "directory.Attribute":
                add(Attribute.objects.filter(link_entity="service", pk__in=chunk), "link_id")
            else:  # a service's or a location's part: schedules, costs, areas, languages ...
                rows = model.objects.filter(pk__in=chunk)
                if "service" in field_names:
                    add(rows, "service_id")
                    rows = rows.filter(service__isnull=True)
                if "location" in field_names:
                    at = ServiceAtLocation.objects.filter(
                        location_id__in=rows.values("location_id")
                    )
                    add(at, "service_id")
    return found


class _Batch:
    """Services changed in one transaction. Its flush, registered to run on commit when the
    batch is made, enqueues one task for all of them."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.everything = False
        self.flushed = False

    def flush(self) -> None:
        if self.flushed or not (self.ids or self.everything):
            return
        self.flushed = True
        every = self.everything or len(self.ids) > LOG_EACH_UP_TO
        refresh_embeddings_task.enqueue(None if every else sorted(self.ids))


def services_changed(service_ids: Iterable | None) -> None:
    """These services changed (None: any service may have) in the current transaction: log
    it now, in the transaction, for every process's index, and embed them once it commits."""
    ids = None if service_ids is None else {str(s) for s in service_ids}
    if ids is not None and not ids:
        return
    note_services_changed(ids)
    batch = _waiting_batch()
    new = batch is None
    if new:
        batch = _pending.batch = _Batch()
    if ids is None:
        batch.everything = True
    else:
        batch.ids |= ids
    if new:  # (at once, outside a transaction)
        transaction.on_commit(batch.flush)


def _waiting_batch() -> _Batch | None:
    """The batch of the current transaction, waiting for it to commit; None if it has none.
    A batch whose transaction rolled back (or whose savepoint did, taking its flush along)
    is forgotten, not carried into the next."""
    batch = getattr(_pending, "batch", None)
    if batch is None or batch.flushed:
        return None
    waiting = transaction.get_connection().run_on_commit
    return batch if any(func == batch.flush for _, func, _ in waiting) else None


def directory_written_in_bulk(sender, *, records, everything=False, **kwargs) -> None:
    """directory.signals.records_changed: a write that bypassed saves (the HSDS import)."""
    services_changed(None if everything else services_of(records))


def directory_changed(sender, instance, **kwargs) -> None:
    if sender._meta.label not in WATCHED:
        return
    if kwargs.get("raw"):  # loaddata: the fixture's own embeddings step follows
        return
    try:
        ids = _service_ids(instance)
    except Exception:  # noqa: BLE001 - a deleted parent: nothing left to re-read
        ids = {str(instance.pk)} if instance._meta.label == "directory.Service" else set()
    services_changed(ids)


# Case records that hold a person's needs (matching.profiles.needs_for_case): saving one
# stores the embeddings of that case's needs once the transaction commits, one task per
# transaction, so showing suggestions reads them instead of running the model.
NEED_SOURCES = {"casework.Case", "casework.Conversation", "casework.Goal", "referrals.Referral"}


def _case_ids_of(instance, *, created: bool = False) -> set[str]:
    label = instance._meta.label
    if label == "casework.Case":
        return {str(instance.pk)}
    if label == "referrals.Referral":
        if created:  # a referral saved for the first time has no case yet
            return set()
        return {
            str(pk) for pk in Case.objects.filter(referral=instance).values_list("pk", flat=True)
        }
    return {str(instance.case_id)} if getattr(instance, "case_id", None) else set()


class _NeedBatch:
    def __init__(self) -> None:
        self.case_ids: set[str] = set()
        self.flushed = False

    def flush(self) -> None:
        if self.flushed or not self.case_ids:
            return
        self.flushed = True
        embed_case_needs_task.enqueue(sorted(self.case_ids))


def needs_saved(sender, instance, **kwargs) -> None:
    if sender._meta.label not in NEED_SOURCES or kwargs.get("raw"):
        return
    if embedding.get_encoder() is None:
        return
    ids = _case_ids_of(instance, created=kwargs.get("created", False))
    if not ids:
        return
    batch = getattr(_pending, "needs", None)
    waiting = transaction.get_connection().run_on_commit
    if batch is None or batch.flushed or not any(f == batch.flush for _, f, _ in waiting):
        batch = _pending.needs = _NeedBatch()
        batch.case_ids |= ids
        transaction.on_commit(batch.flush)
    else:
        batch.case_ids |= ids


def connect() -> None:
    post_save.connect(needs_saved, dispatch_uid="matching.needs_saved")
    post_save.connect(directory_changed, dispatch_uid="matching.directory_saved")
    post_delete.connect(directory_changed, dispatch_uid="matching.directory_deleted")
    records_changed.connect(directory_written_in_bulk, dispatch_uid="matching.directory_bulk")
