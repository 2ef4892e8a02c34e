import datetime as dt

import pytest
from django.utils import timezone

from audit.models import Event
from casework import actions
from casework.tests.factories import CaseFactory, ConnectionFactory, GoalFactory
from people.models import Consent
from people.tests.factories import ConsentFactory
from referrals.models import Referral
from socialrx.errors import ConsentMissing, DomainError, InvalidTransition


@pytest.fixture
def case(worker):
    return CaseFactory(link_worker=worker, referral__person__team=worker.team)


def events(record_type, verb="create"):
    return Event.objects.filter(record_type=record_type, verb=verb)


def test_recording_a_conversation_is_audited_by_field_name_only(case, worker):
    actions.record_conversation(
        case,
        by=worker,
        held_on=timezone.localdate(),
        what_matters="Seeing my grandchildren",
        interests="singing",
    )
    event = events("casework.Conversation").get()
    assert event.actor == worker
    assert "Seeing my grandchildren" not in str(event.detail)


def test_a_conversation_needs_what_matters(case, worker):
    with pytest.raises(DomainError) as exc:
        actions.record_conversation(
            case, by=worker, held_on=timezone.localdate(), what_matters="  "
        )
    assert exc.value.field == "what_matters"


def test_agreeing_a_plan_needs_a_goal_and_sets_a_review(case, worker):
    with pytest.raises(DomainError, match="at least one goal"):
        actions.agree_plan(case, by=worker)
    actions.add_goal(case, text="Walk to the park", by=worker)
    actions.agree_plan(case, by=worker)
    assert case.review_date == timezone.localdate() + dt.timedelta(weeks=6)


def test_sending_without_share_consent_is_refused(case, worker, service):
    connection = actions.propose_connection(case, service=service, by=worker)
    with pytest.raises(ConsentMissing, match="Record their consent first"):
        actions.move_connection(connection, to="sent", side="link_worker", by=worker)
    connection.refresh_from_db()
    assert connection.status == "proposed"


def test_a_withdrawn_share_consent_blocks_sending(case, worker, service, organization):
    consent = ConsentFactory(
        person=case.person,
        kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
        organization=organization,
        shared_fields=["name"],
    )
    consent.withdrawn_at = timezone.now()
    consent.save()
    connection = actions.propose_connection(case, service=service, by=worker)
    with pytest.raises(ConsentMissing):
        actions.move_connection(connection, to="sent", side="link_worker", by=worker)


def test_sending_with_consent_records_when_and_audits(case, worker, service, organization):
    ConsentFactory(
        person=case.person,
        kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
        organization=organization,
        shared_fields=["name"],
    )
    connection = actions.propose_connection(case, service=service, by=worker)
    actions.move_connection(connection, to="sent", side="link_worker", by=worker)
    connection.refresh_from_db()
    assert connection.status == "sent" and connection.sent_at is not None
    assert events("casework.Connection", "change").get().detail["status"] == "sent"


def test_a_full_service_cannot_be_sent_to(case, worker, service, organization):
    service.capacity = "full"
    service.save()
    ConsentFactory(
        person=case.person,
        kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
        organization=organization,
        shared_fields=["name"],
    )
    connection = actions.propose_connection(case, service=service, by=worker)
    with pytest.raises(DomainError, match="not taking new people"):
        actions.move_connection(connection, to="sent", side="link_worker", by=worker)


def test_the_same_service_is_not_proposed_twice(case, worker, service):
    actions.propose_connection(case, service=service, by=worker)
    with pytest.raises(DomainError, match="already in this person's plan"):
        actions.propose_connection(case, service=service, by=worker)


def test_partner_cannot_skip_to_completed(case, partner, service):
    connection = ConnectionFactory(case=case, service=service, status="sent")
    with pytest.raises(InvalidTransition):
        actions.move_connection(connection, to="completed", side="partner", by=partner)


def test_first_contact_sets_the_referrals_first_contact_time_once(case, worker):
    actions.record_contact(
        case, happened_on=timezone.localdate(), mode="phone", minutes=15, by=worker
    )
    first = Referral.objects.get(pk=case.referral_id).first_contact_at
    assert first is not None
    actions.record_contact(
        case, happened_on=timezone.localdate(), mode="phone", minutes=15, by=worker
    )
    assert Referral.objects.get(pk=case.referral_id).first_contact_at == first


def test_a_contact_cannot_be_in_the_future(case, worker):
    with pytest.raises(DomainError) as exc:
        actions.record_contact(
            case,
            happened_on=timezone.localdate() + dt.timedelta(1),
            mode="phone",
            minutes=5,
            by=worker,
        )
    assert exc.value.field == "happened_on"


def test_discharge_closes_the_referral_and_drops_unsent_proposals(case, worker, service):
    proposed = ConnectionFactory(case=case, service=service, status="proposed")
    actions.discharge_case(case, reason="goals_met", by=worker)
    case.refresh_from_db()
    proposed.refresh_from_db()
    assert case.status == "discharged" and case.discharge_reason == "goals_met"
    assert case.referral.status == "closed"
    assert proposed.status == "dropped" and proposed.drop_reason
    assert events("casework.Case", "change").filter(detail__status="discharged").exists()


def test_a_discharged_case_refuses_changes(case, worker):
    actions.discharge_case(case, reason="no_contact", by=worker)
    with pytest.raises(DomainError, match="discharged"):
        actions.add_goal(case, text="Anything", by=worker)


def test_goal_status_must_be_a_known_outcome(worker):
    goal = GoalFactory(case__link_worker=worker)
    with pytest.raises(DomainError):
        actions.set_goal_status(goal, status="mostly", by=worker)
    actions.set_goal_status(goal, status="partly", by=worker)
    assert goal.status == "partly"


def test_if_the_audit_row_fails_the_change_is_rolled_back(case, worker, monkeypatch):
    import casework.actions as mod

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(mod, "record_event", broken)
    with pytest.raises(RuntimeError):
        actions.add_goal(case, text="Join a choir", by=worker)
    assert not case.goals.exists()
