"""Background work for insight (django-tasks; immediate in tests, the db worker otherwise)."""

from __future__ import annotations

from django_tasks import task

from casework.models import Connection
from insight import facts


@task()
def refresh_categories_task(service_ids: list[str] | None) -> int:
    """Rewrite the category facts (and their months) of the cases that attended these
    services (None: every case) after the directory changed. Returns the cases rewritten
    (0 for every case)."""
    if service_ids is None:
        facts.refresh_categories()
        return 0
    cases = set(
        Connection.objects.filter(service_id__in=service_ids, first_attended_on__isnull=False)
        .values_list("case_id", flat=True)
        .distinct()
    )
    if cases:
        facts.refresh_categories(cases)
    return len(cases)
