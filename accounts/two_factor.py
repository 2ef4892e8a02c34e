"""Two-factor sign-in (TOTP through django-otp, the secret encrypted at rest:
accounts.AuthenticatorDevice; recovery codes, kept hashed, in accounts.recovery_codes): who
needs it, which devices a user has, how a code is checked, and the session's record of it.

A sign-in with a device only logs the user in after the code (accounts.signin); the
session then holds STATE = "verified". A user without a device is logged in with STATE =
"none", and if their role needs two-factor sign-in (`required_for`) TwoFactorMiddleware
lets them reach nothing but the enrolment pages until they have it."""

from __future__ import annotations

import datetime as dt
import logging
import re
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import recovery_codes
from accounts.models import AuthenticatorDevice, Role, User

log = logging.getLogger(__name__)

STATE = "srx_2fa"  # "verified" once a code was given; "none" when the user had no device
VERIFIED, NO_DEVICE = "verified", "none"
PENDING = "srx_2fa_pending"  # password accepted, code not yet: {"user", "backend", "at", "next"}
PENDING_SECONDS = 5 * 60
DEVICE_NAME = "Authenticator app"
# When no configured key decrypts the authenticator's secret (SECRET_KEY or
# OTP_ENCRYPTION_KEY changed without the old one in the fallbacks: accounts.otp_secrets).
UNREADABLE = (
    "Codes from your authenticator app cannot be checked at the moment: it must be set up "
    "again. Ask your administrator to reset your two-factor sign-in. A recovery code may "
    "still work."
)

_SIX_DIGITS = re.compile(r"^\d{6}$")


def required_for(user: User) -> bool:
    """Admins, staff and supervisors must sign in with a code (unless the setting waives it,
    which only DEBUG or the test settings may do: accounts.checks)."""
    if not settings.TWO_FACTOR_REQUIRED:
        return False
    return bool(user.is_staff or user.is_superuser or user.role in (Role.SUPERVISOR, Role.ADMIN))


def authenticator(user: User) -> AuthenticatorDevice | None:
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).first()


def has_device(user: User) -> bool:
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_device(user: User) -> StaticDevice | None:
    return recovery_codes.device_for(user)


def recovery_codes_left(user: User) -> int:
    return recovery_codes.left(user)


def normalise_code(code: str) -> str:
    """What was typed, without the spaces and dashes people copy with codes."""
    return re.sub(r"[\s-]+", "", code or "").lower()


@dataclass(frozen=True)
class CodeCheck:
    device: AuthenticatorDevice | StaticDevice | None
    kind: str = ""  # "totp" or "recovery_code" when accepted
    wait_seconds: int = 0  # > 0 when django-otp's throttle refused to check at all
    unreadable: bool = False  # the authenticator's secret cannot be decrypted (UNREADABLE)


def check_code(user: User, code: str) -> CodeCheck:
    """Check `code` against the user's authenticator (6 digits) or recovery codes (the
    rest). Each wrong code slows the next check (django-otp's throttle); a recovery code
    works once (accounts.recovery_codes deletes its hash). An authenticator whose secret no
    configured key decrypts checks nothing and says so (unreadable), counting no failure."""
    code = normalise_code(code)
    if not code:
        return CodeCheck(None)
    device: AuthenticatorDevice | StaticDevice | None
    if _SIX_DIGITS.match(code):
        device, kind = authenticator(user), "totp"
    else:
        device, kind = recovery_device(user), "recovery_code"
    if device is None:
        return CodeCheck(None)
    if isinstance(device, AuthenticatorDevice) and not device.secret_is_readable():
        log.error(
            "The two-factor secret of user %s cannot be decrypted: was SECRET_KEY or "
            "OTP_ENCRYPTION_KEY changed without the old one in its fallbacks?",
            user.pk,
        )
        return CodeCheck(None, unreadable=True)
    allowed, why = device.verify_is_allowed()
    if not allowed:
        locked_until = (why or {}).get("locked_until")
        wait = int((locked_until - timezone.now()).total_seconds()) + 1 if locked_until else 1
        return CodeCheck(None, wait_seconds=max(wait, 1))
    if kind == "recovery_code":
        # Checked against the stored hashes; django-otp's own static tokens stay empty.
        right = recovery_codes.verify(device, code)
    else:
        right = device.verify_token(code)
    return CodeCheck(device, kind) if right else CodeCheck(None)


def try_again_message(wait_seconds: int) -> str:
    """What the code page says while django-otp's throttle refuses to check codes: the
    time to try again, plainly. It names no account (the throttle is the device's, and the
    page is only reached once a password was right)."""
    at = timezone.localtime(timezone.now() + dt.timedelta(seconds=wait_seconds))
    if wait_seconds < 60:
        wait = f"{wait_seconds} second{'s' if wait_seconds != 1 else ''}"
    else:
        minutes = -(-wait_seconds // 60)
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return (
        f"Too many wrong codes in a row, so codes are not being checked for now. Try again "
        f"in {wait}, after {at:%H:%M:%S}, with the code your app shows then."
    )


def secret_for_typing(device: AuthenticatorDevice) -> str:
    """The secret as an authenticator app asks for it: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_code_svg(device: AuthenticatorDevice) -> SafeString:
    """The otpauth:// link as an inline SVG: no script, no inline style (the CSP allows
    neither), a title for screen readers."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4,
        border=2,
        dark="#000",
        light="#fff",
        title="QR code to scan with your authenticator app",
        svgclass="srx-qr",
        lineclass=None,
    )
    return mark_safe(svg)  # noqa: S308 (segno's own markup, built from our data only)


def masked(code: str) -> str:
    """A recovery code as shown: two groups of five, easier to copy."""
    return format_html("{} {}", code[:5], code[5:])
