"""Discharging someone who is happily connected: the connections they have taken up carry on
between them and the organisation, and nobody counts them as dropped."""

import pytest
from django.utils import timezone

from audit.models import Event
from casework import actions
from casework.models import Case
from casework.tests.factories import CaseFactory, ConnectionFactory
from people.models import Consent
from people.tests.factories import ConsentFactory
from socialrx.errors import DomainError


@pytest.fixture
def case(worker, organization):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    ConsentFactory(
        person=case.person,
        kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
        organization=organization,
        shared_fields=["name"],
    )
    return case


@pytest.fixture
def walking(case, service):
    """Mary goes to the Tuesday health walk every week."""
    return ConnectionFactory(
        case=case,
        service=service,
        status="ongoing",
        sent_at=timezone.now(),
        first_attended_on=timezone.localdate(),
    )


def test_discharge_keeps_an_ongoing_connection_going_independently(case, walking, worker):
    actions.discharge_case(case, reason="connected", by=worker)
    case.refresh_from_db()
    walking.refresh_from_db()
    assert case.status == Case.Status.DISCHARGED
    assert walking.status == "ongoing"
    assert walking.independent_since == case.discharged_at
    assert walking.continues_independently
    assert walking.drop_reason == "" and walking.ended_at is None
    assert Event.objects.filter(
        record_type="casework.Connection",
        record_id=str(walking.pk),
        detail__continuing_independently=True,
    ).exists()


@pytest.mark.parametrize("status", ["accepted", "first_attended", "ongoing"])
def test_every_taken_up_connection_continues_at_discharge(case, service, worker, status):
    connection = ConnectionFactory(case=case, service=service, status=status)
    actions.discharge_case(case, reason="connected", by=worker)
    connection.refresh_from_db()
    assert connection.status == status and connection.continues_independently


def test_a_referral_still_waiting_for_the_organisations_answer_blocks_discharge(
    case, service, worker
):
    ConnectionFactory(case=case, service=service, status="sent")
    with pytest.raises(DomainError, match="Tuesday health walk"):
        actions.discharge_case(case, reason="connected", by=worker)
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN


def test_the_partner_still_records_how_a_continuing_connection_goes(case, service, worker, partner):
    accepted = ConnectionFactory(case=case, service=service, status="accepted")
    actions.discharge_case(case, reason="connected", by=worker)
    actions.move_connection(accepted, to="first_attended", side="partner", by=partner)
    actions.move_connection(accepted, to="completed", side="partner", by=partner)
    accepted.refresh_from_db()
    assert accepted.status == "completed" and accepted.independent_since is not None


def test_the_link_worker_cannot_move_a_connection_after_discharge(case, walking, worker):
    actions.discharge_case(case, reason="connected", by=worker)
    with pytest.raises(DomainError, match="discharged"):
        actions.move_connection(walking, to="completed", side="link_worker", by=worker)


def test_discharging_through_the_page_says_what_continues(client, case, walking, worker):
    client.force_login(worker)
    resp = client.post(
        f"/cases/{case.pk}/discharge/", {"discharge-reason": "connected"}, follow=True
    )
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "has been discharged" in body
    assert "Continuing independently" in body
    assert Case.objects.get(pk=case.pk).status == Case.Status.DISCHARGED


def test_the_partner_page_says_the_connection_continues_without_the_link_worker(
    client, case, walking, worker, partner
):
    actions.discharge_case(case, reason="connected", by=worker)
    client.force_login(partner)
    body = client.get(f"/cases/partner/{walking.pk}/").content.decode()
    assert "Continuing independently" in body
    assert "Completed" in body  # the partner can still record how it ends


def test_the_commissioner_does_not_see_continuing_connections_as_dropped(
    client, case, walking, worker, commissioner
):
    actions.discharge_case(case, reason="connected", by=worker)
    client.force_login(commissioner)
    body = client.get("/").content.decode()
    assert "Continuing independently after discharge" in body
    dropped_row = body.split(">Dropped<", 1)[1].split("</tr>", 1)[0]
    assert ">0<" in dropped_row


def test_the_api_shows_a_continuing_connection_and_no_worker_moves(
    api_client, case, walking, worker
):
    actions.discharge_case(case, reason="connected", by=worker)
    body = api_client(worker).get(f"/api/v1/connections/{walking.pk}").json()
    assert body["continuing_independently"] is True
    assert body["allowed_moves"] == []
