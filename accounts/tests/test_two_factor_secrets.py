"""Authenticator secrets are encrypted at rest (accounts.otp_secrets): the table holds no
form of the secret; codes verify once; the data migration encrypts what django-otp stored
in plain text; a key dropped without a fallback refuses clearly (no 500), with one in the
fallbacks everything keeps working, and `reencrypt_two_factor_secrets` moves secrets to
the current key; django-otp's persistent id and middleware find the device."""

from __future__ import annotations

import base64
import hashlib
import importlib
import io
import re
from base64 import b32decode, b32encode
from binascii import hexlify

import pytest
from axes.models import AccessAttempt
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import otp_secrets, two_factor
from accounts.models import AuthenticatorDevice
from accounts.tests.database import everything_stored
from accounts.tests.factories import DEMO_PASSWORD
from accounts.tests.otp import code_for, enrol
from audit.models import Event

SET_UP = "/account/two-factor/set-up/"
CODE_PAGE = "/account/two-factor/code/"
NEW_KEY = "a-new-secret-key-" + "n" * 50
migration = importlib.import_module("accounts.migrations.0008_encrypt_totp_secrets")


@pytest.fixture(autouse=True)
def quick_passwords(settings, supervisor):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    supervisor.set_password(DEMO_PASSWORD)
    supervisor.save()


def _code(key: bytes, *, ahead: int = 0) -> str:
    """What an authenticator app holding `key` shows (ahead=1: the next step's code)."""
    return str(totp(key, 30, -30 * ahead, 6)).zfill(6)


def _forms_of(secret: bytes) -> list[str]:
    """Every way the secret could be written down: hex, base32 (as apps take it), raw."""
    b32 = b32encode(secret).decode()
    hexed = hexlify(secret).decode()
    return [hexed, hexed.upper(), b32, b32.rstrip("="), b32.lower(), secret.decode("latin-1")]


def _stored_key_column(device) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT encrypted_key FROM accounts_authenticatordevice WHERE id = %s", [device.pk]
        )
        return cursor.fetchone()[0]


def _sign_in(client, code):
    client.post("/login/", {"username": "supervisor", "password": DEMO_PASSWORD})
    return client.post(CODE_PAGE, {"code": code})


# --- At rest ----------------------------------------------------------------------------


def test_the_database_holds_no_form_of_the_secret(client, supervisor):
    client.post("/login/", {"username": "supervisor", "password": DEMO_PASSWORD})
    page = client.get(SET_UP).content.decode()
    typed = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    secret = b32decode(typed + "=" * (-len(typed) % 8))
    assert len(secret) == 20
    client.post(SET_UP, {"code": _code(secret)})
    device = AuthenticatorDevice.objects.get(user=supervisor, confirmed=True)
    assert device.bin_key == secret

    column = _stored_key_column(device)
    assert column.startswith("gAAAAA")  # a Fernet token (version byte 0x80)
    everything = everything_stored()
    for form in _forms_of(secret):
        assert form not in column and form not in everything
    assert not TOTPDevice.objects.exists()  # nothing in django-otp's plain table


def test_each_secret_is_encrypted_afresh(supervisor, worker):
    a, b = AuthenticatorDevice(user=supervisor), AuthenticatorDevice(user=worker)
    a.set_secret(b"\x01" * 20)
    b.set_secret(b"\x01" * 20)
    assert a.encrypted_key != b.encrypted_key  # a random IV each time: equal secrets don't show


# --- Codes ------------------------------------------------------------------------------


def test_a_code_from_the_secret_verifies_once(supervisor):
    device, _ = enrol(supervisor)
    code = code_for(device, ahead=1)
    assert two_factor.check_code(supervisor, code).kind == "totp"
    assert two_factor.check_code(supervisor, code).device is None  # replayed
    assert AuthenticatorDevice.objects.get(pk=device.pk).throttling_failure_count == 1


def test_of_two_requests_racing_with_one_code_one_wins(supervisor):
    enrol(supervisor)
    first = AuthenticatorDevice.objects.get(user=supervisor)
    second = AuthenticatorDevice.objects.get(user=supervisor)  # read before the first saves
    code = code_for(first, ahead=1)
    assert first.verify_token(code) is True
    assert second.verify_token(code) is False
    stored = AuthenticatorDevice.objects.get(user=supervisor)
    assert stored.last_t == first.last_t and stored.throttling_failure_count == 1


