"""Keep the index current by itself: any saved or deleted directory record queues its
services for re-embedding once the transaction commits (one task per transaction, so an
import of 5,000 services in one transaction queues one task, not 5,000)."""

from __future__ import annotations

import threading

from django.db import transaction
from django.db.models.signals import post_delete, post_save

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
        from directory.models import ServiceAtLocation

        rows = ServiceAtLocation.objects.filter(location_id=location_id)
        return {str(pk) for pk in rows.values_list("service_id", flat=True)}
    return set()


class _Batch:
    """Service ids changed in one transaction. Every save registers the batch's flush on
    commit; the first flush enqueues one task for all of them and the rest do nothing."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.flushed = False

    def flush(self) -> None:
        if self.flushed or not self.ids:
            return
        self.flushed = True
        from matching.tasks import refresh_embeddings_task

        refresh_embeddings_task.enqueue(sorted(self.ids))


def services_changed(service_ids) -> None:
    """Queue these services for re-embedding and the index once the current transaction
    commits. Bulk writers that bypass model saves (import_hsds) call this themselves."""
    ids = {str(s) for s in service_ids}
    if not ids:
        return
    batch = getattr(_pending, "batch", None)
    if batch is None or batch.flushed:
        batch = _pending.batch = _Batch()
    batch.ids |= ids
    transaction.on_commit(batch.flush)


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


def connect() -> None:
    post_save.connect(directory_changed, dispatch_uid="matching.directory_saved")
    post_delete.connect(directory_changed, dispatch_uid="matching.directory_deleted")
