"""Test helpers for two-factor sign-in: the code an authenticator app would show now."""

from __future__ import annotations

from django_otp.oath import totp

from accounts.models import AuthenticatorDevice
from accounts.two_factor_actions import confirm_authenticator, pending_authenticator


def code_for(device: AuthenticatorDevice, *, ahead: int = 0) -> str:
    """The 6-digit code for now (ahead=1: the next 30 seconds' code, which the device's
    tolerance of one step also accepts; a code once used cannot be used again)."""
    value = totp(device.bin_key, device.step, device.t0 - ahead * device.step, device.digits)
    return str(value).zfill(device.digits)


def enrol(user) -> tuple[AuthenticatorDevice, list[str]]:
    """Set up an authenticator and recovery codes for `user` as the set-up page does."""
    device = pending_authenticator(user)
    return confirm_authenticator(user, code_for(device))
