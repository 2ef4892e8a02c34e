"""Acceptance for the dashboards, in a real browser, from a world built here: a commissioner
opens the dashboard, filters it by team, downloads a table as CSV (small counts "<5"), and
goes on to the evaluation page."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Team
from accounts.tests.factories import AreaFactory, TeamFactory, UserFactory
from people.tests.factories import PersonFactory
from referrals.models import Referral
from referrals.tests.factories import ReferralFactory
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARCH = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def fresh_world(db):
    area = AreaFactory(code="weald", name="Weald")
    weald = TeamFactory(area=area, name="Weald PCN link workers", kind=Team.Kind.PCN)
    downs = TeamFactory(area=area, name="Downs connectors", kind=Team.Kind.LOCALITY)
    for team, source, n in (
        (weald, Referral.Source.CLINICIAN, 6),
        (weald, Referral.Source.SELF, 2),
        (downs, Referral.Source.CLINICIAN, 3),
    ):
        for _ in range(n):
            ReferralFactory(person=PersonFactory(team=team), source=source, received_at=MARCH)
    UserFactory(
        username="cora", first_name="Cora", last_name="Mills", role="commissioner", team=None
    )
    return {"weald": weald, "downs": downs}


def test_a_commissioner_filters_the_dashboard_downloads_a_table_and_opens_the_evaluation(
    page, fresh_world
):
    login(page, "cora")
    page.goto("/insight/dashboard/")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    by_team = page.locator("#table-referrals-by-team")
    expect(by_team).to_contain_text("Downs connectors")

    page.get_by_role("combobox", name="Team (optional)").select_option(
        label="Weald PCN link workers"
    )
    page.get_by_role("button", name="Apply filters").click()
    expect(by_team).to_contain_text("Weald PCN link workers")
    expect(by_team).not_to_contain_text("Downs connectors")
    by_source = page.locator("#table-referrals-by-source")
    expect(by_source.get_by_role("row", name="Clinician (web form) 6")).to_be_visible()
    expect(by_source.get_by_role("row", name="Self-referral <5")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Referrals by source” (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Source", "Referrals"]
    assert ["Clinician (web form)", "6"] in rows
    assert ["Self-referral", "<5"] in rows

    page.locator("#maincontent").get_by_role("link", name="Evaluation").click()
    expect(page.get_by_role("heading", name="Evaluation", level=1)).to_be_visible()
