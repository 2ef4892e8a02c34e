"""The people API: read and update within scope, every role, every kind of bad input."""

import pytest

from accounts.tokens import create_api_token
from audit.models import Event
from casework.tests.factories import CaseFactory
from people.tests.factories import ConsentFactory, PersonFactory


def _person(worker):
    return CaseFactory(link_worker=worker, referral__person__team=worker.team).person


def test_worker_reads_a_person_in_their_team_and_it_is_audited(api_client, worker):
    person = _person(worker)
    resp = api_client(worker).get(f"/api/v1/people/{person.pk}")
    assert resp.status_code == 200
    assert resp.json()["nhs_number"] == person.nhs_number
    assert Event.objects.filter(verb="view", record_type="people.Person").exists()


def test_stranger_gets_404(api_client, worker, stranger):
    person = _person(worker)
    assert api_client(stranger).get(f"/api/v1/people/{person.pk}").status_code == 404


def test_patch_changes_fields_and_audits_names_not_values(api_client, worker):
    person = _person(worker)
    resp = api_client(worker).patch(
        f"/api/v1/people/{person.pk}", {"phone": "07700 900999", "postcode": "sw1a1aa"}
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["postcode"] == "SW1A 1AA"
    event = Event.objects.get(verb="change", record_type="people.Person")
    assert event.detail == {"fields": ["phone", "postcode"]}


def test_patch_with_an_invalid_nhs_number_names_the_field(api_client, worker):
    person = _person(worker)
    resp = api_client(worker).patch(f"/api/v1/people/{person.pk}", {"nhs_number": "1234567890"})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "nhs_number"


def test_a_referrer_never_reads_the_record_of_someone_they_referred(api_client, worker, referrer):
    # A referrer sees what they sent and its outcome (the referral), never the record:
    # it holds what the team learnt later, safeguarding notes included.
    case = CaseFactory(
        link_worker=worker, referral__person__team=worker.team, referral__referrer=referrer
    )
    client = api_client(referrer)
    assert client.get(f"/api/v1/people/{case.person_id}").status_code == 404
    assert client.patch(f"/api/v1/people/{case.person_id}", {"phone": "1"}).status_code == 404
    assert client.get(f"/api/v1/referrals/{case.referral_id}").status_code == 200


def test_partner_and_commissioner_never_see_a_person(api_client, worker, partner, commissioner):
    person = _person(worker)
    for user in (partner, commissioner):
        assert api_client(user).get(f"/api/v1/people/{person.pk}").status_code == 404


# --- Every role against both endpoints -------------------------------------------------

READ = {
    "worker": 200,
    "colleague": 200,
    "supervisor": 200,
    "referrer": 404,
    "stranger": 404,
    "partner": 404,
    "other_partner": 404,
    "commissioner": 404,
    "admin_user": 404,
}
WRITE = READ


@pytest.fixture
def referred(worker, referrer):
    return CaseFactory(
        link_worker=worker, referral__person__team=worker.team, referral__referrer=referrer
    ).person


@pytest.mark.parametrize(("persona", "status"), READ.items())
def test_who_may_read_a_person(request, api_client, referred, persona, status):
    user = request.getfixturevalue(persona)
    assert api_client(user).get(f"/api/v1/people/{referred.pk}").status_code == status


@pytest.mark.parametrize(("persona", "status"), WRITE.items())
def test_who_may_change_a_person(request, api_client, referred, persona, status):
    user = request.getfixturevalue(persona)
    resp = api_client(user).patch(f"/api/v1/people/{referred.pk}", {"preferred_name": "Bea"})
    assert resp.status_code == status
    referred.refresh_from_db()
    assert (referred.preferred_name == "Bea") == (status == 200)


def test_without_a_token_both_endpoints_answer_401(client, referred):
    url = f"/api/v1/people/{referred.pk}"
    assert client.get(url).status_code == 401
    assert client.patch(url, {}, content_type="application/json").status_code == 401


def test_an_unknown_or_malformed_id_is_404(api_client, worker):
    client = api_client(worker)
    assert client.get("/api/v1/people/6f1c1d2e-0000-4000-8000-000000000000").status_code == 404
    assert client.get("/api/v1/people/not-a-uuid").status_code in (404, 422)


def test_reading_a_person_lists_consents_with_who_recorded_them(api_client, worker, referred):
    ConsentFactory(person=referred, kind="sms", recorded_by=worker)
    data = api_client(worker).get(f"/api/v1/people/{referred.pk}").json()
    assert data["consents"][0]["kind"] == "sms"
    assert data["consents"][0]["recorded_by"] == "worker"
    assert data["consents"][0]["is_current"] is True


def test_reading_a_person_runs_a_fixed_number_of_queries(
    api_client, worker, referred, django_assert_num_queries
):
    for kind in ("sms", "email", "research"):
        ConsentFactory(person=referred, kind=kind, recorded_by=worker)
    client = api_client(worker)
    # token (with its user and team), token last-used stamp, person, audit insert, consents
    with django_assert_num_queries(5):
        assert client.get(f"/api/v1/people/{referred.pk}").status_code == 200


# --- Bad input: a clear 4xx naming the field, never a 500, nothing written -------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"interpreter_needed": None}, "interpreter_needed"),
        ({"safeguarding_flag": None}, "safeguarding_flag"),
        ({"given_name": None}, "given_name"),
        ({"given_name": ""}, "given_name"),
        ({"sex": "robot"}, "sex"),
        ({"phone": 5}, "phone"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_date": "yesterday"}, "birth_date"),
        ({"email": "nope"}, "email"),
        ({"postcode": "nowhere"}, "postcode"),
        ({"team": "South PCN"}, "team"),
        ({"nhs_no": "9434765919"}, "nhs_no"),
    ],
)
def test_patch_names_each_invalid_field_and_changes_nothing(
    api_client, worker, referred, body, field
):
    resp = api_client(worker).patch(f"/api/v1/people/{referred.pk}", body)
    assert resp.status_code == 422, resp.content
    assert field in {e["field"] for e in resp.json()["errors"]}
    assert not Event.objects.filter(verb="change").exists()


def test_patch_null_clears_an_optional_detail(api_client, worker, referred):
    resp = api_client(worker).patch(f"/api/v1/people/{referred.pk}", {"email": None})
    assert resp.status_code == 200 and resp.json()["email"] == ""


def test_patch_with_another_persons_nhs_number_is_a_409_naming_the_field(
    api_client, worker, referred
):
    other = PersonFactory(team=worker.team)
    resp = api_client(worker).patch(
        f"/api/v1/people/{referred.pk}", {"nhs_number": other.nhs_number}
    )
    assert resp.status_code == 409
    assert resp.json()["errors"] == [
        {"field": "nhs_number", "message": "Another person already has this NHS number."}
    ]


def test_patch_with_malformed_json_is_a_400(client, worker, referred):
    resp = client.patch(
        f"/api/v1/people/{referred.pk}",
        data='{"phone": ',
        content_type="application/json",
        headers={"Authorization": f"Bearer {create_api_token(worker)}"},
    )
    assert resp.status_code == 400 and "detail" in resp.json()


def test_an_oversize_patch_is_refused_with_413(api_client, worker, referred, settings):
    settings.API_MAX_BODY_BYTES = 500
    resp = api_client(worker).patch(f"/api/v1/people/{referred.pk}", {"access_needs": "x" * 600})
    assert resp.status_code == 413
    referred.refresh_from_db()
    assert referred.access_needs == ""
