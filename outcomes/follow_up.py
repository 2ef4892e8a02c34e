"""The follow-up some months after discharge: do gains last?

When a case is discharged, the person's measures fall due again `months` later (the team's
TeamFollowUp, else settings.POST_DISCHARGE_FOLLOW_UP_MONTHS, 3): the same instruments they
answered at baseline (their outcome measures, not the needs screen or the experience
questions), at timepoint "post_discharge". `send_due_follow_ups` (daily, from
`manage.py send_follow_up_links`) sends each a one-time link by text message or email, only
when the person agreed to that channel (people.consent.may_contact_by); without consent
nothing is sent, and the follow-up stays on the link worker's "/outcomes/due/" list. A
follow-up is asked for from its due date until FOLLOW_UP_SEND_DAYS after it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from casework.models import Case
from outcomes import schedule
from outcomes.actions import issue_link
from outcomes.instruments import all_instruments
from outcomes.models import OneTimeLink, Response, TeamFollowUp, Timepoint
from outcomes.sms import sms_disabled
from people.consent import may_contact_by

log = logging.getLogger("socialrx.outcomes")

POST_DISCHARGE = Timepoint.POST_DISCHARGE.value
JOB = "scheduled follow-up after discharge"


def outcome_instruments() -> set[str]:
    """Instruments that measure change (not the needs screen, not the experience
    questions): the ones a follow-up repeats."""
    return {
        i.id
        for i in all_instruments().values()
        if i.scoring != "screen" and i.definition.get("kind") != "experience"
    }


def months_by_team(team_ids: Iterable[Any]) -> dict[Any, int]:
    """{team id: months after discharge}; the default for teams without their own. 1 query."""
    team_ids = set(team_ids)
    own = dict(
        TeamFollowUp.objects.filter(team_id__in=team_ids).values_list(
            "team_id", "months_after_discharge"
        )
    )
    return {t: own.get(t, settings.POST_DISCHARGE_FOLLOW_UP_MONTHS) for t in team_ids}


@dataclass
class FollowUp:
    case: Case
    due_on: dt.date
    instruments: list[str]  # answered at baseline, not yet after discharge


def outstanding(cases: Iterable[Case], responses=None) -> list[FollowUp]:
    """For discharged `cases`: the follow-up each still owes (instruments answered in the
    case before discharge, with no post-discharge response yet). Cases with no measures,
    or whose team asks for none, owe nothing. `responses`, when the caller has them, are
    the cases' (case id, instrument, timepoint) rows. 2 queries (1 given `responses`)."""
    cases = [c for c in cases if c.discharged_at is not None]
    if not cases:
        return []
    months = months_by_team(c.team_id for c in cases)
    wanted = outcome_instruments()
    answered: dict[Any, set[str]] = defaultdict(set)
    done: dict[Any, set[str]] = defaultdict(set)
    if responses is None:
        responses = Response.objects.filter(case_id__in=[c.pk for c in cases]).values_list(
            "case_id", "instrument", "timepoint"
        )
    for case_id, instrument, timepoint in responses:
        if instrument in wanted:
            (done if timepoint == POST_DISCHARGE else answered)[case_id].add(instrument)
    out = []
    for case in cases:
        due_on = schedule.post_discharge_due_on(
            timezone.localdate(case.discharged_at), months[case.team_id]
        )
        owed = sorted(answered[case.pk] - done[case.pk])
        if due_on is not None and owed:
            out.append(FollowUp(case, due_on, owed))
    return out


def recently_discharged(today: dt.date) -> Q:
    """Discharged cases whose follow-up could still be asked for (discharged within the
    longest allowed delay, 24 months, plus the sending window)."""
    oldest = today - dt.timedelta(days=24 * 31 + schedule.FOLLOW_UP_SEND_DAYS)
    start = timezone.make_aware(dt.datetime.combine(oldest, dt.time.min))
    return Q(status=Case.Status.DISCHARGED, discharged_at__gte=start)


def points_for_case(case, done: set[tuple[str, str]]) -> list[schedule.DuePoint]:
    """The case page's post-discharge points: each instrument answered before discharge,
    due `months` after it, done when answered after. `done` holds (timepoint, instrument)
    pairs of the case's responses."""
    if case.discharged_at is None:
        return []
    months = months_by_team([case.team_id])[case.team_id]
    due_on = schedule.post_discharge_due_on(timezone.localdate(case.discharged_at), months)
    if due_on is None:
        return []
    wanted = outcome_instruments()
    before = sorted({i for t, i in done if t != POST_DISCHARGE and i in wanted})
    return [
        schedule.DuePoint(POST_DISCHARGE, i, due_on, (POST_DISCHARGE, i) in done) for i in before
    ]


def channel_for(person) -> str | None:
    """How the person agreed to be contacted: a text message first (when texts are sent
    here), else email; None when they agreed to neither (or we hold neither detail)."""
    if not sms_disabled() and may_contact_by(person, OneTimeLink.Channel.SMS):
        return OneTimeLink.Channel.SMS
    if may_contact_by(person, OneTimeLink.Channel.EMAIL):
        return OneTimeLink.Channel.EMAIL
    return None


@dataclass
class SendReport:
    links_sent: int = 0
    people_sent: int = 0
    people_without_consent: int = 0
    already_sent: int = 0
    errors: list[str] = field(default_factory=list)


def send_due_follow_ups(*, today: dt.date | None = None) -> SendReport:
    """Send a one-time link for each instrument of each follow-up due today or in the last
    FOLLOW_UP_SEND_DAYS days, to people who agreed to be contacted, once (a follow-up that
    already has a post-discharge link, used or not, is not sent again). Each person's links
    are written and audited in one transaction."""
    today = today or timezone.localdate()
    report = SendReport()
    cases = Case.objects.filter(recently_discharged(today)).select_related("person")
    due = [
        f
        for f in outstanding(cases)
        if f.due_on <= today and schedule.still_sendable(f.due_on, today)
    ]
    sent_before = set(
        OneTimeLink.objects.filter(
            case_id__in=[f.case.pk for f in due], timepoint=POST_DISCHARGE
        ).values_list("case_id", "instrument")
    )
    for follow_up in due:
        case = follow_up.case
        instruments = [i for i in follow_up.instruments if (case.pk, i) not in sent_before]
        if not instruments:
            report.already_sent += 1
            continue
        channel = channel_for(case.person)
        if channel is None:
            report.people_without_consent += 1
            continue
        with transaction.atomic():
            for instrument in instruments:
                issue_link(
                    case,
                    instrument_id=instrument,
                    timepoint=POST_DISCHARGE,
                    channel=channel,
                    by=None,
                    actor_label=JOB,
                )
        report.links_sent += len(instruments)
        report.people_sent += 1
    log.info(
        "Follow-up after discharge: %d links to %d people; %d without consent to contact.",
        report.links_sent,
        report.people_sent,
        report.people_without_consent,
    )
    return report
