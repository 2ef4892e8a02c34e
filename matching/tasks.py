"""Background work for matching (django-tasks; immediate in tests, the db worker otherwise)."""

from __future__ import annotations

from django_tasks import task

from casework.models import Case
from matching.actions import refresh_embeddings, store_case_need_vectors


@task()
def refresh_embeddings_task(service_ids: list[str] | None) -> int:
    """Embed these services (None: every service whose text changed) and log the change."""
    return refresh_embeddings(service_ids)


@task()
def embed_case_needs_task(case_ids: list[str]) -> int:
    """Store the embeddings of these cases' needs (see store_case_need_vectors)."""
    return sum(
        store_case_need_vectors(case)
        for case in Case.objects.filter(pk__in=case_ids).select_related("referral")
    )
