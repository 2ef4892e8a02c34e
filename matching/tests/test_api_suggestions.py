"""POST /api/matching/suggestions: the integrator contract, scoping and bad input."""

from __future__ import annotations

import json

import pytest

from audit.models import Event
from casework.tests.factories import CaseFactory
from directory.models import Service
from matching.actions import refresh_embeddings
from matching.tests.factories import ASHFORD, service_at

URL = "/api/matching/suggestions"
pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(db):
    lat, lon = ASHFORD
    walk = service_at("Tuesday health walk", "A gentle group walk in the park.", lat, lon + 0.01)
    debt = service_at("Money advice drop-in", "Free advice on debt and benefits.", lat + 0.01, lon)
    choir = service_at(
        "Singing for the brain", "A choir for people with memory loss.", lat, lon - 0.01
    )
    far = service_at("Coastal walking club", "Long walks on the coast.", lat + 0.5, lon)
    hidden = service_at(
        "Men's shed (informal)",
        "Woodwork and company for men who live alone; a walking group too.",
        lat,
        lon,
        visibility=Service.Visibility.PROFESSIONALS,
    )
    refresh_embeddings()
    return {"walk": walk, "debt": debt, "choir": choir, "far": far, "hidden": hidden}


def _post(api_client, user, body):
    return api_client(user).post(URL, data=json.dumps(body))


def test_text_and_place_give_ranked_explained_results(api_client, worker, directory):
    body = {"text": "walking", "lat": ASHFORD[0], "lon": ASHFORD[1], "radius_km": 10, "limit": 3}
    res = _post(api_client, worker, body)
    assert res.status_code == 200, res.content
    results = res.json()["results"]
    assert 1 <= len(results) <= 3
    assert {"id", "name", "score", "explanation"} <= set(results[0])
    assert results[0]["name"] in {"Tuesday health walk", "Men's shed (informal)"}
    assert str(directory["far"].pk) not in [r["id"] for r in results]
    assert all(r["explanation"] for r in results)
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) or len(results) > 1


def test_the_contract_minimum_works_with_a_postcode(api_client, worker, directory):
    res = _post(api_client, worker, {"text": "debt advice", "postcode": "tn231aa", "limit": 2})
    assert res.status_code == 200, res.content
    first = res.json()["results"][0]
    assert first["id"] == str(directory["debt"].pk)
    assert first["name"] == "Money advice drop-in"
    assert isinstance(first["score"], float)
    assert "debt" in first["explanation"].lower()


def test_explanations_list_the_signals_behind_the_score(api_client, worker, directory):
    res = _post(api_client, worker, {"text": "walking", "lat": ASHFORD[0], "lon": ASHFORD[1]})
    for item in res.json()["results"]:
        named = item["signals"]
        assert named, item
        assert sum(s["contribution"] for s in named) <= item["score"] + 1e-6 + 0.05
        for s in named:
            assert s["text"].lower() in item["explanation"].lower()


def test_excluded_services_are_listed_with_reasons_on_request(api_client, worker, directory):
    body = {
        "text": "walking",
        "lat": ASHFORD[0],
        "lon": ASHFORD[1],
        "radius_km": 30,
        "include_excluded": True,
    }
    res = _post(api_client, worker, body).json()
    assert str(directory["far"].pk) not in [r["id"] for r in res["results"]]
    far = next(e for e in res["excluded"] if e["id"] == str(directory["far"].pk))
    assert far["reasons"][0]["code"] == "distance"
    assert "km away (limit 30 km)" in far["reasons"][0]["reason"]


