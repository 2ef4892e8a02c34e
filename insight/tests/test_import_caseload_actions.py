"""The small additions the caseload import made to the actions it calls: an explicit date
for a step taken earlier (kept in the audited row, refused in the future), a command as
the audit actor, and the checks a dated move skips or keeps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.actions import record_event
from audit.context import acting_as
from audit.models import Event
from casework import rules
from casework.actions import discharge_case, move_connection, propose_connection
from directory.models import Service
from people.actions import record_consent
from people.models import Consent
from referrals.actions import accept_referral, refer_person
from socialrx.errors import ConsentMissing, DomainError

EARLIER = dt.datetime(2024, 3, 4, 12, tzinfo=dt.UTC)


@pytest.fixture
def case(team, worker):
    from people.tests.factories import PersonFactory

    person = PersonFactory(team=team, area=team.area)
    referral = refer_person(
        team=team,
        source="clinician",
        by=worker,
        reasons=["loneliness"],
        person=person,
        received_at=EARLIER,
        local_identifier="R1",
    )
    return accept_referral(referral, link_worker=worker, by=worker, at=EARLIER)


def test_a_referral_received_earlier_keeps_its_dates_and_reference(case):
    referral = case.referral
    assert referral.received_at == referral.triaged_at == case.opened_at == EARLIER
    assert referral.local_identifier == "R1"
    consent = Consent.objects.get(person=case.person, kind="referral")
    assert consent.recorded_at == EARLIER


def test_a_referral_cannot_be_received_in_the_future(team, worker):
    from people.tests.factories import PersonFactory

    with pytest.raises(DomainError, match="in the future"):
        refer_person(
            team=team,
            source="clinician",
            by=worker,
            reasons=["loneliness"],
            person=PersonFactory(team=team, area=team.area),
            received_at=timezone.now() + dt.timedelta(hours=1),
        )


def test_a_consent_dated_earlier_says_where_it_came_from(case, worker, organization):
    consent = record_consent(
        case.person,
        kind="share",
        given=True,
        by=worker,
        organization=organization,
        shared_fields=["name"],
        at=EARLIER,
        via="import_caseload",
    )
    assert consent.recorded_at == EARLIER
    event = Event.objects.get(record_id=str(consent.pk))
    assert event.detail["via"] == "import_caseload"


def test_a_consent_cannot_be_dated_in_the_future(case, worker):
    with pytest.raises(DomainError, match="future"):
        record_consent(
            case.person,
            kind="referral",
            given=True,
            by=worker,
            at=timezone.now() + dt.timedelta(days=1),
        )


def test_a_dated_send_skips_todays_capacity_but_an_undated_one_does_not(case, worker, service):
    record_consent(
        case.person,
        kind="share",
        given=True,
        by=worker,
        organization=service.organization,
        shared_fields=["name"],
    )
    Service.objects.filter(pk=service.pk).update(capacity=Service.Capacity.FULL)
    service.refresh_from_db()
    connection = propose_connection(case, service=service, by=worker, at=EARLIER)

    with pytest.raises(DomainError, match="not taking new people"):
        move_connection(connection, to=rules.SENT, side=rules.WORKER, by=worker)
    moved = move_connection(connection, to=rules.SENT, side=rules.WORKER, by=worker, at=EARLIER)

    assert moved.proposed_at == moved.sent_at == EARLIER


def test_a_dated_send_still_needs_the_share_consent(case, worker, service):
    connection = propose_connection(case, service=service, by=worker, at=EARLIER)
    with pytest.raises(ConsentMissing):
        move_connection(connection, to=rules.SENT, side=rules.WORKER, by=worker, at=EARLIER)


def test_a_dated_move_still_follows_the_state_machine(case, worker, service):
    connection = propose_connection(case, service=service, by=worker, at=EARLIER)
    with pytest.raises(DomainError, match="cannot become completed"):
        move_connection(connection, to=rules.COMPLETED, side=rules.WORKER, by=worker, at=EARLIER)


def test_a_discharge_dated_earlier_dates_the_case(case, worker):
    discharge_case(case, reason="goals_met", by=worker, at=EARLIER)
    case.refresh_from_db()
    assert case.discharged_at == EARLIER
    assert case.referral.status == "closed"


def test_rows_written_without_a_user_name_the_command_acting(case):
    with acting_as("manage.py import_caseload"):
        event = record_event(None, "create", case)
    outside = record_event(None, "create", case)

    assert event.actor_label == "manage.py import_caseload"
    assert outside.actor_label == "public"


def test_an_actor_label_given_to_record_event_wins_over_the_block(case):
    with acting_as("manage.py import_caseload"):
        event = record_event(None, "create", case, actor_label="manage.py import_hsds")
    assert event.actor_label == "manage.py import_hsds"


def test_a_user_is_named_even_inside_a_commands_block(case, worker):
    with acting_as("manage.py import_caseload"):
        event = record_event(worker, "change", case)
    assert event.actor_label == "worker"
