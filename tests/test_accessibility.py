"""WCAG 2.2 AA checks with axe-core (vendored in tests/vendor, MPL-2.0) on the pages people
use most, on a desktop and a phone-sized screen."""

from pathlib import Path

import pytest

from casework.tests.factories import ConnectionFactory, GoalFactory
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def violations(page) -> list[str]:
    # Evaluated through the DevTools protocol: an injected inline <script> would be refused
    # by the pages' Content-Security-Policy (script-src 'self'), as it should be.
    page.evaluate(f"() => {{ {AXE}\n}}")
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {v['nodes'][0]['target']}"
        for v in result["violations"]
    ]


@pytest.fixture
def journey_pages(worker, partner, service):
    goal = GoalFactory(case__link_worker=worker, case__referral__person__team=worker.team)
    ConnectionFactory(case=goal.case, service=service, status="sent")
    return {"case": f"/cases/{goal.case.pk}/"}


@pytest.mark.parametrize("fixture_name", ["page", "phone_page"])
def test_public_pages_have_no_wcag_violations(request, fixture_name, team):
    page = request.getfixturevalue(fixture_name)
    for url in ["/login/", "/referrals/self/"]:
        page.goto(url)
        assert violations(page) == [], url


@pytest.mark.parametrize("fixture_name", ["page", "phone_page"])
def test_link_worker_pages_have_no_wcag_violations(request, fixture_name, journey_pages):
    page = request.getfixturevalue(fixture_name)
    login(page, "worker")
    for url in ["/", "/cases/", journey_pages["case"], "/referrals/new/", "/directory/"]:
        page.goto(url)
        assert violations(page) == [], url


def test_partner_pages_have_no_wcag_violations(page, journey_pages):
    login(page, "partner")
    for url in ["/", "/cases/partner/"]:
        page.goto(url)
        assert violations(page) == [], url
    page.get_by_role("link", name="Referral").first.click()
    assert violations(page) == [], page.url


def test_public_directory_has_no_wcag_violations(page, service):
    for url in ["/directory/find/", "/directory/find/?q=walk"]:
        page.goto(url)
        assert violations(page) == [], url


def test_supervisor_pages_have_no_wcag_violations(page, supervisor, journey_pages):
    login(page, "supervisor")
    for url in [
        "/",
        "/referrals/queue/",
        "/cases/team/",
        journey_pages["case"],
        "/people/duplicates/",
        "/insight/dashboard/",
        "/insight/evaluation/",
    ]:
        page.goto(url)
        assert violations(page) == [], url


def test_referrer_pages_have_no_wcag_violations(page, referrer, team):
    login(page, "referrer")
    for url in ["/", "/referrals/new/"]:
        page.goto(url)
        assert violations(page) == [], url


def test_commissioner_pages_have_no_wcag_violations(page, commissioner, journey_pages):
    login(page, "commissioner")
    for url in ["/", "/insight/dashboard/", "/insight/evaluation/", "/insight/gaps/"]:
        page.goto(url)
        assert violations(page) == [], url


def test_admin_pages_have_no_wcag_violations(page, admin_user):
    login(page, "admin")
    page.goto("/")
    assert violations(page) == [], "/"
    page.get_by_role("link", name="Audit log").first.click()
    page.wait_for_load_state()
    assert violations(page) == [], page.url


def test_the_checker_does_find_violations(page):
    # Guards against a vacuous pass: an unlabelled input and an image without alt text.
    page.set_content('<html lang="en"><title>t</title><main><input><img src="x.png"></main>')
    found = " ".join(violations(page))
    assert "label" in found and "image-alt" in found
