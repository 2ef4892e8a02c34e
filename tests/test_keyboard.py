"""Journeys by keyboard alone (WCAG 2.1.1): Tab to each field, type, Space for a box, Enter
to send. No clicks, so a control a mouse can reach but a keyboard cannot fails the test."""

import pytest
from playwright.sync_api import expect

from accounts.models import ApiToken
from accounts.tests.otp import code_for, enrol
from tests.browser import DEMO_PASSWORD
from tests.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _focused_label(page) -> str:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el) return "";
            const labels = el.labels ? [...el.labels].map(l => l.innerText) : [];
            return [el.getAttribute("aria-label") || "", el.innerText || "", el.value || "",
                    ...labels].join(" | ");
        }"""
    )


def tab_to(page, text: str, limit: int = 80, *, exact: bool = False) -> None:
    """Press Tab until the focused control is labelled (or reads) `text` (with `exact`, one
    of its names is `text` itself). Runs of white space count as one space: a visually
    hidden part of a link's text is read after a line break."""
    want = " ".join(text.lower().split())
    for _ in range(limit):
        page.keyboard.press("Tab")
        names = [" ".join(n.lower().split()) for n in _focused_label(page).split(" | ")]
        if (want in names) if exact else any(want in n for n in names):
            return
    raise AssertionError(f"{text!r} cannot be reached with the Tab key")


def test_a_link_worker_signs_in_by_keyboard_alone(page, worker):
    page.goto("/login/")
    tab_to(page, "Username")
    page.keyboard.type("worker")
    tab_to(page, "Password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)
    tab_to(page, "Caseload")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/")


def test_a_person_refers_themself_by_keyboard_alone(page, team):
    page.goto("/referrals/self/")
    for label, text in [
        ("First name", "Ada"),
        ("Last name", "Keys"),
        ("Day", "4"),
        ("Month", "5"),
        ("Year", "1961"),
        ("Postcode", "TN23 1AA"),
        ("Phone number", "07700 900123"),
    ]:
        tab_to(page, label)
        page.keyboard.type(text)
    tab_to(page, "lonely")
    page.keyboard.press("Space")
    tab_to(page, "what matters to you")
    page.keyboard.type("I would like to meet people nearby.")
    tab_to(page, "I agree to a link worker contacting me")
    page.keyboard.press("Space")
    page.wait_for_timeout(3500)  # the form refuses answers sent faster than a person types
    tab_to(page, "Send")
    page.keyboard.press("Enter")
    page.wait_for_url("**/referrals/self/thanks/")


def _sign_in_by_keyboard(page, username: str) -> None:
    page.goto("/login/")
    tab_to(page, "Username")
    page.keyboard.type(username)
    tab_to(page, "Password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")


def test_a_supervisor_signs_in_with_two_factor_by_keyboard_alone(page, settings, supervisor):
    settings.TWO_FACTOR_REQUIRED = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    supervisor.set_password(DEMO_PASSWORD)
    supervisor.save()
    device, codes = enrol(supervisor)

    _sign_in_by_keyboard(page, "supervisor")
    page.wait_for_url("**/account/two-factor/code/")
    tab_to(page, "Code", exact=True)
    page.keyboard.type(code_for(device, ahead=1))
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/account/two-factor/" not in url and "/login/" not in url)
    expect(page.get_by_role("heading", name="Caseloads")).to_be_visible()

    # Signed out, and back in with a recovery code, still by keyboard.
    tab_to(page, "Log out", exact=True)
    page.keyboard.press("Enter")
    page.wait_for_url("**/login/")
    _sign_in_by_keyboard(page, "supervisor")
    page.wait_for_url("**/account/two-factor/code/")
    # The help for a lost phone opens from the keyboard (Enter on its summary).
    tab_to(page, "I do not have my phone")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Enter one of the recovery codes")).to_be_visible()
    page.reload()  # back to the top of the page, to Tab to the field again
    tab_to(page, "Code", exact=True)
    page.keyboard.type(codes[0])
    page.keyboard.press("Enter")
    expect(page.get_by_text("You used a recovery code: 9 left.")).to_be_visible()


def test_a_supervisor_makes_then_revokes_an_api_token_by_keyboard_alone(page, supervisor):
    _sign_in_by_keyboard(page, "supervisor")
    page.wait_for_url(lambda url: "/login/" not in url)
    tab_to(page, "API tokens")
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/tokens/")
    tab_to(page, "Name")
    page.keyboard.type("practice system")
    tab_to(page, "Make token")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Copy your new token now")).to_be_visible()
    assert violations(page) == [], page.url
    token = ApiToken.objects.get(user=supervisor)
    assert token.name == "practice system" and token.revoked_at is None

    tab_to(page, "Revoke practice system")
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", name="Revoke the API token “practice system”?")
    ).to_be_visible()
    assert violations(page) == [], page.url
    token.refresh_from_db()
    assert token.revoked_at is None  # asked first
    tab_to(page, "Yes, revoke it")
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/tokens/")
    expect(page.get_by_text("is revoked.")).to_be_visible()
    token.refresh_from_db()
    assert token.revoked_at is not None
