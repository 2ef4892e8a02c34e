"""Each role's home page: what is due today for them.

The pages read several apps at once (a link worker's day spans referrals, cases, outcome
measures and safeguarding), so they live here, above the domain apps, and every list still
starts from that app's scoped query.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.db.models import Count
from django.utils import timezone

from accounts.models import Role
from audit.models import Event
from casework import rules
from casework.models import Case, Connection
from casework.queries import (
    caseload_for,
    cases_for,
    connections_awaiting_answer_for,
    connections_for_partner,
    follow_ups_due_for,
    open_concerns_for,
)
from insight.suppression import suppress
from outcomes.queries import measures_summary_for
from people.queries import duplicates_to_check_for
from referrals.models import Referral
from referrals.queries import referrals_for, triage_queue_for
from referrals.reasons import reason_label

Page = tuple[str, dict[str, Any]]

RECENT_REFERRALS = 50
AWAITING_AFTER = dt.timedelta(days=7)


def link_worker_home(user) -> Page:
    today = timezone.localdate()
    follow_ups = list(follow_ups_due_for(user, today=today))
    for case in follow_ups:
        case.follow_up_state = rules.follow_up_state(case.follow_up_due, today)
    context = {
        "concerns": open_concerns_for(user),
        "measures": measures_summary_for(user, today=today),
        "follow_ups": follow_ups,
        "reviews": caseload_for(user).filter(review_date__lte=today + dt.timedelta(days=7)),
        "new_cases": caseload_for(user).filter(conversations__isnull=True),
        "awaiting_partner": connections_awaiting_answer_for(
            user, sent_before=timezone.now() - AWAITING_AFTER
        ),
        "triage_count": triage_queue_for(user).count(),
        "today": today,
    }
    return "web/home/link_worker.html", context


def supervisor_home(user) -> Page:
    today = timezone.localdate()
    team_cases = cases_for(user).filter(status=Case.Status.OPEN)
    per_worker = (
        team_cases.values(
            "link_worker__username", "link_worker__first_name", "link_worker__last_name"
        )
        .annotate(open_cases=Count("pk"))
        .order_by("-open_cases")
    )
    _, context = link_worker_home(user)
    del context["concerns"]  # the page lists the team's concerns instead (team_concerns)
    context |= {
        "per_worker": per_worker,
        "team_concerns": open_concerns_for(user, team_wide=True),
        "duplicates_count": duplicates_to_check_for(user).count(),
        "safeguarding": team_cases.filter(person__safeguarding_flag=True),
        "team_overdue": follow_ups_due_for(
            user, today=today, horizon_days=-1, team_wide=True
        ).select_related("person", "link_worker"),
    }
    return "web/home/supervisor.html", context


def referrer_home(user) -> Page:
    """The referrals `user` made, newest first, with status and outcome (the case's
    discharge reason once closed)."""
    made = (
        referrals_for(user)
        .filter(referrer=user)
        .select_related("person", "team", "assigned_to", "case")
        .order_by("-received_at")
    )
    recent = list(made[:RECENT_REFERRALS])
    total = len(recent) if len(recent) < RECENT_REFERRALS else made.count()
    return "web/home/referrer.html", {"referrals": recent, "total": total}


def partner_home(user) -> Page:
    connections = connections_for_partner(user)
    return "web/home/partner.html", {
        "to_respond": connections.filter(status=Connection.Status.SENT).order_by("sent_at"),
        "in_progress": connections.filter(
            status__in=[
                Connection.Status.ACCEPTED,
                Connection.Status.FIRST_ATTENDED,
                Connection.Status.ONGOING,
            ]
        ).order_by("-sent_at"),
    }


def aggregate_counts() -> dict[str, Any]:
    """Counts for commissioners and admins across every area: no identifiable data, and
    small numbers suppressed by insight's one rule."""
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
    reasons: Counter[str] = Counter()
    for reason_list in Referral.objects.values_list("reasons", flat=True).iterator():
        reasons.update(reason_list)
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
        "discharged_cases": suppress(Case.objects.exclude(status=Case.Status.OPEN).count()),
    }


def commissioner_home(user) -> Page:
    return "web/home/commissioner.html", aggregate_counts()


