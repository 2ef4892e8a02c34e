"""Matching's stored data: service embeddings, the change log the index follows, feedback."""

from __future__ import annotations

import uuid

import numpy as np
from django.conf import settings
from django.db import models


class ServiceEmbedding(models.Model):
    """A service's text embedding, computed when the service changes (never per request).

    `text_hash` is the hash of the text that was embedded, so a save that changes nothing
    the ranker reads does not recompute it.
    """

    service = models.ForeignKey(
        "directory.Service", on_delete=models.CASCADE, related_name="embeddings"
    )
    model_name = models.CharField(max_length=64)
    vector = models.BinaryField(help_text="float32, little-endian, L2-normalised.")
    text_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "model_name"], name="one_embedding_per_service_and_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_name} embedding of {self.service_id}"

    def as_array(self) -> np.ndarray:
        return np.frombuffer(bytes(self.vector), dtype="<f4")


class NeedEmbedding(models.Model):
    """The embedding of one of a case's needs (a referral reason, an interest, what matters,
    a goal), stored when the need is saved, so showing suggestions reads it instead of
    running the model on the request. Keyed by the SHA-256 of the need's text (the text is
    not stored again here); deleted with the case, and replaced when the needs change."""

    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="+")
    model_name = models.CharField(max_length=64)
    text_hash = models.CharField(max_length=64)
    vector = models.BinaryField(help_text="float32, little-endian, L2-normalised.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "case", "model_name", "text_hash"],
                name="one_need_embedding_per_text",
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_name} embedding of a need of case {self.case_id}"


class IndexChange(models.Model):
    """One service changed (or was deleted). Each process's index applies the changes after
    the last one it saw, so every web worker stays current without a restart. The service
    id EVERY_SERVICE says any service may have changed: each index is built again."""

    EVERY_SERVICE = uuid.UUID(int=0)

    service_id = models.UUIDField(db_index=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"change {self.pk}: {self.service_id}"


class SuggestionFeedback(models.Model):
    """A link worker's "not suitable" on a suggestion, kept to evaluate and improve ranking."""

    class Reason(models.TextChoices):
        NOT_ELIGIBLE = "not_eligible", "The person is not eligible"
        TOO_FAR = "too_far", "Too far or hard to get to"
        WRONG_TIME = "wrong_time", "Meets at the wrong times"
        COST = "cost", "Costs too much"
        NOT_WHAT_THEY_WANT = "not_wanted", "Not what the person wants"
        CLOSED_OR_FULL = "closed_or_full", "Closed, full or details wrong"
        OTHER = "other", "Something else"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.ForeignKey("accounts.Area", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "casework.Case", on_delete=models.CASCADE, related_name="suggestion_feedback"
    )
    service = models.ForeignKey(
        "directory.Service", on_delete=models.CASCADE, related_name="suggestion_feedback"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.TextField(blank=True)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    explanation = models.TextField(blank=True, help_text="What the suggestion said, as shown.")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-given_at"]
        indexes = [
            models.Index(fields=["area", "case"], name="feedback_area_case_idx"),
            models.Index(fields=["area", "service"], name="feedback_area_service_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.service_id})"
