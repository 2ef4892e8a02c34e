"""Login throttling through the real login page: after 10 failed attempts for one username
from one address, that pair is refused for the cool-off period, even with the right
password; other addresses still get in; the page reads the same whether or not the
username exists."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from accounts.lockout import client_address
from accounts.tests.factories import DEMO_PASSWORD

HERE, ELSEWHERE = "203.0.113.10", "198.51.100.20"
LOCKED = "too many failed attempts"


@pytest.fixture(autouse=True)
def quick_hashes(settings, worker, colleague):
    """Argon2 takes about 0.2 s a check, on purpose, and these tests make dozens of checks;
    the hashing itself is tested in test_passwords.py."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for user in (worker, colleague):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])


def _log_in(client, username, password, *, address=HERE):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(client, username, times, *, address=HERE):
    return [_log_in(client, username, "wrong password", address=address) for _ in range(times)]


def _text(response) -> str:
    return response.content.decode()


def test_the_limit_is_ten_failures_for_a_username_from_one_address():
    assert settings.AXES_FAILURE_LIMIT == 10
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60


def test_nine_failures_still_let_the_right_password_in(client, worker):
    answers = _fail(client, "worker", 9)
    assert {r.status_code for r in answers} == {200}
    assert all(LOCKED not in _text(r).lower() for r in answers)
    assert _log_in(client, "worker", DEMO_PASSWORD).status_code == 302
    assert client.session[SESSION_KEY] == str(worker.pk)


def test_twelve_wrong_passwords_lock_out_even_the_right_one_from_that_address(client, worker):
    answers = _fail(client, "worker", 12)
    assert [r.status_code for r in answers[:9]] == [200] * 9
    assert [r.status_code for r in answers[9:]] == [429] * 3

    refused = _log_in(client, "worker", DEMO_PASSWORD)
    assert refused.status_code == 429
    assert LOCKED in _text(refused).lower()
    assert "30 minutes" in _text(refused)
    assert refused["Retry-After"] == "1800"
    assert SESSION_KEY not in client.session


def test_another_address_still_gets_in_while_one_is_locked_out(client, worker):
    _fail(client, "worker", 12)
    assert _log_in(client, "worker", DEMO_PASSWORD, address=ELSEWHERE).status_code == 302
    assert client.session[SESSION_KEY] == str(worker.pk)


def test_another_username_from_the_same_address_is_not_locked_out(client, worker, colleague):
    _fail(client, "worker", 12)
    assert _log_in(client, "colleague", DEMO_PASSWORD).status_code == 302


def test_the_pages_read_the_same_whether_or_not_the_username_exists(client, worker):
    known, unknown = _fail(client, "worker", 12), _fail(client, "nobody-by-this-name", 12)
    for a, b in zip(known, unknown, strict=True):
        assert a.status_code == b.status_code
        assert _page_text(a).replace("worker", "X") == _page_text(b).replace(
            "nobody-by-this-name", "X"
        )
    assert "did not match" in _text(known[0]) and LOCKED in _text(known[-1]).lower()


def _page_text(response) -> str:
    """The page without what differs from one response to the next (the masked CSRF
    tokens, 64 letters and digits)."""
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", _text(response))


def test_the_lockout_page_says_error_first_and_keeps_the_form(client, worker):
    locked = _fail(client, "worker", 10)[-1]
    body = _text(locked)
    assert "<title>Error: Log in" in body
    assert 'name="password"' in body
    assert "nhsuk-error-summary" in body


def test_after_the_cool_off_the_right_password_works_again(client, worker):
    _fail(client, "worker", 12)
    AccessAttempt.objects.update(attempt_time=_minutes_ago(31))
    assert _log_in(client, "worker", DEMO_PASSWORD).status_code == 302


def test_a_successful_login_clears_the_failures(client, worker):
    _fail(client, "worker", 9)
    assert _log_in(client, "worker", DEMO_PASSWORD).status_code == 302
    client.logout()
    answers = _fail(client, "worker", 9)
    assert {r.status_code for r in answers} == {200}


@pytest.mark.parametrize(
    "hops,forwarded,locked", [(0, "192.0.2.99", True), (1, "192.0.2.99", False)]
)
def test_behind_a_proxy_the_forwarded_address_is_the_one_counted(
    client, worker, settings, hops, forwarded, locked
):
    """With TRUSTED_PROXY_HOPS=1 every client reaches us from the proxy's address: the
    lockout must follow X-Forwarded-For, or one client would lock out everyone."""
    settings.TRUSTED_PROXY_HOPS = hops
    for _ in range(12):
        client.post(
            "/login/",
            {"username": "worker", "password": "wrong"},
            REMOTE_ADDR=HERE,
            HTTP_X_FORWARDED_FOR="192.0.2.1",
        )
    answer = client.post(
        "/login/",
        {"username": "worker", "password": DEMO_PASSWORD},
        REMOTE_ADDR=HERE,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    assert (answer.status_code == 429) is locked


def _minutes_ago(minutes: int):
    from django.utils import timezone

    return timezone.now() - timedelta(minutes=minutes)


def test_a_request_without_a_valid_address_counts_as_no_address(rf):
    assert client_address(rf.get("/", REMOTE_ADDR="unknown")) is None
    assert client_address(rf.get("/", REMOTE_ADDR="203.0.113.10")) == "203.0.113.10"
