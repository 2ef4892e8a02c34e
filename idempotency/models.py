from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class StoredAnswer(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, per user and key.

    The row is inserted before the request's writes run, in their transaction: a second
    request with the same key waits on the unique constraint until the first commits, then
    replays its answer. Rows older than IDEMPOTENCY_KEY_HOURS are purged (keys.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of the method, path and (canonical JSON) body."
    )
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_one_answer_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