# What sign-in and account events (accounts.security, accounts.two_factor_actions) say on
# the admin's home page, instead of their codes.
ACCOUNT_EVENT_LABELS = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "sign_out": "Signed out",
    "refused": "Refused access",
    "two_factor_enrolled": "Two-factor sign-in set up",
    "two_factor_turned_off": "Two-factor sign-in turned off",
    "two_factor_reset": "Two-factor sign-in reset by an administrator",
    "recovery_codes_regenerated": "Two-factor recovery codes renewed",
    "recovery_code_used": "Two-factor recovery code used",
}
_FAILED_AT = {"password": "wrong password", "code": "wrong two-factor code"}
_SECOND_FACTOR = {"totp": "with an authenticator code", "recovery_code": "with a recovery code"}
_VERB_DONE: dict[str, str] = {
    Event.Verb.CREATE: "created",
    Event.Verb.CHANGE: "changed",
    Event.Verb.VIEW: "viewed",
    Event.Verb.DELETE: "deleted",
    Event.Verb.EXPORT: "exported",
}


def event_label(event: Event) -> str:
    """One audit event in words: "Signed in with an authenticator code", "Sign-in failed
    (wrong password)", "viewed people.Person"."""
    detail = event.detail or {}
    code = detail.get("event", "")
    if code == "sign_in_failed":
        if detail.get("locked_out"):
            return "Sign-in refused: too many failed attempts"
        why = _FAILED_AT.get(detail.get("step", ""))
        return f"Sign-in failed ({why})" if why else "Sign-in failed"
    if code == "sign_in" and detail.get("second_factor") in _SECOND_FACTOR:
        return f"Signed in {_SECOND_FACTOR[detail['second_factor']]}"
    if code in ACCOUNT_EVENT_LABELS:
        return ACCOUNT_EVENT_LABELS[code]
    if detail.get("via") == "sign_out_everywhere":
        return "Signed out everywhere"
    done = _VERB_DONE.get(event.verb, event.verb)
    if event.record_id == "list":
        return f"{done} a list ({event.record_type}, {detail.get('people', 0)} people)"
    return f"{done} {event.record_type}"


def admin_home(user) -> Page:
    events = list(Event.objects.select_related("actor")[:10])
    for event in events:
        event.label = event_label(event)  # type: ignore[attr-defined]
    return "web/home/admin.html", {"recent_events": events, **aggregate_counts()}


BUILDERS: dict[str, Callable[[Any], Page]] = {
    Role.LINK_WORKER: link_worker_home,
    Role.SUPERVISOR: supervisor_home,
    Role.REFERRER: referrer_home,
    Role.PARTNER: partner_home,
    Role.COMMISSIONER: commissioner_home,
    Role.ADMIN: admin_home,
}


def home_context(user) -> Page:
    return BUILDERS[user.role](user)


def _case_person(row: Any) -> Any:
    return row.case.person_id


# The panels of the home pages that name people, and each row's person. A page shown is
# audited as one list access (web.views.home) naming how many people it showed, with the
# count per panel; the counts and aggregates of the other panels name no one.
PEOPLE_PANELS: dict[str, Callable[[Any], Any]] = {
    "follow_ups": attrgetter("person_id"),
    "reviews": attrgetter("person_id"),
    "new_cases": attrgetter("person_id"),
    "awaiting_partner": _case_person,
    "concerns": _case_person,
    "team_concerns": _case_person,
    "team_overdue": attrgetter("person_id"),
    "safeguarding": attrgetter("person_id"),
    "referrals": attrgetter("person_id"),
    "to_respond": _case_person,
    "in_progress": _case_person,
}


def people_shown(context: dict[str, Any]) -> tuple[int, dict[str, int]]:
    """How many people a home page's context names in all, and in each panel (0 and {} for
    a page that lists no one). Evaluates each panel's query once, in place, so the page
    renders the rows counted."""
    everyone: set[Any] = set()
    panels: dict[str, int] = {}
    for name, person_of in PEOPLE_PANELS.items():
        if name not in context:
            continue
        rows = context[name] = list(context[name])
        people = {person_of(row) for row in rows}
        panels[name] = len(people)
        everyone |= people
    if "measures" in context:
        people = {_case_person(row) for row in context["measures"]["urgent"]}
        panels["measures_urgent"] = len(people)
        everyone |= people
    return len(everyone), panels
