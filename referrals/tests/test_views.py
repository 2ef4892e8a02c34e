import time

import pytest
from django.core import signing
from django.core.cache import cache

from referrals.forms import _FORM_SALT
from referrals.models import Referral
from referrals.tests.factories import ReferralFactory

SELF = {
    "given_name": "Tom",
    "family_name": "Baker",
    "birth_date": "1950-01-02",
    "postcode": "TN23 1AA",
    "phone": "07700 900456",
    "reasons": ["loneliness"],
    "notes": "I don't get out much.",
    "consent": "on",
    "website": "",
}


def token(seconds_ago=10):
    return signing.dumps({"t": time.time() - seconds_ago}, salt=_FORM_SALT)


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def test_self_referral_lands_in_the_team_queue(client, team):
    resp = client.post("/referrals/self/", {**SELF, "form_token": token()})
    assert resp.status_code == 302 and resp["Location"] == "/referrals/self/thanks/"
    referral = Referral.objects.get()
    assert referral.source == "self" and referral.team == team and referral.referrer is None


def test_a_filled_honeypot_is_refused(client, team):
    resp = client.post(
        "/referrals/self/", {**SELF, "website": "http://spam", "form_token": token()}
    )
    assert resp.status_code == 200
    assert not Referral.objects.exists()


def test_a_form_sent_too_fast_is_refused(client, team):
    client.post("/referrals/self/", {**SELF, "form_token": token(seconds_ago=0)})
    assert not Referral.objects.exists()


def test_a_forged_token_says_the_form_expired(client, team):
    resp = client.post("/referrals/self/", {**SELF, "form_token": "forged"})
    assert "This form has expired" in resp.content.decode()
    assert not Referral.objects.exists()


def test_self_referral_is_rate_limited_per_address(client, team, settings):
    settings.SELF_REFERRAL_RATE_PER_HOUR = 2
    for i in range(2):
        client.post("/referrals/self/", {**SELF, "phone": f"0770090000{i}", "form_token": token()})
    resp = client.post("/referrals/self/", {**SELF, "form_token": token()})
    assert resp.status_code == 429
    assert Referral.objects.count() == 2


def test_self_referral_asks_for_a_way_to_reach_them(client, team):
    resp = client.post("/referrals/self/", {**SELF, "phone": "", "form_token": token()})
    assert "Give a phone number or an email address" in resp.content.decode()


def test_self_referral_never_reveals_that_someone_is_known(client, team):
    ReferralFactory(person__team=team, person__nhs_number="9434765919")
    resp = client.post(
        "/referrals/self/", {**SELF, "nhs_number": "9434765919", "form_token": token()}
    )
    assert resp.status_code == 302
    assert Referral.objects.filter(possible_duplicate_of__isnull=False).count() == 1


def test_clinician_form_shows_field_errors_and_writes_nothing(client, referrer):
    client.force_login(referrer)
    resp = client.post(
        "/referrals/new/", {"given_name": "", "nhs_number": "123", "postcode": "nowhere"}
    )
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "There is a problem" in body
    assert "An NHS number has 10 digits." in body
    assert "Enter a real UK postcode" in body
    assert "Choose at least one reason" in body
    assert not Referral.objects.exists()


def test_triage_queue_pins_its_query_count(client, worker, team, django_assert_max_num_queries):
    for _ in range(5):
        ReferralFactory(person__team=team)
    client.force_login(worker)
    with django_assert_max_num_queries(8):
        resp = client.get("/referrals/queue/")
    assert resp.status_code == 200
    assert resp.content.decode().count("/referrals/") >= 5


def test_declining_from_the_page_without_a_reason_shows_the_error(client, worker, team):
    referral = ReferralFactory(person__team=team)
    client.force_login(worker)
    resp = client.post(f"/referrals/{referral.pk}/decline/", {"reason": ""})
    assert resp.status_code == 400
    assert "Say why the referral is declined." in resp.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == "received"
