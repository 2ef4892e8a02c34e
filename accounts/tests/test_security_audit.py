"""What the audit log keeps about signing in and out, refused requests, and lists of people
(one event per list, naming how many people it showed), through the real pages and API."""

from __future__ import annotations

import json

import pytest

from accounts.tests.factories import DEMO_PASSWORD
from accounts.tokens import create_api_token
from audit.models import Event
from casework.tests.factories import CaseFactory
from referrals.tests.factories import ReferralFactory

HERE = "203.0.113.10"


@pytest.fixture(autouse=True)
def quick_hashes(settings, worker):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    worker.set_password(DEMO_PASSWORD)
    worker.save(update_fields=["password"])


def _log_in(client, username, password):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=HERE)


def _account_events(event: str):
    return [e for e in Event.objects.all() if e.detail.get("event") == event]


def test_a_sign_in_is_audited_with_the_address(client, worker):
    _log_in(client, "worker", DEMO_PASSWORD)
    [event] = _account_events("sign_in")
    assert event.actor == worker and event.verb == Event.Verb.CREATE
    assert (event.record_type, event.record_id) == ("accounts.User", str(worker.pk))
    assert event.detail == {"event": "sign_in", "second_factor": "none", "address": HERE}


def test_a_failed_sign_in_is_audited_without_the_password(client, worker):
    _log_in(client, "worker", "my-secret-guess")
    _log_in(client, "nobody-here", "another-secret-guess")
    known, unknown = sorted(_account_events("sign_in_failed"), key=lambda e: e.record_id)
    assert (known.record_id, known.actor, known.actor_label) == (str(worker.pk), None, "public")
    assert known.detail == {
        "event": "sign_in_failed",
        "step": "password",
        "locked_out": False,
        "address": HERE,
    }
    assert unknown.record_id == "unknown"
    everything = json.dumps([e.detail for e in Event.objects.all()])
    assert "secret-guess" not in everything and "nobody-here" not in everything


def test_attempts_refused_by_the_lockout_are_audited_as_such(client, worker):
    for _ in range(11):
        _log_in(client, "worker", "wrong")
    _log_in(client, "worker", DEMO_PASSWORD)
    failed = _account_events("sign_in_failed")
    assert len(failed) == 12
    assert [e.detail["locked_out"] for e in sorted(failed, key=lambda e: e.pk)][-3:] == [True] * 3
    assert not _account_events("sign_in")


def test_a_sign_out_is_audited(client, worker):
    _log_in(client, "worker", DEMO_PASSWORD)
    assert client.post("/logout/").status_code == 302
    [event] = _account_events("sign_out")
    assert event.actor == worker and event.verb == Event.Verb.DELETE


def test_a_refused_page_is_audited_once(client, worker):
    client.force_login(worker)
    assert client.get("/audit/").status_code == 403
    [event] = _account_events("refused")
    assert event.actor == worker and event.detail["path"] == "/audit/"
    assert event.detail["status"] == 403 and event.record_type == "accounts.refused"


def test_a_refused_api_call_with_a_token_is_audited(client, partner):
    token = create_api_token(partner)
    answer = client.get("/api/v1/caseload", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 403
    [event] = _account_events("refused")
    assert event.actor == partner and event.detail["path"] == "/api/v1/caseload"


def test_a_not_signed_in_refusal_is_not_an_account_event(client, db):
    client.get("/audit/")  # sent to log in, not refused
    assert not _account_events("refused")


def _list_event(name):
    [event] = Event.objects.filter(record_type=name, verb=Event.Verb.VIEW)
    return event


def test_the_caseload_page_audits_one_event_naming_how_many(client, worker, team):
    for _ in range(3):
        CaseFactory(link_worker=worker, referral__team=team, referral__person__team=team)
    client.force_login(worker)
    client.get("/cases/")
    event = _list_event("casework.caseload")
    assert event.actor == worker and event.detail == {"people": 3, "show": "mine"}


def test_the_team_list_audits_one_event(client, worker, supervisor, team):
    for _ in range(2):
        CaseFactory(link_worker=worker, referral__team=team, referral__person__team=team)
    client.force_login(supervisor)
    client.get("/cases/team/")
    assert _list_event("casework.team_cases").detail == {"people": 2}


def test_the_triage_queue_audits_one_event(client, worker, team):
    for _ in range(4):
        ReferralFactory(person__team=team)
    client.force_login(worker)
    client.get("/referrals/queue/")
    event = _list_event("referrals.triage_queue")
    assert event.detail == {"people": 4} and event.actor == worker


def test_the_caseload_api_audits_each_page_with_how_many_it_showed(api_client, worker, team):
    for _ in range(3):
        CaseFactory(link_worker=worker, referral__team=team, referral__person__team=team)
    answer = api_client(worker).get("/api/v1/caseload?page_size=2&page=2")
    assert answer.status_code == 200 and len(answer.json()["items"]) == 1
    assert _list_event("casework.caseload").detail == {"people": 1, "via": "api"}


def test_an_empty_list_is_still_audited(client, worker):
    client.force_login(worker)
    client.get("/cases/")
    assert _list_event("casework.caseload").detail["people"] == 0


def test_the_referrals_api_list_audits_each_page(api_client, referrer, practice):
    for _ in range(2):
        ReferralFactory(referrer=referrer)
    answer = api_client(referrer).get("/api/v1/referrals")
    assert answer.status_code == 200 and len(answer.json()["items"]) == 2
    event = _list_event("referrals.referrals")
    assert event.actor == referrer and event.detail == {"people": 2, "via": "api"}


def test_the_api_documents_still_describe_the_audited_lists(client, db):
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/v1/caseload", "/api/v1/referrals"):
        params = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"page", "page_size"} <= params
