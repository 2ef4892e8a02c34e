"""Journeys by keyboard alone (WCAG 2.1.1): Tab to each field, type, Space for a box, Enter
to send. No clicks, so a control a mouse can reach but a keyboard cannot fails the test."""

import pytest

from tests.browser import DEMO_PASSWORD

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


def tab_to(page, text: str, limit: int = 80) -> None:
    """Press Tab until the focused control is labelled (or reads) `text`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if text.lower() in _focused_label(page).lower():
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
