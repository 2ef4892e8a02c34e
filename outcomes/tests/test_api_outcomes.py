import pytest

from casework.tests.factories import CaseFactory
from outcomes.models import Response
from outcomes.rules import TIMEPOINT_UNKNOWN


@pytest.fixture
def case(worker):
    return CaseFactory(link_worker=worker, referral__person__team=worker.team)


def test_scoring_needs_no_login_and_stores_nothing(client, db):
    resp = client.post(
        "/api/v1/outcomes/score",
        {"instrument": "swemwbs", "answers": [3, 4, 2, 5, 3, 3, 4]},
        content_type="application/json",
    )
    assert resp.status_code == 200
    assert resp.json()["score"] == 21.54
    assert not Response.objects.exists()


def test_an_out_of_range_answer_is_named_by_its_path(client, db):
    resp = client.post(
        "/api/v1/outcomes/score",
        {"instrument": "ucla3", "answers": {"left_out": 7}},
        content_type="application/json",
    )
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["field"] == "answers.left_out"


def test_unknown_instruments_are_named(client, db):
    resp = client.post(
        "/api/v1/outcomes/score",
        {"instrument": "eq5d", "answers": []},
        content_type="application/json",
    )
    assert resp.status_code == 400
    assert "Unknown instrument" in resp.json()["detail"]


def test_instruments_are_listed_with_their_licences(client, db):
    ids = {i["id"]: i for i in client.get("/api/v1/outcomes/instruments").json()}
    assert {"ons4", "swemwbs", "ucla3", "hrsn"} <= set(ids)
    assert "register" in ids["swemwbs"]["licence"].lower()


def test_worker_records_a_response_for_their_case(api_client, worker, case):
    resp = api_client(worker).post(
        f"/api/v1/cases/{case.pk}/responses",
        {"instrument": "ucla3", "answers": [1, 2, 3], "timepoint": "baseline"},
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["raw"] == 6 and resp.json()["band"] == "higher loneliness"


def test_an_unknown_timepoint_is_a_400_with_the_actions_message(api_client, worker, case):
    resp = api_client(worker).post(
        f"/api/v1/cases/{case.pk}/responses",
        {"instrument": "ucla3", "answers": [1, 2, 3], "timepoint": "week_99"},
    )
    assert resp.status_code == 400
    assert resp.json()["detail"] == TIMEPOINT_UNKNOWN
    assert resp.json()["errors"][0]["field"] == "timepoint"
    assert not Response.objects.exists()


def test_a_response_without_a_timepoint_is_recorded_as_other(api_client, worker, case):
    resp = api_client(worker).post(
        f"/api/v1/cases/{case.pk}/responses", {"instrument": "ucla3", "answers": [1, 2, 3]}
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["timepoint"] == "other"


def test_stranger_cannot_record_for_another_areas_case(api_client, stranger, case):
    resp = api_client(stranger).post(
        f"/api/v1/cases/{case.pk}/responses", {"instrument": "ucla3", "answers": [1, 2, 3]}
    )
    assert resp.status_code == 404


def test_partner_cannot_record_responses(api_client, partner, case):
    resp = api_client(partner).post(
        f"/api/v1/cases/{case.pk}/responses", {"instrument": "ucla3", "answers": [1, 2, 3]}
    )
    assert resp.status_code == 403
