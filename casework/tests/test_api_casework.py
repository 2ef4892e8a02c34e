import pytest

from audit.models import Event
from casework.tests.factories import CaseFactory, ConnectionFactory
from people.models import Consent
from people.tests.factories import ConsentFactory


@pytest.fixture
def case(worker):
    return CaseFactory(link_worker=worker, referral__person__team=worker.team)


@pytest.fixture
def sent(case, service, organization):
    ConsentFactory(
        person=case.person,
        kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
        organization=organization,
        shared_fields=["name"],
    )
    return ConnectionFactory(case=case, service=service, status="sent")


def test_caseload_lists_the_workers_open_cases(api_client, worker, case, colleague):
    CaseFactory(link_worker=colleague, referral__person__team=worker.team)
    resp = api_client(worker).get("/api/v1/caseload")
    assert resp.status_code == 200
    assert [c["id"] for c in resp.json()["items"]] == [str(case.pk)]


def test_supervisor_lists_a_team_members_caseload(api_client, supervisor, worker, case):
    resp = api_client(supervisor).get("/api/v1/caseload?worker=worker")
    assert resp.status_code == 200
    assert resp.json()["count"] == 1


def test_worker_cannot_list_a_colleagues_caseload(api_client, worker, colleague):
    assert api_client(worker).get("/api/v1/caseload?worker=colleague").status_code == 403


def test_partner_has_no_caseload(api_client, partner):
    assert api_client(partner).get("/api/v1/caseload").status_code == 403


def test_stranger_gets_404_for_a_case(api_client, stranger, case):
    assert api_client(stranger).get(f"/api/v1/cases/{case.pk}").status_code == 404


def test_reading_a_case_is_audited(api_client, colleague, case):
    resp = api_client(colleague).get(f"/api/v1/cases/{case.pk}")
    assert resp.status_code == 200
    assert Event.objects.filter(verb="view", record_type="casework.Case", actor=colleague)


def test_partner_accepts_through_the_api(api_client, partner, sent):
    resp = api_client(partner).post(f"/api/v1/connections/{sent.pk}/transition", {"to": "accepted"})
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "accepted"
    assert "first_attended" in resp.json()["allowed_moves"]


def test_partner_cannot_send_and_gets_409(api_client, partner, sent):
    resp = api_client(partner).post(f"/api/v1/connections/{sent.pk}/transition", {"to": "sent"})
    assert resp.status_code == 409
    assert "cannot" in resp.json()["detail"]


def test_declining_without_a_reason_names_the_field(api_client, partner, sent):
    resp = api_client(partner).post(f"/api/v1/connections/{sent.pk}/transition", {"to": "declined"})
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["field"] == "reason"
    sent.refresh_from_db()
    assert sent.status == "sent"


def test_unknown_target_state_is_a_422_with_its_path(api_client, partner, sent):
    resp = api_client(partner).post(
        f"/api/v1/connections/{sent.pk}/transition", {"to": "teleported"}
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "to"


def test_other_partner_gets_404(api_client, other_partner, sent):
    resp = api_client(other_partner).post(
        f"/api/v1/connections/{sent.pk}/transition", {"to": "accepted"}
    )
    assert resp.status_code == 404


def test_worker_records_a_drop_out(api_client, worker, sent):
    resp = api_client(worker).post(
        f"/api/v1/connections/{sent.pk}/transition", {"to": "dropped", "reason": "Moved away"}
    )
    assert resp.status_code == 200
    assert resp.json()["drop_reason"] == "Moved away"