def test_the_qr_code_link_carries_the_secret_for_the_app(supervisor):
    device, _ = enrol(supervisor)
    url = device.config_url
    assert url.startswith("otpauth://totp/socialrx%3Asupervisor?")
    assert f"secret={b32encode(device.bin_key).decode()}" in url and "issuer=socialrx" in url


def test_django_otp_finds_the_device_by_its_persistent_id(client, supervisor):
    device, _ = enrol(supervisor)
    assert device.persistent_id == f"accounts.authenticatordevice/{device.pk}"
    assert Device.from_persistent_id(device.persistent_id) == device
    _sign_in(client, code_for(device, ahead=1))
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id

    request = RequestFactory().get("/")
    request.user, request.session = supervisor, SessionStore(client.session.session_key)
    OTPMiddleware(lambda r: None)(request)
    assert request.user.otp_device == device and request.user.is_verified()


# --- The data migration -----------------------------------------------------------------


def test_the_migration_encrypts_plain_devices_and_deletes_them(supervisor, worker):
    confirmed = TOTPDevice.objects.create(
        user=supervisor, name="Authenticator app", key="3132333435363738393031323334353637383930",
        confirmed=True, drift=1, last_t=5,
    )  # fmt: skip
    TOTPDevice.objects.filter(pk=confirmed.pk).update(created_at="2025-01-02T03:04:05Z")
    pending = TOTPDevice.objects.create(user=worker, name="Authenticator app", confirmed=False)
    pending_key = bytes.fromhex(pending.key)

    migration.encrypt_plain_secrets(apps, None)

    assert not TOTPDevice.objects.exists()
    mine = AuthenticatorDevice.objects.get(user=supervisor)
    assert mine.confirmed and mine.bin_key == b"12345678901234567890"
    assert (mine.drift, mine.last_t, mine.name) == (1, 5, "Authenticator app")
    assert f"{mine.created_at:%Y-%m-%d %H:%M:%S}" == "2025-01-02 03:04:05"
    theirs = AuthenticatorDevice.objects.get(user=worker)
    assert not theirs.confirmed and theirs.bin_key == pending_key
    everything = everything_stored()
    for form in _forms_of(b"12345678901234567890") + _forms_of(pending_key):
        assert form not in everything
    # The same app goes on working (its drift of one step is followed).
    assert two_factor.check_code(supervisor, _code(b"12345678901234567890", ahead=1)).kind == "totp"


def test_the_migration_goes_back_to_plain_devices(supervisor):
    device, _ = enrol(supervisor)
    secret = device.bin_key
    migration.decrypt_into_plain_secrets(apps, None)
    assert not AuthenticatorDevice.objects.exists()
    plain = TOTPDevice.objects.get(user=supervisor)
    assert plain.bin_key == secret and plain.confirmed


def test_the_migration_encrypts_as_the_app_decrypts(settings, supervisor):
    """The migration keeps a frozen copy of the key derivation: the two must agree."""
    settings.OTP_ENCRYPTION_KEY = "a-dedicated-key-" + "d" * 40
    assert migration.PURPOSE == otp_secrets.PURPOSE
    token = migration._fernet().encrypt(b"secret").decode()
    assert otp_secrets.decrypt(token) == b"secret"
    assert migration._fernet().decrypt(otp_secrets.encrypt(b"secret").encode()) == b"secret"


# --- Keys: rotation, a dedicated key, a lost key ----------------------------------------


def test_another_secret_key_cannot_decrypt_and_sign_in_says_what_to_do(
    client, settings, supervisor, caplog
):
    device, _ = enrol(supervisor)
    code = code_for(device, ahead=1)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, []
    with pytest.raises(otp_secrets.SecretUnreadable):
        device.bin_key  # noqa: B018
    assert device.verify_token(code) is False

    answer = _sign_in(client, code)
    assert answer.status_code == 200
    body = answer.content.decode()
    assert "Ask your administrator to reset your two-factor sign-in" in body
    assert "<title>Error: " in body
    assert "_auth_user_id" not in client.session
    assert "cannot be decrypted" in caplog.text and code not in caplog.text
    # Audited as a failed sign-in, not counted towards the lockout, no throttle step.
    failed = Event.objects.filter(record_type="accounts.User", record_id=str(supervisor.pk))
    assert [e.detail["step"] for e in failed if e.detail.get("event") == "sign_in_failed"] == [
        "code"
    ]
    assert not AccessAttempt.objects.filter(username="supervisor").exists()
    assert AuthenticatorDevice.objects.get(pk=device.pk).throttling_failure_count == 0


