"""The whole journey in a real browser: refer, triage, get to know, plan, connect, partner
accepts and records attendance, follow up, discharge."""

import re

import pytest
from playwright.sync_api import expect

from casework.models import Case, Connection
from referrals.models import Referral
from tests.browser import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_referral_travels_from_gp_to_discharge(page, referrer, worker, partner, service):
    # A GP refers Mary.
    login(page, "referrer")
    page.get_by_role("link", name="Refer someone").first.click()
    page.get_by_label("First name").fill("Mary")
    page.get_by_label("Last name").fill("Jones")
    born = page.get_by_role("group", name="Date of birth")
    born.get_by_label("Day").fill("2")
    born.get_by_label("Month").fill("3")
    born.get_by_label("Year").fill("1948")
    page.get_by_label("NHS number").fill("943 476 5919")
    page.get_by_label("Postcode").fill("tn23 1aa")
    page.get_by_label("Phone number").fill("07700 900123")
    page.get_by_label("Loneliness or social isolation").check()
    page.get_by_label("Bereavement").check()
    page.get_by_label("What would help this person?").fill("Widowed in March.")
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_text("Referral sent to North PCN for Mary Jones")).to_be_visible()
    logout(page)

    # The link worker triages it and takes the case.
    login(page, "worker")
    page.get_by_role("link", name="Referrals").first.click()
    page.get_by_role("link", name="Mary Jones").click()
    page.get_by_label("Assign to link worker").select_option(label=str(worker))
    page.get_by_role("button", name="Accept and assign").click()
    expect(page.get_by_text("Referral accepted and case opened.")).to_be_visible()
    case_url = page.url

    # First contact, then the "what matters to me" conversation.
    page.get_by_text("Log a contact").click()
    page.get_by_label("Phone", exact=True).check()
    page.get_by_label("Minutes spent").fill("20")
    page.get_by_label("Notes (optional)", exact=True).fill("Introductory call.")
    page.get_by_role("button", name="Log contact").click()
    expect(page.get_by_text("Contact logged.")).to_be_visible()

    page.get_by_text("Record a conversation").click()
    page.get_by_label("What matters to the person (in their words)").fill(
        "Getting out of the house and meeting people again."
    )
    page.get_by_label("Interests").fill("walking, gardening")
    page.get_by_label("Transport").check()
    page.get_by_label("Tuesday").check()
    page.get_by_role("button", name="Save conversation").click()
    expect(page.get_by_text("Getting out of the house and meeting people again.")).to_be_visible()

    # A plan: a goal in Mary's words, agreed.
    page.get_by_label("Goal, in the person's own words").fill("Go to a group once a week.")
    page.get_by_role("button", name="Add goal").click()
    page.get_by_role("button", name="Agree plan").click()
    expect(page.get_by_text("Plan agreed.")).to_be_visible()

    # Sending needs Mary's consent to share with the organisation: refused until recorded.
    page.get_by_text("Add a service to the plan").click()
    page.get_by_label("Service", exact=True).select_option(label=service.name)
    page.get_by_role("button", name="Add to plan").click()
    page.get_by_role("button", name="Send to the organisation").click()
    expect(page.get_by_text("Record their consent first")).to_be_visible()

    page.get_by_role("link", name="Full details and consents").click()
    page.get_by_text("Record a consent").click()
    page.get_by_label("To share details with a named organisation").check()
    page.get_by_label("Organisation (for sharing only)").select_option(
        label=service.organization.name
    )
    page.get_by_label("Name", exact=True).check()
    page.get_by_label("Phone", exact=True).check()
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("Consent recorded.")).to_be_visible()

    page.goto(case_url)
    page.get_by_role("button", name="Send to the organisation").click()
    expect(page.get_by_text(re.compile(r"Tuesday health walk: sent"))).to_be_visible()
    logout(page)

    # The partner sees only what Mary agreed to share, accepts, and records attendance.
    login(page, "partner")
    page.get_by_role("link", name=re.compile("Tuesday health walk")).first.click()
    expect(page.get_by_text("Mary Jones")).to_be_visible()
    expect(page.get_by_text("07700 900123")).to_be_visible()
    expect(page.get_by_text("943 476 5919")).to_have_count(0)
    expect(page.get_by_text("Widowed in March.")).to_have_count(0)
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("Marked accepted.")).to_be_visible()
    page.get_by_label("Someone came with them").check()
    page.get_by_role("button", name="Record first attendance").click()
    expect(page.get_by_text("Marked first attended.")).to_be_visible()
    page.get_by_role("button", name="Completed").click()
    expect(page.get_by_text("Marked completed.")).to_be_visible()
    logout(page)

    # The link worker follows up and discharges.
    login(page, "worker")
    page.goto(case_url)
    page.get_by_label("Go to a group once a week. status", exact=False)
    page.get_by_label("Goal status").select_option("achieved")
    page.get_by_role("button", name="Update goal").click()
    page.get_by_text("Discharge Mary").click()
    page.get_by_label("Goals met").check()
    page.get_by_role("button", name="Discharge").click()
    expect(page.get_by_text("Mary Jones has been discharged.")).to_be_visible()

    case = Case.objects.get()
    assert case.status == Case.Status.DISCHARGED
    assert case.referral.status == Referral.Status.CLOSED
    assert case.referral.first_contact_at is not None
    connection = Connection.objects.get()
    assert connection.status == "completed"
    assert connection.accompanied_first_visit is True
    assert case.goals.get().status == "achieved"
