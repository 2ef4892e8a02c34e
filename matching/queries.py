"""Reads for matching. Completion counts are aggregates over all areas, never per person."""

from __future__ import annotations

from django.db.models import Count, Q

from casework.models import Connection


def completion_counts() -> dict[str, tuple[int, int]]:
    """For each service: (connections completed, connections that ended at all)."""
    ended = [
        Connection.Status.COMPLETED,
        Connection.Status.DROPPED,
        Connection.Status.DECLINED,
    ]
    rows = (
        Connection.objects.filter(status__in=ended)
        .values("service_id")
        .annotate(
            completed=Count("pk", filter=Q(status=Connection.Status.COMPLETED)),
            ended=Count("pk"),
        )
    )
    return {str(r["service_id"]): (r["completed"], r["ended"]) for r in rows}


def feedback_for_case(case):
    return case.suggestion_feedback.select_related("service").order_by("-given_at")
