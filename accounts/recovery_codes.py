"""Two-factor recovery codes, stored hashed.

django-otp (1.7) keeps static tokens in plain text; socialrx keeps only a keyed hash of
each code (accounts.models.RecoveryCode): HMAC-SHA256 under the SECRET_KEY, over the
user's id and the code. A copy of the database alone does not give the codes (50 random
bits each, so a key-less hash could be searched), and a code hashed for one user does not
match another's. A code is checked against the hash under SECRET_KEY and each of
SECRET_KEY_FALLBACKS, so rotating the key as Django documents keeps codes working; a key
dropped without a fallback stops the codes made under it (users make a new set).

The user's django-otp StaticDevice holds the codes, so its throttle (each wrong code
doubles the wait before the next is checked) and its last-used time work as for any
device; its own token table stays empty, so nothing checks a code in plain text."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.models import RecoveryCode, User

COUNT = 10
DEVICE_NAME = "Recovery codes"
KEY_SALT = "socialrx.accounts.RecoveryCode"  # also in migration 0006: change neither alone
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32: no 0 or 1 to mistake


def new_code() -> str:
    """Ten random base32 letters (50 bits), shown as two groups of five."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


def digest(user_id: int, code: str, *, secret: str | bytes | None = None) -> str:
    """The stored form of `code` (already normalised: lower case, no spaces or dashes)."""
    value = f"{user_id}:{code}"
    return salted_hmac(KEY_SALT, value, secret=secret, algorithm="sha256").hexdigest()


def _digests(user_id: int, code: str) -> list[str]:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [digest(user_id, code, secret=key) for key in keys]


def device_for(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def left(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user, device__confirmed=True).count()


def replace(user: User) -> list[str]:
    """A new set for `user` (any earlier set stops working): the codes, the only time they
    are readable. Call inside the transaction that audits it."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    codes: set[str] = set()
    while len(codes) < COUNT:
        codes.add(new_code())
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=digest(user.pk, code)) for code in codes
    )
    return sorted(codes)


def verify(device: StaticDevice, code: str) -> bool:
    """Use up `code` (normalised) if it is one of the device's: True once, then never
    again. A wrong code counts towards the device's throttle; a right one resets it.
    The caller checks device.verify_is_allowed() first."""
    # Deleting is the check (one DELETE): of two requests racing with one code, one wins.
    used, _ = RecoveryCode.objects.filter(
        device=device, digest__in=_digests(device.user_id, code)
    ).delete()
    if used:
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp(commit=False)
        device.save()
        return True
    device.throttle_increment()
    return False
