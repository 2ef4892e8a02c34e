"""In a real browser: a refused form moves focus to the error summary, and a date typed as
the hint shows arrives as that date."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from referrals.models import Referral
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED_IS_ERROR_SUMMARY = (
    "() => document.activeElement && document.activeElement.classList.contains"
    "('nhsuk-error-summary')"
)


def test_after_a_refused_self_referral_focus_is_on_the_error_summary(page, team):
    page.goto("/referrals/self/")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    expect(page).to_have_title("Error: Refer yourself – socialrx")
    page.wait_for_function(FOCUSED_IS_ERROR_SUMMARY)
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()


def test_after_a_refused_triage_decision_focus_is_on_the_error_summary(page, worker, team):
    from referrals.tests.factories import ReferralFactory

    referral = ReferralFactory(person__team=team)
    login(page, "worker")
    page.goto(f"/referrals/{referral.pk}/")
    page.get_by_role("button", name="Decline").click()
    page.wait_for_load_state()
    page.wait_for_function(FOCUSED_IS_ERROR_SUMMARY)
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    # Its link takes the person to the decline reason box, named by its own label.
    summary.get_by_role("link").click()
    expect(page.get_by_label("Why is the referral declined?")).to_be_focused()


def test_a_clinician_types_a_date_of_birth_as_the_hint_shows(page, referrer, team):
    login(page, "referrer")
    page.goto("/referrals/new/")
    page.get_by_label("First name").fill("Mary")
    page.get_by_label("Last name").fill("Jones")
    dob = page.get_by_role("group", name="Date of birth")
    dob.get_by_label("Day").fill("15")
    dob.get_by_label("Month").fill("3")
    dob.get_by_label("Year").fill("1984")
    page.get_by_label("Postcode").fill("TN23 1AA")
    page.get_by_label("Loneliness or social isolation").check()
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_text(re.compile(r"Referral sent .*Mary Jones"))).to_be_visible()
    assert Referral.objects.get().person.birth_date == dt.date(1984, 3, 15)


def test_after_a_refused_post_by_htmx_focus_is_on_the_fragments_error_summary(page, worker):
    from casework.tests.factories import CaseFactory
    from matching.tests.factories import ASHFORD, service_at

    service_at("Coffee and chat", "A weekly social morning for people who live alone", *ASHFORD)
    case = CaseFactory(
        link_worker=worker,
        referral__person__team=worker.team,
        referral__reasons=["loneliness"],
    )
    login(page, "worker")
    page.goto(f"/cases/{case.pk}/")
    coffee = page.locator("#suggestions .srx-suggestion", has_text="Coffee and chat")
    coffee.get_by_text("Not suitable?").click()
    coffee.get_by_role("button", name="Save feedback").click()  # no reason chosen
    page.wait_for_function(FOCUSED_IS_ERROR_SUMMARY)
    expect(page.locator("#suggestions .nhsuk-error-summary")).to_be_focused()
