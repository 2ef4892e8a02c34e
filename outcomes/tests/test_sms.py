"""Text messages: off in production until a gateway is set, a backend that pretends to send
stops production, nothing logs a message's text (it carries a working one-time link), and
the page says when nothing was sent."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from casework.tests.factories import CaseFactory
from outcomes.models import OneTimeLink
from outcomes.sms import MemorySMSBackend
from people.models import Consent
from people.tests.factories import ConsentFactory

CONSOLE = "outcomes.sms.ConsoleSMSBackend"
SEND = {"link-instrument": "ucla3", "link-timepoint": "week_6", "link-channel": "sms"}


class FakeGatewayBackend:
    """Stands in for a deployment's gateway (GOV.UK Notify, say): it delivers."""

    delivers = True
    sent: list[str] = []

    def send(self, to: str, body: str) -> bool:
        self.sent.append(to)
        return True


@pytest.fixture
def case(worker):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    ConsentFactory(person=case.person, kind=Consent.Kind.SMS)
    return case


def _send_from_the_page(client, worker, case, capture):
    client.force_login(worker)
    with capture(execute=True):
        resp = client.post(f"/outcomes/cases/{case.pk}/link/", SEND)
    return resp, resp.content.decode()


def _token(case) -> str:
    return OneTimeLink.objects.get(case=case).token_hash


def _production(*command: str, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SOCIALRX_TESTING", "DEBUG"}}
    env.pop("SMS_BACKEND", None)
    env.update(DEBUG="0", SECRET_KEY="sms-check-test-key-not-secret", ALLOWED_HOSTS="x.test")
    env.update(extra)
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *command],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_with_no_sms_setting_has_text_messages_off_and_passes_the_check():
    shown = _production(
        "shell", "-c", "from django.conf import settings; print(settings.SMS_BACKEND)"
    )
    assert shown.stdout.strip().splitlines()[-1] == "outcomes.sms.DisabledSMSBackend"
    assert "outcomes.E001" not in _production("check", "--deploy").stderr


def test_production_with_a_backend_that_pretends_to_send_fails_the_deploy_check():
    done = _production("check", "--deploy", SMS_BACKEND=CONSOLE)
    assert done.returncode != 0
    assert "outcomes.E001" in done.stderr and "SMS_BACKEND" in done.stderr


@pytest.mark.parametrize("backend", [CONSOLE, "outcomes.sms.LogSMSBackend"])
def test_production_refuses_a_backend_that_sends_nothing(backend):
    with (
        override_settings(DEBUG=False, TESTING=False, SMS_BACKEND=backend),
        pytest.raises(SystemCheckError, match="No text message gateway"),
    ):
        call_command("check")


@pytest.mark.parametrize(
    "backend", [f"{__name__}.FakeGatewayBackend", "outcomes.sms.DisabledSMSBackend"]
)
def test_production_accepts_a_gateway_or_text_messages_turned_off(backend):
    with override_settings(
        DEBUG=False, TESTING=False, TWO_FACTOR_REQUIRED=True, SMS_BACKEND=backend
    ):
        call_command("check")


def test_development_may_use_the_console_backend():
    with override_settings(DEBUG=True, TESTING=False, SMS_BACKEND=CONSOLE):
        call_command("check")


def test_the_page_says_not_sent_when_there_is_no_gateway(
    client, worker, case, django_capture_on_commit_callbacks, caplog
):
    with override_settings(SMS_BACKEND=CONSOLE), caplog.at_level(logging.DEBUG):
        resp, body = _send_from_the_page(client, worker, case, django_capture_on_commit_callbacks)
    assert resp.status_code == 200
    assert "Link sent" not in body and "was sent" not in body
    assert "not sent" in body
    assert "/outcomes/r/" in body  # the worker can still give the link by hand
    assert any("not sent" in r.getMessage() for r in caplog.records)


def test_the_page_says_sent_when_a_gateway_took_it(
    client, worker, case, django_capture_on_commit_callbacks
):
    FakeGatewayBackend.sent.clear()
    with override_settings(SMS_BACKEND=f"{__name__}.FakeGatewayBackend"):
        resp, body = _send_from_the_page(client, worker, case, django_capture_on_commit_callbacks)
    assert resp.status_code == 200 and "Link sent." in body and "not sent" not in body
    assert FakeGatewayBackend.sent == [case.person.phone]


@pytest.mark.parametrize("backend", [CONSOLE, "outcomes.sms.MemorySMSBackend"])
def test_no_log_line_holds_the_message_or_the_whole_number(
    client, worker, case, django_capture_on_commit_callbacks, caplog, capsys, backend
):
    MemorySMSBackend.outbox.clear()
    with override_settings(SMS_BACKEND=backend), caplog.at_level(logging.DEBUG):
        _, body = _send_from_the_page(client, worker, case, django_capture_on_commit_callbacks)
    url = body.split("<code>", 1)[1].split("</code>", 1)[0]
    token = url.rstrip("/").rsplit("/", 1)[1]
    written = caplog.text + "".join(capsys.readouterr())
    assert "/outcomes/r/" in url and len(token) > 20
    assert token not in written and case.person.given_name not in written
    assert "900123" not in written.replace(" ", "")
    assert "…123" in written  # which number, masked


def test_text_messages_turned_off_refuses_an_sms_link_with_a_reason(
    client, worker, case, django_capture_on_commit_callbacks
):
    with override_settings(SMS_BACKEND="outcomes.sms.DisabledSMSBackend"):
        resp, body = _send_from_the_page(client, worker, case, django_capture_on_commit_callbacks)
    assert resp.status_code == 400
    assert "does not send text messages" in body
    assert not OneTimeLink.objects.filter(case=case).exists()
