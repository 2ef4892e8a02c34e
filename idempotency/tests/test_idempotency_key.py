"""Every POST of the JSON API honours an Idempotency-Key header (docs/api.md)."""

import datetime as dt
import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from accounts.tokens import create_api_token
from audit.models import Event
from casework.models import Connection
from casework.tests.factories import CaseFactory, ConnectionFactory
from idempotency.keys import purge_expired
from idempotency.models import StoredAnswer
from people.models import Consent
from people.tests.factories import ConsentFactory
from referrals.models import Referral

BODY = {
    "person": {
        "given_name": "Mary",
        "family_name": "Jones",
        "birth_date": "1948-03-02",
        "nhs_number": "943 476 5919",
    },
    "reasons": ["loneliness"],
    "notes": "Widowed in March.",
    "urgency": "routine",
}


_TOKENS: dict = {}


@pytest.fixture(autouse=True)
def _fresh_tokens():
    _TOKENS.clear()


@pytest.fixture
def proposal(worker, service, organization):
    """A proposal the worker may send (the person agreed to share their name)."""
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    ConsentFactory(
        person=case.person,
        kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
        organization=organization,
        shared_fields=["name"],
    )
    return ConnectionFactory(case=case, service=service, status="proposed")


def _post(user, path, body, key=None, client=None):
    if user.pk not in _TOKENS:
        _TOKENS[user.pk] = create_api_token(user)
    headers = {"Authorization": f"Bearer {_TOKENS[user.pk]}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    client = client or Client()
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def test_a_repeat_with_the_same_key_answers_the_first_answer_and_writes_nothing(referrer):
    first = _post(referrer, "/api/v1/referrals", BODY, key="k-1")
    events = Event.objects.count()
    again = _post(referrer, "/api/v1/referrals", BODY, key="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Referral.objects.count() == 1
    assert Event.objects.count() == events


def test_the_same_json_in_another_order_or_spacing_is_the_same_request(referrer):
    first = _post(referrer, "/api/v1/referrals", BODY, key="k-order")
    reordered = dict(reversed(list(BODY.items())))
    again = _post(referrer, "/api/v1/referrals", reordered, key="k-order")
    assert again.json()["id"] == first.json()["id"]
    assert Referral.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused_with_422(referrer):
    _post(referrer, "/api/v1/referrals", BODY, key="k-2")
    other = {**BODY, "notes": "Someone else entirely."}
    resp = _post(referrer, "/api/v1/referrals", other, key="k-2")
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "Idempotency-Key"
    assert "different request" in resp.json()["detail"]
    assert Referral.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_refused_with_422(worker, proposal):
    _post(worker, "/api/v1/referrals", BODY, key="shared")
    path = f"/api/v1/connections/{proposal.pk}/transition"
    resp = _post(worker, path, {"to": "sent"}, key="shared")
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "Idempotency-Key"


def test_keys_belong_to_their_user(referrer, practice):
    from accounts.tests.factories import UserFactory

    other_gp = UserFactory(username="gp2", role="referrer", team=practice)
    a = _post(referrer, "/api/v1/referrals", BODY, key="same")
    b = _post(other_gp, "/api/v1/referrals", {**BODY, "confirm_duplicate": True}, key="same")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert Referral.objects.count() == 2


def test_without_a_key_each_post_is_a_new_request(referrer):
    _post(referrer, "/api/v1/referrals", BODY)
    resp = _post(referrer, "/api/v1/referrals", BODY)
    assert resp.status_code == 409  # the duplicate check speaks, not the replay
    assert not StoredAnswer.objects.exists()


def test_a_refusal_is_replayed_as_it_was(referrer):
    _post(referrer, "/api/v1/referrals", BODY)
    first = _post(referrer, "/api/v1/referrals", BODY, key="k-409")
    again = _post(referrer, "/api/v1/referrals", BODY, key="k-409")
    assert first.status_code == again.status_code == 409
    assert again.json() == first.json()


def test_invalid_fields_are_not_remembered(referrer):
    bad = {**BODY, "urgency": "whenever"}
    assert _post(referrer, "/api/v1/referrals", bad, key="k-fix").status_code == 422
    assert not StoredAnswer.objects.exists()


def test_a_malformed_key_is_refused_naming_the_header(referrer):
    for key in ("", "has space", "x" * 256, "naïve"):
        resp = _post(referrer, "/api/v1/referrals", BODY, key=key)
        assert resp.status_code == 422, key
        assert resp.json()["errors"] == [
            {"field": "Idempotency-Key", "message": resp.json()["detail"]}
        ]
    assert not Referral.objects.exists()


def test_an_unauthenticated_post_with_a_key_is_401_and_remembers_nothing(db, client):
    resp = client.post(
        "/api/v1/referrals", BODY, content_type="application/json", headers={"Idempotency-Key": "k"}
    )
    assert resp.status_code == 401
    assert not StoredAnswer.objects.exists()


def test_a_key_older_than_the_window_starts_afresh(referrer):
    first = _post(referrer, "/api/v1/referrals", BODY, key="old")
    StoredAnswer.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    other = {**BODY, "confirm_duplicate": True}
    again = _post(referrer, "/api/v1/referrals", other, key="old")
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert StoredAnswer.objects.get().fingerprint != ""


def test_expired_answers_are_purged(referrer):
    _post(referrer, "/api/v1/referrals", BODY, key="a")
    _post(referrer, "/api/v1/referrals", {**BODY, "confirm_duplicate": True}, key="b")
    StoredAnswer.objects.filter(key="a").update(created_at=timezone.now() - dt.timedelta(days=2))
    assert purge_expired() == 1
    assert list(StoredAnswer.objects.values_list("key", flat=True)) == ["b"]


def test_a_connection_move_is_made_once(worker, proposal):
    conn = proposal
    path = f"/api/v1/connections/{conn.pk}/transition"
    first = _post(worker, path, {"to": "sent"}, key="send-1")
    again = _post(worker, path, {"to": "sent"}, key="send-1")
    assert first.status_code == again.status_code == 200, first.content
    assert again.json() == first.json()
    assert Connection.objects.get(pk=conn.pk).status == "sent"
    assert Event.objects.filter(record_type="casework.Connection", verb="change").count() == 1


def test_the_openapi_description_explains_the_header(db, client):
    assert "Idempotency-Key" in client.get("/api/openapi.json").json()["info"]["description"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_waits_and_replays_instead_of_writing_twice(referrer, monkeypatch):
    """Two connections, the second request sent while the first is still in its view:
    the unique (user, key) makes the second wait for the first to commit, then replay."""
    import referrals.api

    real = referrals.api.refer_person
    first_is_writing = threading.Event()

    def slow_refer_person(**kwargs):
        referral = real(**kwargs)
        first_is_writing.set()
        threading.Event().wait(0.5)  # hold the transaction open while the twin arrives
        return referral

    monkeypatch.setattr(referrals.api, "refer_person", slow_refer_person)
    token = create_api_token(referrer)
    answers = {}

    def send(name):
        try:
            answers[name] = Client().post(
                "/api/v1/referrals",
                json.dumps(BODY),
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "twin"},
            )
        finally:
            connections.close_all()

    one = threading.Thread(target=send, args=("one",))
    one.start()
    assert first_is_writing.wait(10)
    two = threading.Thread(target=send, args=("two",))
    two.start()
    one.join(20)
    two.join(20)
    assert answers["one"].status_code == answers["two"].status_code == 201
    assert answers["one"].json()["id"] == answers["two"].json()["id"]
    assert answers["two"]["Idempotent-Replayed"] == "true"
    assert Referral.objects.count() == 1
    assert Event.objects.filter(record_type="referrals.Referral", verb="create").count() == 1
