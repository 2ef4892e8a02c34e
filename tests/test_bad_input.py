"""Untrusted input that used to answer 500 on PostgreSQL: NUL characters and absurd page
numbers. Each is now a 4xx with a clear message, and nothing is written."""

import pytest
from django.urls import reverse

from people.models import Person
from referrals.models import Referral

HUGE = "99999999999999999999"


def test_a_nul_in_api_json_is_refused_naming_the_field(api_client, referrer):
    body = {
        "person": {"given_name": "Ann\x00", "family_name": "Lee", "birth_date": "1950-01-01"},
        "reasons": ["loneliness"],
    }
    resp = api_client(referrer).post("/api/v1/referrals", body)
    assert resp.status_code == 400
    assert resp.json()["errors"] == [
        {"field": "person.given_name", "message": "Text may not contain NUL (zero) characters."}
    ]
    assert not Person.objects.exists() and not Referral.objects.exists()


def test_a_nul_in_a_json_key_or_list_is_found_too():
    from socialrx.input_guard import nul_path

    assert nul_path({"a": [{"b": "ok"}, {"c\x00": 1}]}) == "a.1.c\x00"
    assert nul_path({"reasons": ["x", "y\x00"]}) == "reasons.1"
    assert nul_path({"a": "fine", "b": [1, 2.5, None, True]}) is None


def test_a_nul_in_a_form_is_a_bad_request_and_writes_nothing(client, referrer):
    client.force_login(referrer)
    resp = client.post(
        reverse("referrals:new"),
        {"given_name": "Ann\x00", "family_name": "Lee", "reasons": ["loneliness"]},
    )
    assert resp.status_code == 400
    assert not Person.objects.exists()


def test_a_nul_in_a_query_string_is_a_bad_request(client, worker, api_client):
    client.force_login(worker)
    assert client.get("/directory/", {"q": "walk\x00"}).status_code == 400
    resp = api_client(worker).get("/api/v1/referrals?status=received%00")
    assert resp.status_code == 400 and resp.json()["errors"][0]["field"] == "status"


@pytest.mark.parametrize("path", ["/api/v1/referrals", "/api/v1/caseload"])
def test_an_absurd_api_page_number_is_refused_naming_page(api_client, worker, path):
    resp = api_client(worker).get(f"{path}?page={HUGE}")
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "page"


def test_an_absurd_directory_page_number_shows_an_empty_page(client, worker, service):
    client.force_login(worker)
    resp = client.get("/directory/", {"q": "walk", "page": HUGE})
    assert resp.status_code == 200
