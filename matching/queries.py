"""Reads for matching. Completion counts are aggregates over all areas, never per person;
feedback counts are one team's, never per person."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count, Q
from django.utils import timezone

from casework.models import Connection
from matching.models import SuggestionFeedback

FEEDBACK_DAYS = 730  # feedback older than two years no longer sinks a service


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


def not_wanted_by_team(area_id, team_id, kinds) -> frozenset[tuple[str, str, int]]:
    """How often this team marked each service "not what they want" on cases referred for
    each of `kinds` (referral reason codes), over the last FEEDBACK_DAYS: (service id, kind,
    times). One query; a team's own feedback only, never another team's."""
    wanted = set(kinds or ())
    if not wanted:
        return frozenset()
    since = timezone.now() - dt.timedelta(days=FEEDBACK_DAYS)
    rows = SuggestionFeedback.objects.filter(
        area_id=area_id,
        case__team_id=team_id,
        reason=SuggestionFeedback.Reason.NOT_WHAT_THEY_WANT,
        given_at__gte=since,
    ).values_list("service_id", "case__referral__reasons")
    counts: Counter[tuple[str, str]] = Counter()
    for service_id, reasons in rows:
        for kind in set(reasons or ()) & wanted:
            counts[(str(service_id), kind)] += 1
    return frozenset((sid, kind, n) for (sid, kind), n in counts.items())


def feedback_for_case(case):
    return case.suggestion_feedback.select_related("service").order_by("-given_at")
