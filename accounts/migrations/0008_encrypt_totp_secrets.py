"""Authenticator secrets encrypted at rest: every django-otp TOTPDevice (confirmed or still
being set up), whose `key` column held the secret as hex, becomes an
accounts.AuthenticatorDevice holding it encrypted (accounts.otp_secrets), with its name,
confirmation, drift, last accepted step, throttle and timestamps; the plain rows are
deleted, so otp_totp's table stays empty. Users notice nothing: the same app codes work.

Going back decrypts them into TOTPDevice rows again (needing a key that opens them)."""

import base64
from binascii import hexlify, unhexlify

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import migrations
from django.utils.encoding import force_bytes

# Frozen copy of accounts.otp_secrets at the time of this migration.
PURPOSE = b"socialrx.accounts.AuthenticatorDevice.encrypted_key"

COPIED = (
    "user_id",
    "name",
    "confirmed",
    "step",
    "t0",
    "digits",
    "tolerance",
    "drift",
    "last_t",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "last_used_at",
)


def _fernet():
    dedicated = getattr(settings, "OTP_ENCRYPTION_KEY", "")
    ordered = [
        dedicated or settings.SECRET_KEY,
        *getattr(settings, "OTP_ENCRYPTION_KEY_FALLBACKS", []),
        settings.SECRET_KEY,
        *getattr(settings, "SECRET_KEY_FALLBACKS", []),
    ]
    keys = []
    for secret in dict.fromkeys(s for s in ordered if s):
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
            force_bytes(secret)
        )
        keys.append(Fernet(base64.urlsafe_b64encode(derived)))
    return MultiFernet(keys)


def encrypt_plain_secrets(apps, schema_editor):
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    AuthenticatorDevice = apps.get_model("accounts", "AuthenticatorDevice")
    fernet = _fernet()
    for old in TOTPDevice.objects.order_by("pk").iterator():
        new = AuthenticatorDevice.objects.create(
            encrypted_key=fernet.encrypt(unhexlify(old.key.encode())).decode("ascii"),
            **{field: getattr(old, field) for field in COPIED},
        )
        # created_at is set on insert (auto_now_add): keep when the app was set up.
        AuthenticatorDevice.objects.filter(pk=new.pk).update(created_at=old.created_at)
    TOTPDevice.objects.all().delete()


def decrypt_into_plain_secrets(apps, schema_editor):
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    AuthenticatorDevice = apps.get_model("accounts", "AuthenticatorDevice")
    fernet = _fernet()
    for new in AuthenticatorDevice.objects.order_by("pk").iterator():
        key = hexlify(fernet.decrypt(new.encrypted_key.encode("ascii"))).decode("ascii")
        old = TOTPDevice.objects.create(key=key, **{field: getattr(new, field) for field in COPIED})
        TOTPDevice.objects.filter(pk=old.pk).update(created_at=new.created_at)
    AuthenticatorDevice.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_authenticator_device"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(encrypt_plain_secrets, decrypt_into_plain_secrets, elidable=False),
    ]
