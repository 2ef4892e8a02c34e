import json

import pytest

from audit.models import Event
from people.models import Person
from referrals.models import Referral

BODY = {
    "person": {
        "given_name": "Mary",
        "family_name": "Jones",
        "birth_date": "1948-03-02",
        "nhs_number": "943 476 5919",
        "postcode": "tn23 1aa",
    },
    "reasons": ["loneliness", "bereavement"],
    "notes": "Widowed in March; not leaving the house.",
    "urgency": "routine",
}


def test_referrer_creates_a_referral_and_a_person(api_client, referrer):
    resp = api_client(referrer).post("/api/v1/referrals", BODY)
    assert resp.status_code == 201, resp.content
    data = resp.json()
    referral = Referral.objects.get(pk=data["id"])
    assert referral.referrer == referrer
    assert referral.source == "api"
    assert referral.reasons == ["loneliness", "bereavement"]
    person = Person.objects.get()
    assert person.nhs_number == "9434765919"
    assert person.postcode == "TN23 1AA"
    assert Event.objects.filter(record_type="referrals.Referral", verb="create").count() == 1


def test_invalid_nhs_number_is_named_by_its_path(api_client, referrer):
    body = json.loads(json.dumps(BODY))
    body["person"]["nhs_number"] = "9434765918"
    resp = api_client(referrer).post("/api/v1/referrals", body)
    assert resp.status_code == 422
    errors = resp.json()["errors"]
    assert {
        "field": "person.nhs_number",
        "message": ("This is not a valid NHS number: the check digit does not match."),
    } in errors
    assert not Person.objects.exists()


def test_every_invalid_field_is_reported_at_once(api_client, referrer):
    body = {
        "person": {"given_name": "", "birth_date": "yesterday"},
        "reasons": ["nope"],
        "urgency": "soon",
    }
    resp = api_client(referrer).post("/api/v1/referrals", body)
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.json()["errors"]}
    assert {"person.given_name", "person.birth_date", "reasons", "urgency"} <= fields


def test_duplicate_open_referral_gets_409_with_the_existing_id(api_client, referrer):
    client = api_client(referrer)
    first = client.post("/api/v1/referrals", BODY).json()
    resp = client.post("/api/v1/referrals", BODY)
    assert resp.status_code == 409
    assert resp.json()["existing_referral_id"] == first["id"]
    assert Referral.objects.count() == 1


def test_confirmed_duplicate_is_created_and_flagged(api_client, referrer):
    client = api_client(referrer)
    first = client.post("/api/v1/referrals", BODY).json()
    resp = client.post("/api/v1/referrals", {**BODY, "confirm_duplicate": True})
    assert resp.status_code == 201
    assert resp.json()["possible_duplicate_of"] == first["id"]


def test_malformed_json_is_a_400_not_a_500(client, referrer):
    from accounts.tokens import create_api_token

    resp = client.post(
        "/api/v1/referrals",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {create_api_token(referrer)}"},
    )
    assert resp.status_code in (400, 422)
    assert "detail" in resp.json()


def test_oversize_body_is_refused_with_413(api_client, referrer, settings):
    settings.API_MAX_BODY_BYTES = 1000
    resp = api_client(referrer).post("/api/v1/referrals", {**BODY, "notes": "x" * 5000})
    assert resp.status_code == 413
    assert not Referral.objects.exists()


def test_unknown_person_id_is_404(api_client, referrer):
    body = {**BODY, "person": {"id": "6f1c1d2e-0000-4000-8000-000000000000"}}
    resp = api_client(referrer).post("/api/v1/referrals", body)
    assert resp.status_code == 404


def test_without_a_token_the_api_says_how_to_authenticate(client):
    resp = client.post("/api/v1/referrals", BODY, content_type="application/json")
    assert resp.status_code == 401
    assert "Bearer" in resp.json()["detail"]


def test_revoked_token_is_refused(client, referrer):
    from accounts.models import ApiToken
    from accounts.tokens import create_api_token, revoke_api_token

    token = create_api_token(referrer)
    revoke_api_token(ApiToken.objects.get(), by=referrer)
    resp = client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401


@pytest.mark.parametrize("role_fixture", ["partner", "commissioner", "admin_user"])
def test_roles_that_do_not_refer_get_403(request, api_client, role_fixture):
    user = request.getfixturevalue(role_fixture)
    resp = api_client(user).post("/api/v1/referrals", BODY)
    assert resp.status_code == 403


def test_referral_reasons_list_codes_and_labels(client):
    resp = client.get("/api/v1/referral-reasons")
    assert resp.status_code == 200
    codes = {r["code"] for r in resp.json()}
    assert {"loneliness", "money", "housing", "frequent_attendance"} <= codes


def test_stranger_cannot_read_another_areas_referral(api_client, referrer, stranger):
    created = api_client(referrer).post("/api/v1/referrals", BODY).json()
    assert api_client(stranger).get(f"/api/v1/referrals/{created['id']}").status_code == 404


def test_link_worker_reads_their_teams_referral_and_it_is_audited(api_client, referrer, worker):
    created = api_client(referrer).post("/api/v1/referrals", BODY).json()
    resp = api_client(worker).get(f"/api/v1/referrals/{created['id']}")
    assert resp.status_code == 200
    assert Event.objects.filter(verb="view", actor=worker).exists()
