"""Recovery codes are stored as keyed hashes only: no table (the session's included) ever
holds a code in plain text; a code works once; the codes django-otp stored in plain text
before are hashed by the data migration; rotating the SECRET_KEY with a fallback keeps
them working; the throttle says plainly when to try again."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts import recovery_codes, two_factor
from accounts.models import RecoveryCode
from accounts.tests.database import everything_stored
from accounts.tests.factories import DEMO_PASSWORD
from accounts.tests.otp import code_for, enrol

SET_UP = "/account/two-factor/set-up/"
RECOVERY = "/account/two-factor/recovery-codes/"


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _codes_on(page: str) -> list[str]:
    return ["".join(c) for c in re.findall(r'srx-recovery-code">(\w{5}) (\w{5})<', page)]


def test_the_database_never_holds_a_plain_code(client, supervisor):
    supervisor.set_password(DEMO_PASSWORD)
    supervisor.save()
    client.post("/login/", {"username": "supervisor", "password": DEMO_PASSWORD})
    client.get(SET_UP)
    device = supervisor.authenticatordevice_set.get(confirmed=False)
    made = _codes_on(client.post(SET_UP, {"code": code_for(device)}).content.decode())
    renewed = _codes_on(client.post(RECOVERY, {"once": "form-1"}).content.decode())
    assert len(made) == len(renewed) == 10
    stored = everything_stored()
    for code in made + renewed:
        assert code not in stored and f"{code[:5]} {code[5:]}" not in stored
    assert not StaticToken.objects.exists()
    assert RecoveryCode.objects.filter(device__user=supervisor).count() == 10
    assert all(len(d) == 64 for d in RecoveryCode.objects.values_list("digest", flat=True))


def test_a_used_code_fails_the_second_time(supervisor):
    _, codes = enrol(supervisor)
    first = two_factor.check_code(supervisor, codes[3])
    assert first.device is not None and first.kind == "recovery_code"
    assert two_factor.recovery_codes_left(supervisor) == 9
    StaticDevice.objects.filter(user=supervisor).update(throttling_failure_count=0)
    assert two_factor.check_code(supervisor, codes[3]).device is None
    assert two_factor.recovery_codes_left(supervisor) == 9


def test_a_code_of_one_user_does_not_work_for_another(supervisor, worker):
    _, codes = enrol(supervisor)
    enrol(worker)
    assert two_factor.check_code(worker, codes[0]).device is None
    assert two_factor.recovery_codes_left(supervisor) == 10


def test_the_stored_hash_is_not_itself_a_code(supervisor):
    """Someone who reads the table cannot type what it holds."""
    enrol(supervisor)
    digest = RecoveryCode.objects.filter(device__user=supervisor).values_list("digest", flat=True)[
        0
    ]
    assert two_factor.check_code(supervisor, digest).device is None
    device = StaticDevice.objects.get(user=supervisor)
    device.throttle_reset()
    assert not device.verify_token(digest)  # django-otp's own check finds no plain tokens


def test_codes_keep_working_when_the_key_is_rotated_with_a_fallback(settings, supervisor):
    _, codes = enrol(supervisor)
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "x" * 50, [old]
    assert two_factor.check_code(supervisor, codes[0]).device is not None
    settings.SECRET_KEY_FALLBACKS = []
    StaticDevice.objects.filter(user=supervisor).update(throttling_failure_count=0)
    assert two_factor.check_code(supervisor, codes[1]).device is None


def test_the_migration_hashes_plain_codes_django_otp_stored(supervisor):
    migration = importlib.import_module("accounts.migrations.0006_recovery_codes_hashed")
    device = StaticDevice.objects.create(user=supervisor, name="Recovery codes", confirmed=True)
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=t) for t in ("abcdefghij", "klmnopqrst")
    )
    migration.hash_plain_codes(apps, None)
    assert not StaticToken.objects.exists()
    assert "abcdefghij" not in everything_stored()
    assert two_factor.recovery_codes_left(supervisor) == 2
    assert two_factor.check_code(supervisor, "ABCDE-FGHIJ").device is not None
    assert two_factor.recovery_codes_left(supervisor) == 1
    assert recovery_codes.digest(supervisor.pk, "klmnopqrst") in RecoveryCode.objects.values_list(
        "digest", flat=True
    )


def test_the_throttle_says_when_to_try_again(supervisor):
    _, codes = enrol(supervisor)
    for _ in range(3):
        two_factor.check_code(supervisor, "wrongcode1")
    check = two_factor.check_code(supervisor, codes[0])
    assert check.device is None and check.wait_seconds > 0
    message = two_factor.try_again_message(check.wait_seconds)
    assert re.search(r"Try again in \d+ seconds?, after \d\d:\d\d:\d\d", message)
    assert "supervisor" not in message and "account" not in message
    assert "Try again in 2 minutes" in two_factor.try_again_message(61)