def test_turning_off_with_an_unreadable_secret_says_what_to_do(client, settings, supervisor):
    device, _ = enrol(supervisor)
    code = code_for(device, ahead=1)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, []
    client.force_login(supervisor)
    session = client.session
    session[two_factor.STATE] = two_factor.VERIFIED
    session.save()
    answer = client.post("/account/two-factor/turn-off/", {"code": code})
    assert answer.status_code == 400
    assert two_factor.UNREADABLE in answer.content.decode()


def test_the_set_up_page_makes_a_new_secret_when_the_pending_one_is_unreadable(
    client, settings, supervisor
):
    client.force_login(supervisor)
    client.get(SET_UP)
    old = AuthenticatorDevice.objects.get(user=supervisor, confirmed=False)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, []
    client.force_login(supervisor)
    assert client.get(SET_UP).status_code == 200
    new = AuthenticatorDevice.objects.get(user=supervisor, confirmed=False)
    assert new.pk != old.pk and new.secret_is_readable()


def test_with_the_old_key_in_the_fallbacks_codes_still_work(settings, supervisor):
    device, _ = enrol(supervisor)
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [old]
    assert two_factor.check_code(supervisor, code_for(device, ahead=1)).kind == "totp"


def test_re_encrypting_moves_every_secret_to_the_current_key(settings, supervisor, worker):
    device, _ = enrol(supervisor)
    code = code_for(device, ahead=1)
    pending = AuthenticatorDevice(user=worker, confirmed=False)
    pending.set_secret()
    pending.save()
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [old]
    out = io.StringIO()
    call_command("reencrypt_two_factor_secrets", stdout=out)
    assert "Re-encrypted 2 two-factor secret(s)" in out.getvalue()
    settings.SECRET_KEY_FALLBACKS = []  # the old key can go now
    assert two_factor.check_code(supervisor, code).kind == "totp"
    assert AuthenticatorDevice.objects.get(pk=pending.pk).secret_is_readable()


def test_re_encrypting_names_the_users_whose_secret_no_key_opens(settings, supervisor):
    enrol(supervisor)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, []
    with pytest.raises(CommandError, match=rf"user ids {supervisor.pk}\b"):
        call_command("reencrypt_two_factor_secrets")


def test_a_dedicated_key_encrypts_new_secrets_and_older_ones_still_open(
    settings, supervisor, worker
):
    before, _ = enrol(supervisor)  # under SECRET_KEY
    settings.OTP_ENCRYPTION_KEY = "a-dedicated-key-" + "d" * 40
    assert two_factor.check_code(supervisor, code_for(before, ahead=1)).kind == "totp"
    after, _ = enrol(worker)
    # Rotating SECRET_KEY no longer touches secrets made under the dedicated key.
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, []
    assert AuthenticatorDevice.objects.get(pk=after.pk).secret_is_readable()
    assert not AuthenticatorDevice.objects.get(pk=before.pk).secret_is_readable()
    # And the dedicated key rotates the same way.
    settings.OTP_ENCRYPTION_KEY_FALLBACKS = [settings.OTP_ENCRYPTION_KEY]
    settings.OTP_ENCRYPTION_KEY = "another-dedicated-key-" + "e" * 40
    assert AuthenticatorDevice.objects.get(pk=after.pk).secret_is_readable()
    settings.OTP_ENCRYPTION_KEY_FALLBACKS = []
    assert not AuthenticatorDevice.objects.get(pk=after.pk).secret_is_readable()


def test_the_key_is_derived_for_this_purpose_alone(settings, supervisor):
    """A Fernet key made directly from SECRET_KEY's bytes (no HKDF label) opens nothing."""
    device, _ = enrol(supervisor)
    naive = Fernet(base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()))
    with pytest.raises(InvalidToken):
        naive.decrypt(device.encrypted_key.encode())
