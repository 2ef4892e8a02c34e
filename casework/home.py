"""Home pages for the case work roles, partners, commissioners and admins."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from casework import rules
from casework.models import Case, Connection
from casework.queries import (
    caseload_for,
    cases_for,
    connections_for_partner,
    follow_ups_due_for,
    open_concerns_for,
)
from people.queries import duplicates_to_check_for
from referrals.models import Referral
from referrals.queries import triage_queue_for

SMALL_NUMBER = 5


def suppress(n: int) -> str:
    """Small-number suppression for aggregate views: 1–4 shown as "<5"."""
    return "<5" if 0 < n < SMALL_NUMBER else str(n)


def link_worker_home(user) -> tuple[str, dict]:
    today = timezone.localdate()
    follow_ups = list(follow_ups_due_for(user, today=today))
    for case in follow_ups:
        case.follow_up_state = rules.follow_up_state(case.follow_up_due, today)
    reviews = caseload_for(user).filter(review_date__lte=today + dt.timedelta(days=7))
    week_ago = timezone.now() - dt.timedelta(days=7)
    awaiting = (
        Connection.objects.filter(
            case__in=caseload_for(user), status=rules.SENT, sent_at__lt=week_ago
        )
        .select_related("service", "case__person")
        .order_by("sent_at")
    )
    from outcomes.queries import measures_summary_for

    context = {
        "concerns": open_concerns_for(user),
        "measures": measures_summary_for(user, today=today),
        "follow_ups": follow_ups,
        "reviews": reviews,
        "new_cases": caseload_for(user).filter(conversations__isnull=True),
        "awaiting_partner": awaiting,
        "triage_count": triage_queue_for(user).count(),
        "today": today,
    }
    return "casework/home_link_worker.html", context


def supervisor_home(user) -> tuple[str, dict]:
    today = timezone.localdate()
    team_cases = cases_for(user).filter(status=Case.Status.OPEN)
    per_worker = (
        team_cases.values(
            "link_worker__username", "link_worker__first_name", "link_worker__last_name"
        )
        .annotate(open_cases=Count("pk"))
        .order_by("-open_cases")
    )
    template, context = link_worker_home(user)
    context |= {
        "per_worker": per_worker,
        "team_concerns": open_concerns_for(user, team_wide=True),
        "duplicates_count": duplicates_to_check_for(user).count(),
        "safeguarding": team_cases.filter(person__safeguarding_flag=True),
        "team_overdue": follow_ups_due_for(
            user, today=today, horizon_days=-1, team_wide=True
        ).select_related("person", "link_worker"),
    }
    return "casework/home_supervisor.html", context


def partner_home(user) -> tuple[str, dict]:
    connections = connections_for_partner(user)
    return "casework/home_partner.html", {
        "to_respond": connections.filter(status=rules.SENT).order_by("sent_at"),
        "in_progress": connections.filter(
            status__in=[rules.ACCEPTED, rules.FIRST_ATTENDED, rules.ONGOING]
        ).order_by("-sent_at"),
    }


def aggregate_counts() -> dict:
    """Counts for commissioners: no identifiable data, small numbers suppressed."""
    by_status = dict(
        Referral.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    connections = dict(
        Connection.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    # Taken up before discharge and carried on without the link worker: still counted under
    # their own status (accepted, attending), never as dropped; shown as a subtotal too.
    continuing = Connection.objects.filter(
        independent_since__isnull=False, status__in=rules.CONTINUE_AT_DISCHARGE
    ).count()
    reasons: dict[str, int] = {}
    for reason_list in Referral.objects.values_list("reasons", flat=True).iterator():
        for code in reason_list:
            reasons[code] = reasons.get(code, 0) + 1
    from referrals.reasons import reason_label

    return {
        "referrals_by_status": [
            (label, suppress(by_status.get(value, 0))) for value, label in Referral.Status.choices
        ],
        "connections_by_status": [
            (label, suppress(connections.get(value, 0)))
            for value, label in Connection.Status.choices
        ],
        "connections_continuing": suppress(continuing),
        "referrals_by_reason": sorted(
            ((reason_label(code), suppress(n)) for code, n in reasons.items()),
            key=lambda row: row[0],
        ),
        "open_cases": suppress(Case.objects.filter(status=Case.Status.OPEN).count()),
        "discharged_cases": suppress(Case.objects.filter(~Q(status=Case.Status.OPEN)).count()),
    }


def commissioner_home(user) -> tuple[str, dict]:
    return "casework/home_commissioner.html", aggregate_counts()


def admin_home(user) -> tuple[str, dict]:
    from audit.models import Event

    return "casework/home_admin.html", {
        "recent_events": Event.objects.select_related("actor")[:10],
        **aggregate_counts(),
    }
