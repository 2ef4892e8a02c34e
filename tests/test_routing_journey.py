"""Acceptance for "Works for real users", in a real browser, from a fresh world.

Nobody here is placed where the test needs them: the GP is in their practice, the link
workers in their PCN, and an administrator says on the admin page which team serves the
practice. A GP refers; the supervisor of the serving team sees it in triage; the link
worker connects the person to a walking group and discharges them while the group goes
on; the GP's page shows the outcome.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Team
from accounts.tests.factories import AreaFactory, TeamFactory, UserFactory
from casework.models import Case, Connection
from directory.tests.factories import OrganizationFactory, ServiceFactory
from referrals.models import Referral
from tests.browser import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fresh_world(db):
    area = AreaFactory(code="weald", name="Weald")
    pcn = TeamFactory(area=area, name="Weald PCN link workers", kind=Team.Kind.PCN)
    surgery = TeamFactory(area=area, name="Oak Tree Surgery", kind=Team.Kind.PRACTICE)
    walkers = OrganizationFactory(name="Weald Walking Friends")
    ServiceFactory(organization=walkers, name="Thursday wander")
    UserFactory(username="dr_ng", first_name="Ada", last_name="Ng", role="referrer", team=surgery)
    UserFactory(username="sam", first_name="Sam", last_name="Hale", role="supervisor", team=pcn)
    UserFactory(username="lee", first_name="Lee", last_name="Cole", role="link_worker", team=pcn)
    UserFactory(username="wendy", role="partner", team=None, organization=walkers)
    UserFactory(username="root", role="admin", team=None, is_staff=True, is_superuser=True)
    return {"pcn": pcn, "surgery": surgery}


def _fill_date(page, legend: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=re.compile(legend))
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_a_gps_referral_reaches_the_serving_team_and_comes_back_with_an_outcome(page, fresh_world):
    # Before anyone says who serves the practice, the GP is told so and nothing is sent.
    login(page, "dr_ng")
    page.goto("/referrals/new/")
    expect(page.get_by_text("No social prescribing team takes your referrals yet")).to_be_visible()
    logout(page)

    # An administrator says, on the admin page, that the PCN serves Oak Tree Surgery.
    login(page, "root")
    page.goto("/admin/accounts/team/")
    page.get_by_role("link", name="Oak Tree Surgery").click()
    page.locator("#id_served_by_from").select_option(label="Weald PCN link workers")
    page.locator("#id_served_by_add").click()
    expect(page.locator("#id_served_by_to")).to_contain_text("Weald PCN link workers")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    logout(page)

    # The GP refers Rose, typing her date of birth the way the hint shows.
    login(page, "dr_ng")
    page.get_by_role("link", name="Refer someone").first.click()
    expect(page.locator("p", has_text="Your referral goes to")).to_contain_text(
        "Weald PCN link workers"
    )
    page.get_by_label("First name").fill("Rose")
    page.get_by_label("Last name").fill("Tyler")
    _fill_date(page, "Date of birth", "15", "3", "1984")
    page.get_by_label("Postcode").fill("tn23 1aa")
    page.get_by_label("Phone number").fill("07700 900123")
    page.get_by_label("Loneliness or social isolation").check()
    page.get_by_role("button", name="Send referral").click()
    expect(
        page.get_by_text("Referral sent to Weald PCN link workers for Rose Tyler")
    ).to_be_visible()
    expect(page.get_by_text("15 March 1984")).to_be_visible()
    page.goto("/")
    expect(page.get_by_text("Waiting for Weald PCN link workers to triage")).to_be_visible()
    logout(page)

    # The supervisor of the serving team finds it in triage and assigns it.
    login(page, "sam")
    page.get_by_role("link", name="Referrals").first.click()
    page.get_by_role("link", name="Rose Tyler").click()
    page.get_by_label("Assign to link worker").select_option(label="Lee Cole")
    page.get_by_role("button", name="Accept and assign").click()
    expect(page.get_by_text("Referral accepted and case opened.")).to_be_visible()
    case_url = page.url
    logout(page)

    # The link worker gets Rose's consent to share with the walking group and sends it.
    login(page, "lee")
    page.goto(case_url)
    page.get_by_role("link", name="Full details and consents").click()
    page.get_by_text("Record a consent").click()
    page.get_by_label("To share details with a named organisation").check()
    page.get_by_label("Organisation (for sharing only)").select_option(
        label="Weald Walking Friends"
    )
    page.get_by_label("Name", exact=True).check()
    page.get_by_label("Phone", exact=True).check()
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("Consent recorded.")).to_be_visible()
    page.goto(case_url)
    page.get_by_text("Add a service to the plan").click()
    page.get_by_label("Service", exact=True).select_option(label="Thursday wander")
    page.get_by_role("button", name="Add to plan").click()
    page.get_by_role("button", name="Send to the organisation").click()
    expect(page.get_by_text(re.compile(r"Thursday wander: sent"))).to_be_visible()
    logout(page)

    # The walking group accepts Rose and she comes along.
    login(page, "wendy")
    page.get_by_role("link", name=re.compile("Thursday wander")).first.click()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("Marked accepted.")).to_be_visible()
    page.get_by_role("button", name="Record first attendance").click()
    expect(page.get_by_text("Marked first attended.")).to_be_visible()
    logout(page)

    # The link worker discharges Rose; the walking group goes on without them.
    login(page, "lee")
    page.goto(case_url)
    page.get_by_text("Discharge Rose").click()
    page.get_by_label("Goals met").check()
    page.get_by_role("button", name="Discharge").click()
    expect(page.get_by_text("Rose Tyler has been discharged.")).to_be_visible()
    expect(page.get_by_text("Continuing independently").first).to_be_visible()
    logout(page)

    # The GP sees what came of the referral.
    login(page, "dr_ng")
    expect(page.get_by_text(re.compile(r"Discharged: Goals met"))).to_be_visible()

    referral = Referral.objects.get()
    assert referral.team == fresh_world["pcn"] and referral.status == Referral.Status.CLOSED
    assert Case.objects.get().status == Case.Status.DISCHARGED
    connection = Connection.objects.get()
    assert connection.status == "first_attended" and connection.independent_since is not None
