from __future__ import annotations

from django.conf import settings
from django.db import models


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only; events cannot be updated.")

    def delete(self):
        raise PermissionError("The audit log is append-only; events cannot be deleted.")


class Event(models.Model):
    """One audited thing that happened to a record. Never updated, never deleted."""

    class Verb(models.TextChoices):
        CREATE = "create"
        CHANGE = "change"
        VIEW = "view"
        DELETE = "delete"
        EXPORT = "export"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, help_text="Who, as text (kept if renamed).")
    verb = models.CharField(max_length=8, choices=Verb.choices)
    record_type = models.CharField(max_length=64, help_text="app_label.model")
    record_id = models.CharField(max_length=64)
    person_id = models.UUIDField(null=True, blank=True, db_index=True)
    area_id = models.IntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["record_type", "record_id"], name="audit_record_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.record_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only; events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only; events cannot be deleted.")
