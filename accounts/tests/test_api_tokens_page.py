"""The API tokens page: make a token (shown once, in the answer to the form, stored
nowhere in plain text: not in the session), see yours, revoke yours; sending a form again
makes no second token; administrators see and revoke anyone's. Tokens expire; expired and
revoked ones answer 401 in the API's error shape; a read-only token cannot write; last use
is written at most once a minute."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.utils import timezone

from accounts.models import ApiToken
from accounts.tests.database import everything_stored
from accounts.tests.factories import UserFactory
from accounts.tokens import create_api_token
from audit.models import Event

PAGE = "/account/tokens/"
EVERYONE = "/account/tokens/everyone/"


def _make(client, **data):
    """Send the form as a fresh page would: with its own one-time value."""
    form = {"name": "practice system", "scope": "read", "days": "90"}
    return client.post(PAGE, {**form, "once": secrets.token_urlsafe(16), **data})


def _shown_token(body: str) -> str:
    return re.search(r'<code id="new-token">(srx_[\w-]+)</code>', body).group(1)


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_new_token_is_shown_once_and_listed(client, worker):
    client.force_login(worker)
    made = _make(client)
    assert made.status_code == 200  # shown in the answer to the form, not after a redirect
    body = made.content.decode()
    token = _shown_token(body)
    row = ApiToken.objects.get(user=worker)
    assert row.prefix == token[:12] and token not in (row.token_hash,)
    assert "practice system" in body and "Read only" in body
    assert "Never" in body  # not used yet
    assert f"{row.expires_at:%-d %b %Y}" in body
    again = client.get(PAGE).content.decode()
    assert token not in again and row.prefix in again
    assert client.get("/api/v1/caseload", headers=_bearer(token)).status_code == 200


def test_the_answer_with_the_token_is_never_stored(client, worker):
    client.force_login(worker)
    made = _make(client)
    token = _shown_token(made.content.decode())
    assert "no-store" in made["Cache-Control"] and "private" in made["Cache-Control"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_data FROM django_session")
        sessions = cursor.fetchall()
    assert sessions
    for (data,) in sessions:
        assert token not in data and token[4:] not in data
        decoded = SessionStore().decode(data)
        assert decoded  # it decoded: the search below looked at the real contents
        assert token not in repr(decoded) and token[4:] not in repr(decoded)
    assert everything_stored().count(token[4:]) == 0
    # Still the one live token, and it works.
    assert client.get("/api/v1/caseload", headers=_bearer(token)).status_code == 200


def test_sending_the_same_form_again_makes_no_second_token(client, worker):
    client.force_login(worker)
    form = {"name": "practice system", "scope": "read", "days": "90", "once": "form-1"}
    token = _shown_token(client.post(PAGE, form).content.decode())
    row = ApiToken.objects.get()
    again = client.post(PAGE, form)  # the browser's refresh of the answer
    assert again.status_code == 409
    body = again.content.decode()
    assert ApiToken.objects.count() == 1
    assert token not in body and 'id="new-token"' not in body
    assert "No new token made" in body and f"<code>{row.prefix}…</code>" in body
    assert "revoke it below and make a new one" in body
    # A fresh form (its own value) makes another.
    fresh = re.search(r'name="once" value="([\w-]+)"', body).group(1)
    assert fresh != "form-1"
    assert client.post(PAGE, {**form, "once": fresh}).status_code == 200
    assert ApiToken.objects.count() == 2


def test_each_page_carries_its_own_one_time_value(client, worker):
    client.force_login(worker)
    values = {
        re.search(r'name="once" value="([\w-]+)"', client.get(PAGE).content.decode()).group(1)
        for _ in range(2)
    }
    assert len(values) == 2


def test_a_form_without_its_one_time_value_makes_nothing(client, worker):
    client.force_login(worker)
    answer = client.post(PAGE, {"name": "script", "scope": "read", "days": "90"})
    assert answer.status_code == 400
    assert "The form was out of date" in answer.content.decode()
    assert not ApiToken.objects.exists()


def test_a_token_lasts_ninety_days_unless_told_otherwise(client, worker):
    client.force_login(worker)
    _make(client)
    row = ApiToken.objects.get()
    assert timedelta(days=89, hours=23) < row.expires_at - row.created_at <= timedelta(days=90)
    _make(client, name="short", days="7")
    short = ApiToken.objects.get(name="short")
    assert short.expires_at - short.created_at <= timedelta(days=7)


@pytest.mark.parametrize(
    "data,message",
    [
        ({"days": "366"}, "A token can last at most 365 days."),
        ({"days": "0"}, "A token must last at least 1 day."),
        ({"days": "soon"}, "Enter a whole number of days."),
        ({"name": ""}, "Enter a name for the token."),
        ({"scope": "admin"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_no_token(client, worker, data, message):
    client.force_login(worker)
    answer = _make(client, **data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not ApiToken.objects.exists()


def test_the_maximum_follows_the_setting(client, worker, settings):
    settings.API_TOKEN_MAX_DAYS = 30
    client.force_login(worker)
    assert "at most 30 days" in _make(client, days="31").content.decode()


def test_revoking_your_token_stops_it_with_a_json_401(client, worker):
    token = create_api_token(worker, name="laptop")
    row = ApiToken.objects.get()
    client.force_login(worker)
    assert client.post(f"/account/tokens/{row.pk}/revoke/").status_code == 302
    answer = client.get("/api/v1/caseload", headers=_bearer(token))
    assert answer.status_code == 401
    assert answer.json() == {
        "detail": "This API token has been revoked: make a new one on your API tokens page."
    }
    [event] = Event.objects.filter(record_type="accounts.ApiToken", verb="change")
    assert event.actor == worker and event.detail == {"revoked": True}
    assert "Revoked" in client.get(PAGE).content.decode()


def test_an_expired_token_answers_401_and_says_so(client, worker):
    token = create_api_token(worker, days=1)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    answer = client.get("/api/v1/caseload", headers=_bearer(token))
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]
    client.force_login(worker)
    assert "Expired" in client.get(PAGE).content.decode()


def test_a_read_only_token_cannot_write(client, referrer):
    token = create_api_token(referrer, scope=ApiToken.Scope.READ)
    assert client.get("/api/v1/referrals", headers=_bearer(token)).status_code == 200
    answer = client.post(
        "/api/v1/referrals", {}, content_type="application/json", headers=_bearer(token)
    )
    assert answer.status_code == 403
    assert answer.json()["detail"] == "This API token may only read: make a read and write token."


def test_you_cannot_revoke_someone_elses_token(client, worker, colleague):
    create_api_token(colleague)
    row = ApiToken.objects.get()
    client.force_login(worker)
    assert client.post(f"/account/tokens/{row.pk}/revoke/").status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


def test_an_admin_lists_and_revokes_anyones_token_audited(client, worker, admin_user):
    create_api_token(worker, name="worker's script")
    row = ApiToken.objects.get()
    client.force_login(admin_user)
    page = client.get(EVERYONE).content.decode()
    assert "worker&#x27;s script" in page and "worker" in page
    answer = client.post(f"/account/tokens/{row.pk}/revoke/")
    assert answer.status_code == 302 and answer["Location"] == EVERYONE
    row.refresh_from_db()
    assert row.revoked_at is not None
    event = Event.objects.get(record_type="accounts.ApiToken", verb="change")
    assert event.actor == admin_user and event.detail == {"revoked": True, "user": "worker"}
    assert "No live tokens." in client.get(EVERYONE).content.decode()


def test_only_admins_see_everyones_tokens(client, supervisor):
    client.force_login(supervisor)
    assert client.get(EVERYONE).status_code == 403


def test_the_everyone_page_filters_by_username(client, worker, colleague, admin_user):
    create_api_token(worker, name="one")
    create_api_token(colleague, name="two")
    client.force_login(admin_user)
    page = client.get(EVERYONE, {"username": "colleague"}).content.decode()
    assert "two" in page and ">one<" not in page and "1 live token" in page


def test_last_use_is_written_at_most_once_a_minute(client, worker):
    token = create_api_token(worker)
    client.get("/api/v1/caseload", headers=_bearer(token))
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    client.get("/api/v1/caseload", headers=_bearer(token))
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - timedelta(seconds=61))
    client.get("/api/v1/caseload", headers=_bearer(token))
    assert ApiToken.objects.get().last_used_at > first


def test_a_token_in_use_costs_no_write_per_request(client, worker, django_assert_num_queries):
    token = create_api_token(worker)
    client.get("/api/v1/caseload", headers=_bearer(token))
    # token and user, the page's count and rows, its audit event: no token write
    with django_assert_num_queries(4):
        assert client.get("/api/v1/caseload", headers=_bearer(token)).status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_your_tokens_page_runs_the_same_queries_however_many(
    client, worker, count, django_assert_num_queries
):
    for n in range(count):
        create_api_token(worker, name=f"token {n}")
    client.force_login(worker)
    # session, user, user's team (the header), the tokens
    with django_assert_num_queries(4):
        assert client.get(PAGE).status_code == 200


@pytest.mark.parametrize("count", [1, 8])
def test_everyones_tokens_page_runs_the_same_queries_however_many(
    client, admin_user, count, django_assert_num_queries
):
    for n in range(count):
        create_api_token(UserFactory(), name=f"token {n}")
    client.force_login(admin_user)
    # session, user, the count, the page of tokens with their users
    with django_assert_num_queries(4):
        assert client.get(EVERYONE).status_code == 200


def test_the_command_still_makes_a_token_that_expires(worker):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_api_token", "worker", stdout=out)
    row = ApiToken.objects.get()
    assert row.expires_at > timezone.now() + timedelta(days=89)


def test_make_a_token_comes_before_the_list(client, worker):
    create_api_token(worker, name="laptop")
    client.force_login(worker)
    body = client.get(PAGE).content.decode()
    assert body.index("Make a new token") < body.index("Your tokens")


def test_revoking_asks_first_and_only_a_post_revokes(client, worker):
    token = create_api_token(worker, name="laptop")
    row = ApiToken.objects.get()
    client.force_login(worker)
    listed = client.get(PAGE).content.decode()
    assert f'href="/account/tokens/{row.pk}/revoke/"' in listed
    asked = client.get(f"/account/tokens/{row.pk}/revoke/")
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Revoke the API token “laptop”?" in page and row.prefix in page
    assert 'method="post"' in page and "Yes, revoke it" in page
    assert 'href="/account/tokens/">No, keep it' in page
    row.refresh_from_db()
    assert row.revoked_at is None  # asking revokes nothing
    assert client.get("/api/v1/caseload", headers=_bearer(token)).status_code == 200
    assert client.post(f"/account/tokens/{row.pk}/revoke/")["Location"] == PAGE
    row.refresh_from_db()
    assert row.revoked_at is not None
    # Nothing left to confirm: back to the list.
    assert client.get(f"/account/tokens/{row.pk}/revoke/")["Location"] == PAGE


def test_an_admin_is_asked_too_and_sees_whose_token_it_is(client, worker, admin_user):
    create_api_token(worker, name="script")
    row = ApiToken.objects.get()
    client.force_login(admin_user)
    assert f'href="/account/tokens/{row.pk}/revoke/"' in client.get(EVERYONE).content.decode()
    page = client.get(f"/account/tokens/{row.pk}/revoke/").content.decode()
    assert ">worker<" in page and 'href="/account/tokens/everyone/">No, keep it' in page


def test_someone_elses_token_is_not_even_asked_about(client, worker, colleague):
    create_api_token(colleague)
    row = ApiToken.objects.get()
    client.force_login(worker)
    assert client.get(f"/account/tokens/{row.pk}/revoke/").status_code == 404