def test_professionals_only_listings_are_suggested_to_partners_as_in_the_directory(
    api_client, client, worker, partner, directory
):
    # One rule (directory.access): every staff role sees them, partners included.
    body = {"text": "men's shed woodwork", "limit": 5}
    for user in (worker, partner):
        ids = [r["id"] for r in _post(api_client, user, body).json()["results"]]
        assert str(directory["hidden"].pk) in ids, user.role
    client.force_login(partner)
    assert client.get(f"/directory/services/{directory['hidden'].pk}/").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lat": 51.1, "lon": 0.8}, "text"),
        ({"text": "walks", "lat": 51.1}, "lon"),
        ({"text": "walks", "lat": 51.1, "lon": 0.8, "postcode": "TN23 1AA"}, "postcode"),
        ({"text": "walks", "postcode": "ZZ9 9ZZ"}, "postcode"),
        ({"text": "walks", "radius_km": 5}, "radius_km"),
    ],
)
def test_inputs_that_do_not_fit_together_get_a_400_naming_the_field(
    api_client, worker, directory, body, field
):
    res = _post(api_client, worker, body)
    assert res.status_code == 400, res.content
    assert res.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "walks", "limit": 0}, "limit"),
        ({"text": "walks", "lat": 91, "lon": 0}, "lat"),
        ({"text": "walks", "radius_km": -1, "lat": 1, "lon": 1}, "radius_km"),
        ({"text": "walks", "sex": "x"}, "sex"),
    ],
)
def test_out_of_range_values_get_a_422_naming_the_field(api_client, worker, body, field):
    res = _post(api_client, worker, body)
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"] == field


def test_malformed_json_is_a_400(api_client, worker):
    res = api_client(worker).post(URL, data="{not json")
    assert res.status_code == 400


def test_anonymous_callers_are_refused(client):
    res = client.post(URL, data={"text": "walks"}, content_type="application/json")
    assert res.status_code == 401


def test_a_person_id_uses_their_case_profile_and_records_the_access(api_client, worker, directory):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    res = _post(api_client, worker, {"person_id": str(case.person_id), "limit": 3})
    assert res.status_code == 200, res.content
    assert res.json()["results"]
    assert Event.objects.filter(
        actor=worker, verb="view", record_type="people.Person", record_id=str(case.person_id)
    ).exists()


def test_a_worker_in_another_area_gets_404_for_a_person(api_client, worker, stranger, directory):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    res = _post(api_client, stranger, {"person_id": str(case.person_id)})
    assert res.status_code == 404
    assert not Event.objects.filter(actor=stranger, verb="view").exists()


def test_a_referrer_learns_nothing_of_the_person_they_referred(
    api_client, worker, referrer, directory
):
    # A referrer sees their referrals, never the person's record: suggestions for the
    # person answer as for anyone unknown to them.
    case = CaseFactory(
        link_worker=worker, referral__person__team=worker.team, referral__referrer=referrer
    )
    res = _post(api_client, referrer, {"person_id": str(case.person_id)})
    assert res.status_code == 404


def test_a_person_without_an_open_case_is_404(api_client, worker):
    from people.tests.factories import PersonFactory

    person = PersonFactory(team=worker.team)
    assert _post(api_client, worker, {"person_id": str(person.pk)}).status_code == 404


# Sequences start afresh: numbers earlier tests took and rolled back (PostgreSQL does not give
# them back) would be gaps in the change log the index looks at again on every request, as
# changes that might still commit, for matching.state.LATE_CHANGE_SECONDS.
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_query_count_does_not_grow_with_the_directory(
    api_client, worker, directory, django_assert_num_queries
):
    body = json.dumps({"text": "walking", "lat": ASHFORD[0], "lon": ASHFORD[1], "limit": 5})
    caller = api_client(worker)
    caller.post(URL, data=body)  # builds the index and reads completion counts
    for i in range(5):
        service_at(f"Another walk {i}", "Walking", *ASHFORD)
    refresh_embeddings()
    caller.post(URL, data=body)  # applies the changes
    # Steady state: the token and the index change log (the token's last use is written once
    # every accounts.tokens.LAST_USED_EVERY_SECONDS, and the first call wrote it).
    with django_assert_num_queries(2):
        assert caller.post(URL, data=body).status_code == 200
