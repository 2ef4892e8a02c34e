"""Two-factor sign-in through the real pages, with the requirement on as in production:
admins and supervisors reach nothing but the set-up pages until they have it; sign-in asks
for the code after the password; recovery codes work once; wrong codes count towards the
lockout; turning it off takes a code; an admin can reset someone's."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import override_settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts import checks, two_factor
from accounts.models import AuthenticatorDevice, RecoveryCode
from accounts.tests.factories import DEMO_PASSWORD
from accounts.tests.otp import code_for, enrol
from audit.models import Event

CODE_PAGE = "/account/two-factor/code/"
SET_UP = "/account/two-factor/set-up/"
RECOVERY = "/account/two-factor/recovery-codes/"


@pytest.fixture(autouse=True)
def enforced(settings, worker, supervisor, admin_user):
    """As production runs: required for admins and supervisors. Quick hashes: Argon2 is
    tested in test_passwords.py."""
    settings.TWO_FACTOR_REQUIRED = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    admin_user.is_staff = admin_user.is_superuser = True
    for user in (worker, supervisor, admin_user):
        user.set_password(DEMO_PASSWORD)
        user.save()


def _password(client, username, password=DEMO_PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def _code(client, code, **extra):
    return client.post(CODE_PAGE, {"code": code}, **extra)


def _events(user, event):
    return [
        e
        for e in Event.objects.filter(record_type="accounts.User", record_id=str(user.pk))
        if e.detail.get("event") == event
    ]


# --- Who needs it -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/cases/", "/cases/team/", "/referrals/queue/", "/account/tokens/", "/audit/"],
)
def test_a_supervisor_without_a_device_reaches_only_enrolment(client, supervisor, path):
    assert _password(client, "supervisor").status_code == 302
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer["Location"].startswith(SET_UP)


def test_the_api_with_a_session_answers_json_until_set_up(client, supervisor):
    _password(client, "supervisor")
    answer = client.get("/api/v1/caseload")
    assert answer.status_code == 403
    assert "Two-factor sign-in" in answer.json()["detail"]


def test_an_admin_without_a_device_cannot_reach_the_admin_site(client, admin_user):
    _password(client, "admin")
    answer = client.get("/admin/")
    assert answer.status_code == 302 and answer["Location"].startswith(SET_UP)


def test_the_admin_sites_own_login_page_sends_people_to_ours(client):
    answer = client.get("/admin/login/?next=/admin/accounts/user/")
    assert answer.status_code == 302
    assert answer["Location"] == "/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    # A password posted to it never signs anyone in by itself.
    client.post("/admin/login/", {"username": "admin", "password": DEMO_PASSWORD})
    assert SESSION_KEY not in client.session


def test_a_link_worker_may_go_without(client, worker):
    _password(client, "worker")
    assert client.get("/").status_code == 200
    assert "Set up two-factor sign-in" in client.get("/account/two-factor/").content.decode()


def test_an_older_session_of_a_supervisor_with_a_device_must_give_a_code(client, supervisor):
    device, _ = enrol(supervisor)
    client.force_login(supervisor)  # a session not made by the sign-in page
    answer = client.get("/cases/")
    assert answer.status_code == 302 and answer["Location"].startswith(CODE_PAGE)
    # Replacing the authenticator also needs the code first.
    assert client.get(SET_UP)["Location"].startswith(CODE_PAGE)
    assert _code(client, code_for(device, ahead=1)).status_code == 302
    assert client.get("/cases/").status_code == 200


# --- Setting it up ----------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_secret_and_needs_a_first_code(client, supervisor):
    _password(client, "supervisor")
    page = client.get(SET_UP)
    body = page.content.decode()
    assert page.status_code == 200
    assert '<svg width="' in body and "<title>QR code" in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)  # no inline script (the CSP)
    assert "style=" not in body.split("<svg", 1)[1].split("</svg>", 1)[0]
    device = AuthenticatorDevice.objects.get(user=supervisor, confirmed=False)
    assert two_factor.secret_for_typing(device) in body
    assert client.get(SET_UP).content.decode().count(two_factor.secret_for_typing(device)) == 1

    wrong = client.post(SET_UP, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "Enter the 6-digit code your authenticator app shows now." in wrong.content.decode()
    assert "<title>Error: " in wrong.content.decode()

    device.throttle_reset()
    done = client.post(SET_UP + "?next=/cases/team/", {"code": code_for(device)})
    # The codes come in the answer to the request that made them, not through the session.
    assert done.status_code == 200
    codes_page = done.content.decode()
    codes = re.findall(r'<code class="srx-recovery-code">(\w{5}) (\w{5})</code>', codes_page)
    assert len(codes) == 10
    assert 'href="/cases/team/"' in codes_page
    # Shown once: the page does not show them again.
    assert client.get(RECOVERY).status_code == 302
    assert client.get("/cases/team/").status_code == 200
    [event] = _events(supervisor, "two_factor_enrolled")
    assert event.actor == supervisor and event.detail["recovery_codes"] == 10
    assert RecoveryCode.objects.filter(device__user=supervisor).count() == 10
    assert not StaticToken.objects.exists()


def test_the_set_up_page_keeps_one_pending_secret(client, worker):
    client.force_login(worker)
    client.get(SET_UP)
    client.get(SET_UP)
    assert AuthenticatorDevice.objects.filter(user=worker, confirmed=False).count() == 1


# --- Signing in with it -----------------------------------------------------------------


def test_sign_in_asks_for_the_code_after_the_password(client, supervisor):
    device, _ = enrol(supervisor)
    answer = _password(client, "supervisor")
    assert answer.status_code == 302 and answer["Location"] == CODE_PAGE
    assert SESSION_KEY not in client.session  # not signed in yet
    assert client.get("/").status_code == 302
    page = client.get(CODE_PAGE).content.decode()
    assert 'autocomplete="one-time-code"' in page

    done = _code(client, code_for(device, ahead=1))
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.session[SESSION_KEY] == str(supervisor.pk)
    assert client.get("/").status_code == 200
    [event] = _events(supervisor, "sign_in")
    assert event.detail["second_factor"] == "totp"


def test_a_wrong_code_is_refused_with_a_message(client, supervisor):
    device, _ = enrol(supervisor)
    _password(client, "supervisor")
    wrong = _code(client, "123456" if code_for(device, ahead=1) != "123456" else "654321")
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert SESSION_KEY not in client.session
    [failed] = _events(supervisor, "sign_in_failed")
    assert failed.detail["step"] == "code" and failed.actor is None


def test_a_code_used_once_cannot_be_used_again(client, supervisor):
    device, _ = enrol(supervisor)
    code = code_for(device, ahead=1)
    _password(client, "supervisor")
    _code(client, code)
    client.post("/logout/")
    _password(client, "supervisor")
    assert _code(client, code).status_code == 200
    assert SESSION_KEY not in client.session


def test_a_recovery_code_works_once_and_is_audited(client, supervisor):
    _, codes = enrol(supervisor)
    _password(client, "supervisor")
    done = _code(client, f"{codes[0][:5]} {codes[0][5:].upper()}")  # as copied: spaced, any case
    assert done.status_code == 302
    assert "9 left" in client.get("/").content.decode()
    [used] = _events(supervisor, "recovery_code_used")
    assert used.detail == {"event": "recovery_code_used", "left": 9, "at_sign_in": True}
    [signed_in] = _events(supervisor, "sign_in")
    assert signed_in.detail["second_factor"] == "recovery_code"

    client.post("/logout/")
    _password(client, "supervisor")
    StaticDevice.objects.filter(user=supervisor).update(throttling_failure_count=0)
    assert _code(client, codes[0]).status_code == 200
    assert SESSION_KEY not in client.session


def test_the_code_step_expires(client, supervisor):
    device, _ = enrol(supervisor)
    _password(client, "supervisor")
    session = client.session
    session[two_factor.PENDING]["at"] -= two_factor.PENDING_SECONDS + 1
    session.save()
    answer = _code(client, code_for(device, ahead=1))
    assert answer.status_code == 302 and answer["Location"] == "/login/"
    assert SESSION_KEY not in client.session
    assert "took too long" in client.get("/login/").content.decode()


def test_the_code_page_without_a_password_first_sends_you_to_log_in(client, db):
    assert client.get(CODE_PAGE)["Location"] == "/login/"


def test_an_unsafe_next_is_not_followed(client, supervisor):
    device, _ = enrol(supervisor)
    client.post(
        "/login/",
        {"username": "supervisor", "password": DEMO_PASSWORD, "next": "https://evil.example/"},
    )
    assert _code(client, code_for(device, ahead=1))["Location"] == "/"


# --- The lockout counts wrong codes too -------------------------------------------------

HERE = "203.0.113.10"


def test_twelve_wrong_codes_lock_out_even_the_right_password(client, supervisor):
    device, _ = enrol(supervisor)
    assert _password(client, "supervisor", REMOTE_ADDR=HERE)["Location"] == CODE_PAGE
    right = code_for(device, ahead=1)
    wrong = "000000" if right != "000000" else "111111"
    answers = [_code(client, wrong, REMOTE_ADDR=HERE).status_code for _ in range(12)]
    assert answers[:9] == [200] * 9 and answers[9:] == [429] * 3
    refused = _password(client, "supervisor", REMOTE_ADDR=HERE)
    assert refused.status_code == 429
    assert "too many failed attempts" in refused.content.decode().lower()
    assert SESSION_KEY not in client.session
    locked = [e for e in _events(supervisor, "sign_in_failed") if e.detail["locked_out"]]
    assert locked


def test_wrong_passwords_and_wrong_codes_add_up(client, supervisor):
    device, _ = enrol(supervisor)
    for _ in range(5):
        _password(client, "supervisor", "wrong", REMOTE_ADDR=HERE)
    _password(client, "supervisor", REMOTE_ADDR=HERE)
    for _ in range(5):
        _code(client, "99999x", REMOTE_ADDR=HERE)
    assert _password(client, "supervisor", REMOTE_ADDR=HERE).status_code == 429


# --- Recovery codes, turning off, resetting ---------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(client, supervisor):
    device, old = enrol(supervisor)
    _password(client, "supervisor")
    _code(client, code_for(device, ahead=1))
    answer = client.post(RECOVERY, {"once": "form-1"})
    assert answer.status_code == 200
    assert client.get(RECOVERY).status_code == 302  # shown once
    page = answer.content.decode()
    new = ["".join(c) for c in re.findall(r'srx-recovery-code">(\w{5}) (\w{5})<', page)]
    assert len(new) == 10 and not set(new) & set(old)
    assert two_factor.check_code(supervisor, old[1]).device is None
    assert len(_events(supervisor, "recovery_codes_regenerated")) == 1


def test_a_refresh_of_the_new_codes_page_makes_no_second_set(client, supervisor):
    """Sending the same form again (a browser's refresh of the page showing the codes) must
    not silently replace the codes the person has just written down."""
    device, _ = enrol(supervisor)
    _password(client, "supervisor")
    _code(client, code_for(device, ahead=1))
    overview = client.get("/account/two-factor/").content.decode()
    once = re.search(r'name="once" value="([\w-]+)"', overview).group(1)
    page = client.post(RECOVERY, {"once": once}).content.decode()
    shown = ["".join(c) for c in re.findall(r'srx-recovery-code">(\w{5}) (\w{5})<', page)]
    again = client.post(RECOVERY, {"once": once})
    assert again.status_code == 409
    assert "No new recovery codes made" in again.content.decode()
    assert "srx-recovery-code" not in again.content.decode()
    assert two_factor.check_code(supervisor, shown[0]).device is not None  # still works
    assert len(_events(supervisor, "recovery_codes_regenerated")) == 1
    fresh = re.search(
        r'name="once" value="([\w-]+)"', client.get("/account/two-factor/").content.decode()
    ).group(1)
    assert fresh != once
    assert client.post(RECOVERY, {"once": fresh}).status_code == 200  # a new form works


def test_a_form_without_its_one_time_value_makes_no_codes(client, supervisor):
    device, old = enrol(supervisor)
    _password(client, "supervisor")
    _code(client, code_for(device, ahead=1))
    assert client.post(RECOVERY)["Location"] == "/account/two-factor/"
    assert not _events(supervisor, "recovery_codes_regenerated")
    assert two_factor.check_code(supervisor, old[2]).device is not None


def test_recovery_codes_cannot_be_renewed_before_the_code_is_given(client, supervisor):
    enrol(supervisor)
    client.force_login(supervisor)
    assert client.post(RECOVERY, {"once": "form-1"})["Location"].startswith(CODE_PAGE)
    assert not _events(supervisor, "recovery_codes_regenerated")


def test_turning_it_off_needs_a_code(client, worker):
    device, _ = enrol(worker)
    _password(client, "worker")
    _code(client, code_for(device, ahead=1))
    refused = client.post("/account/two-factor/turn-off/", {"code": ""})
    assert refused.status_code == 400 and AuthenticatorDevice.objects.filter(user=worker).exists()
    AuthenticatorDevice.objects.filter(user=worker).update(last_t=-1)
    done = client.post("/account/two-factor/turn-off/", {"code": code_for(device)})
    assert done.status_code == 302
    assert not AuthenticatorDevice.objects.filter(user=worker).exists()
    assert not StaticDevice.objects.filter(user=worker).exists()
    [event] = _events(worker, "two_factor_turned_off")
    assert event.verb == Event.Verb.DELETE and event.detail["with"] == "totp"
    assert client.get("/").status_code == 200  # optional for a link worker


def test_an_admin_resets_someones_two_factor_and_their_sessions_end(client, supervisor, settings):
    settings.TWO_FACTOR_REQUIRED = False  # the admin signs in with force_login here
    from django.test import Client

    from accounts.tests.factories import UserFactory

    root = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    enrol(supervisor)
    theirs = Client()
    theirs.force_login(supervisor)
    client.force_login(root)
    answer = client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [str(supervisor.pk)]},
    )
    assert answer.status_code == 302
    assert not AuthenticatorDevice.objects.filter(user=supervisor).exists()
    assert theirs.get("/").status_code == 302
    [event] = _events(supervisor, "two_factor_reset")
    assert event.actor == root and event.verb == Event.Verb.DELETE


def test_the_admin_shows_who_has_two_factor_but_not_the_devices(client, supervisor, settings):
    settings.TWO_FACTOR_REQUIRED = False
    from accounts.tests.factories import UserFactory

    root = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert "Two-factor" in client.get("/admin/accounts/user/").content.decode()
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/accounts/authenticatordevice/").status_code == 404


# --- Production cannot waive it ---------------------------------------------------------


def test_only_debug_or_the_tests_may_waive_it():
    with override_settings(TWO_FACTOR_REQUIRED=False, DEBUG=False, TESTING=False):
        [error] = checks.two_factor_required_in_production(None)
        assert error.id == "accounts.E001"
    with override_settings(TWO_FACTOR_REQUIRED=False, DEBUG=True, TESTING=False):
        assert checks.two_factor_required_in_production(None) == []
    with override_settings(TWO_FACTOR_REQUIRED=True, DEBUG=False, TESTING=False):
        assert checks.two_factor_required_in_production(None) == []


def test_the_system_check_runs_with_the_others():
    with override_settings(TWO_FACTOR_REQUIRED=False, DEBUG=False, TESTING=False):
        from django.core.management.base import SystemCheckError

        with pytest.raises(SystemCheckError, match="accounts.E001"):
            call_command("check")
