"""Writes about two-factor sign-in. Each is atomic with its audit event (on the user's
record, accounts.User, with detail.event naming what happened; never a code or secret)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import otp_secrets, recovery_codes, two_factor
from accounts.models import AuthenticatorDevice, User
from audit.actions import record_event
from audit.models import Event
from socialrx.errors import DomainError


def pending_authenticator(user: User) -> AuthenticatorDevice:
    """The not-yet-confirmed authenticator being set up, with a new random secret, stored
    encrypted (made once, kept until confirmed, so reloading the page does not change the
    QR code under the user's phone; made again if its secret can no longer be decrypted)."""
    pending = AuthenticatorDevice.objects.filter(user=user, confirmed=False).order_by("-id")
    device = pending.first()
    if device is not None and device.secret_is_readable():
        return device
    with transaction.atomic():
        pending.delete()
        device = AuthenticatorDevice(user=user, name=two_factor.DEVICE_NAME, confirmed=False)
        device.set_secret()
        device.save()
    return device


def confirm_authenticator(user: User, code: str) -> tuple[AuthenticatorDevice, list[str]]:
    """Turn the pending authenticator on if `code` is right: it replaces any earlier one,
    and a fresh set of recovery codes replaces any earlier set. Returns the device and
    the codes (the only time they are readable)."""
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise DomainError("Start setting up again: the set-up has expired.", field="code")
    typed = two_factor.normalise_code(code)
    # Checked before the transaction, so a wrong code's throttle step is kept.
    if not (typed.isdigit() and len(typed) == 6) or not device.verify_token(typed):
        raise DomainError("Enter the 6-digit code your authenticator app shows now.", field="code")
    with transaction.atomic():
        AuthenticatorDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        AuthenticatorDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        codes = _new_recovery_codes(user)
        record_event(
            user,
            Event.Verb.CREATE,
            user,
            detail={"event": "two_factor_enrolled", "recovery_codes": len(codes)},
        )
    return device, codes


def regenerate_recovery_codes(user: User) -> list[str]:
    """A new set of recovery codes; the old ones stop working."""
    if not two_factor.has_device(user):
        raise DomainError("Set up two-factor sign-in first.")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record_event(
            user,
            Event.Verb.CHANGE,
            user,
            detail={"event": "recovery_codes_regenerated", "recovery_codes": len(codes)},
        )
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    return recovery_codes.replace(user)


def record_code_used(user: User, kind: str, *, at_sign_in: bool) -> None:
    """Audit a recovery code's use (the authenticator's codes are covered by the sign-in
    event itself)."""
    if kind != "recovery_code":
        return
    record_event(
        user,
        Event.Verb.CHANGE,
        user,
        detail={
            "event": "recovery_code_used",
            "left": two_factor.recovery_codes_left(user),
            "at_sign_in": at_sign_in,
        },
    )


def turn_off(user: User, code: str) -> None:
    """The user turns two-factor sign-in off (or starts again): only with a current code or
    a recovery code, so a session left open cannot do it."""
    check = two_factor.check_code(user, code)
    if check.unreadable:
        raise DomainError(two_factor.UNREADABLE, field="code")
    if check.wait_seconds:
        raise DomainError(two_factor.try_again_message(check.wait_seconds), field="code")
    if check.device is None:
        raise DomainError(
            "Enter the 6-digit code from your authenticator app, or a recovery code.",
            field="code",
        )
    with transaction.atomic():
        _remove_devices(user)
        record_event(
            user,
            Event.Verb.DELETE,
            user,
            detail={"event": "two_factor_turned_off", "with": check.kind},
        )


def reset_for(user: User, *, by: User) -> bool:
    """An administrator removes someone's authenticator and recovery codes (a lost phone)
    and ends their sessions: at their next sign-in they set it up again. False if they had
    nothing to reset."""
    with transaction.atomic():
        removed = _remove_devices(user)
        if not removed:
            return False
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        record_event(
            by, Event.Verb.DELETE, user, detail={"event": "two_factor_reset", "via": "admin"}
        )
    return True


def _remove_devices(user: User) -> int:
    totp, _ = AuthenticatorDevice.objects.filter(user=user).delete()
    static, _ = StaticDevice.objects.filter(user=user).delete()
    return totp + static


def reencrypt_secrets() -> tuple[int, list[int]]:
    """Encrypt every authenticator's secret under the current key (after OTP_ENCRYPTION_KEY
    or SECRET_KEY was rotated with the old one in the fallbacks; then the old one can go).
    Returns how many were rewritten and the ids of the users whose secret no configured key
    decrypts (they need their two-factor sign-in reset). Nothing a user sees changes, so
    nothing is audited; each row is locked while it is rewritten."""
    rewritten, unreadable = 0, []
    for pk in AuthenticatorDevice.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            device = AuthenticatorDevice.objects.select_for_update().filter(pk=pk).first()
            if device is None:
                continue
            try:
                device.encrypted_key = otp_secrets.reencrypt(device.encrypted_key)
            except otp_secrets.SecretUnreadable:
                unreadable.append(device.user_id)
                continue
            device.save(update_fields=["encrypted_key"])
            rewritten += 1
    return rewritten, unreadable
