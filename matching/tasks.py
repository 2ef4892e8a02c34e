"""Background work for matching (django-tasks; immediate in tests, the db worker otherwise)."""

from __future__ import annotations

from django_tasks import task

from matching.actions import refresh_embeddings


@task()
def refresh_embeddings_task(service_ids: list[str] | None) -> int:
    """Embed these services (None: every service whose text changed) and log the change."""
    return refresh_embeddings(service_ids)
