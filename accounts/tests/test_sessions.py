"""Sessions end after 30 minutes without a request (renewed at most once a minute, so pages
do not each write), and "log out everywhere" ends every session a user has, audited."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.middleware import RENEWED_AT
from audit.models import Event

SIGN_OUT_EVERYWHERE = "/account/sign-out-everywhere/"


def _session_row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_sessions_end_after_thirty_minutes_idle_or_when_the_browser_closes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_a_session_idle_past_its_expiry_is_sent_to_log_in(client, worker):
    client.force_login(worker)
    assert client.get("/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    answer = client.get("/")
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_a_request_after_a_minute_moves_the_expiry_on(client, worker):
    client.force_login(worker)
    session = client.session
    session[RENEWED_AT] -= 61
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=5)
    )
    client.get("/")
    left = _session_row(client).expire_date - timezone.now()
    assert left > timedelta(minutes=29)


def test_requests_within_the_minute_do_not_write_the_session(client, worker):
    client.force_login(worker)
    before = _session_row(client).expire_date
    client.get("/")
    client.get("/")
    assert _session_row(client).expire_date == before


def test_log_out_everywhere_shows_a_page_with_one_button(client, worker):
    client.force_login(worker)
    page = client.get(SIGN_OUT_EVERYWHERE).content.decode()
    assert "<h1>Log out everywhere</h1>" in page and 'method="post"' in page
    assert f'href="{SIGN_OUT_EVERYWHERE}"' in client.get("/").content.decode()


def test_log_out_everywhere_ends_every_session_of_that_user_only(client, worker, colleague):
    laptop, phone, colleagues = client, Client(), Client()
    laptop.force_login(worker)
    phone.force_login(worker)
    colleagues.force_login(colleague)
    assert phone.get("/").status_code == 200

    answer = laptop.post(SIGN_OUT_EVERYWHERE)
    assert answer.status_code == 302 and answer["Location"] == "/login/"

    for device in (laptop, phone):
        home = device.get("/")
        assert home.status_code == 302 and "/login/" in home["Location"]
    assert colleagues.get("/").status_code == 200
    assert "logged out on every device" in laptop.get("/login/").content.decode()


def test_log_out_everywhere_is_audited(client, worker):
    client.force_login(worker)
    client.post(SIGN_OUT_EVERYWHERE)
    event = Event.objects.get(record_type="accounts.User", record_id=str(worker.pk))
    assert event.verb == Event.Verb.CHANGE and event.actor == worker
    assert event.detail == {"via": "sign_out_everywhere", "fields": ["session_generation"]}


def test_logging_in_again_after_log_out_everywhere_works(client, worker):
    client.force_login(worker)
    client.post(SIGN_OUT_EVERYWHERE)
    worker.refresh_from_db()  # as the login page's authenticate() reads the user afresh
    client.force_login(worker)
    assert client.get("/").status_code == 200


def test_log_out_everywhere_needs_a_logged_in_user(client, db):
    answer = client.post(SIGN_OUT_EVERYWHERE)
    assert answer.status_code == 302 and "/login/" in answer["Location"]
    assert not Event.objects.exists()


def test_sessions_signed_before_the_generation_existed_stay_valid(worker):
    assert worker.session_generation == 0
    assert worker.get_session_auth_hash() == AbstractBaseUser._get_session_auth_hash(worker)


def test_a_second_log_out_everywhere_ends_the_sessions_made_since(client, worker):
    client.force_login(worker)
    client.post(SIGN_OUT_EVERYWHERE)
    worker.refresh_from_db()
    laptop, phone = Client(), Client()
    laptop.force_login(worker)
    phone.force_login(worker)
    laptop.post(SIGN_OUT_EVERYWHERE)
    assert phone.get("/").status_code == 302
    worker.refresh_from_db()
    assert worker.session_generation == 2
