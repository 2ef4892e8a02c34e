"""Two-factor sign-in in a real browser, enforced as in production: a supervisor is sent
to set it up, scans (here: reads) the secret, confirms with a code, saves the recovery
codes, then signs in with a code from the app and later with a recovery code."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from accounts.tests.factories import DEMO_PASSWORD
from tests.browser import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(secret: str, *, ahead: int = 0) -> str:
    """What an authenticator app shows for the secret typed from the page."""
    key = b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return str(totp(key, step=30, t0=-30 * ahead, digits=6)).zfill(6)


def test_a_supervisor_sets_up_two_factor_and_signs_in_with_it(page, settings, supervisor):
    settings.TWO_FACTOR_REQUIRED = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    supervisor.set_password(DEMO_PASSWORD)
    supervisor.save()

    # Sent straight to set it up: nothing else is reachable.
    login(page, "supervisor")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    page.goto("/cases/team/")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from your app").fill(_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    # The recovery codes, once.
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = [c.replace(" ", "") for c in page.locator(".srx-recovery-code").all_inner_texts()]
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page).to_have_url(re.compile(r"/cases/team/$"))  # where they were going
    logout(page)

    # Password, then the code the app shows (the next one: the first was used).
    login(page, "supervisor", code=_code(secret, ahead=1))
    expect(page.get_by_role("button", name="Log out", exact=True)).to_be_visible()
    assert "/account/two-factor/" not in page.url
    logout(page)

    # No phone: a recovery code, once.
    login(page, "supervisor", code=codes[0])
    expect(page.get_by_text("You used a recovery code: 9 left.")).to_be_visible()
    logout(page)
    login(page, "supervisor", code=codes[0])
    expect(page.get_by_role("link", name=re.compile("That code is not right"))).to_be_visible()
