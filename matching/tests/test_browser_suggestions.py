"""In a real browser: the link worker opens a person, reads explained suggestions, and adds
two of them to the plan."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from casework.models import Connection, Conversation
from casework.tests.factories import CaseFactory
from matching.tests.factories import ASHFORD, service_at
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def case(worker):
    lat, lon = ASHFORD
    # Saved in autocommit: each save queues its embedding, as in production.
    service_at("Garden share", "Grow vegetables with neighbours on a shared allotment", lat, lon)
    service_at("Coffee and chat", "A weekly social morning for people who live alone", lat, lon)
    service_at("Debt advice clinic", "Free help with bills, debt and benefits", lat, lon)
    case = CaseFactory(
        link_worker=worker,
        referral__person__team=worker.team,
        referral__person__given_name="Mary",
        referral__person__family_name="Jones",
        referral__reasons=["loneliness"],
    )
    Conversation.objects.create(
        case=case,
        area=case.area,
        held_on=dt.date.today(),  # noqa: DTZ011
        what_matters="Meeting people again",
        interests="gardening",
        recorded_by=worker,
    )
    return case


def test_link_worker_sees_explained_suggestions_and_adds_two_to_the_plan(page, worker, case):
    login(page, worker.username)
    page.goto("/cases/")
    page.get_by_role("link", name="Mary Jones").first.click()
    panel = page.locator("#suggestions")
    expect(panel.get_by_role("heading", name="Suggested services")).to_be_visible()
    garden = panel.locator(".srx-suggestion", has_text="Garden share")
    expect(garden.locator(".srx-explanation")).to_contain_text("your interest in gardening")
    expect(panel.locator(".srx-explanation").first).to_contain_text("km away")

    garden.get_by_role("button", name="Add to the plan").click()
    expect(panel.get_by_text("Garden share added to the plan as proposed.")).to_be_visible()
    coffee = panel.locator(".srx-suggestion", has_text="Coffee and chat")
    coffee.get_by_role("button", name="Add to the plan").click()
    expect(panel.get_by_text("Coffee and chat added to the plan as proposed.")).to_be_visible()
    expect(panel.locator(".srx-suggestion", has_text="Garden share")).to_have_count(0)

    page.reload()
    connections = page.locator("table", has_text="Connections to services")
    expect(connections.get_by_text("Garden share")).to_be_visible()
    expect(connections.get_by_text("Coffee and chat")).to_be_visible()
    assert set(Connection.objects.filter(case=case).values_list("status", flat=True)) == {
        "proposed"
    }
    assert Connection.objects.filter(case=case).count() == 2
