"""A link worker searches near a postcode, opens a service, reports it closed, and the
verification task appears for the partner, who confirms the closure."""

import pytest
from playwright.sync_api import expect

from directory.models import Service
from directory.tests.factories import LocationFactory, ServiceAtLocationFactory
from places.importers import rebuild_districts
from places.models import Postcode
from tests.browser import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_closed_service_is_reported_and_confirmed(page, worker, partner, service):
    Postcode.objects.create(postcode="TN23 1AA", outward="TN23", latitude=51.1465, longitude=0.8726)
    rebuild_districts()
    ServiceAtLocationFactory(
        service=service, location=LocationFactory(latitude=51.15, longitude=0.88)
    )

    login(page, "worker")
    page.goto("/directory/")
    page.get_by_label("Near postcode (or lat,lon)").fill("TN23 1AA")
    page.get_by_label("Within (km)").fill("5")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 service found.")).to_be_visible()
    page.get_by_role("link", name="Tuesday health walk").click()
    expect(page.get_by_text("Last verified")).to_be_visible()
    page.get_by_text("Report a problem with this listing").click()
    page.get_by_label("Reported closed").check()
    page.get_by_label("Details (optional)").fill(
        "The hall has a notice saying the group has stopped."
    )
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("The organisation has been asked to check")).to_be_visible()
    logout(page)

    login(page, "partner")
    page.goto("/directory/tasks/")
    expect(page.get_by_text("Reported closed")).to_be_visible()
    expect(page.get_by_text("the group has stopped")).to_be_visible()
    page.get_by_role("button", name="We have closed").click()
    expect(page.get_by_text("the listing is marked as checked")).to_be_visible()
    expect(page.get_by_text("Nothing to check.")).to_be_visible()
    assert Service.objects.get(pk=service.pk).status == "inactive"
