"""After a refused form the page says so before anything else: its title starts "Error: "
(the first thing a screen reader reads) and it carries an NHS.UK error summary that the
frontend's script focuses."""

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from casework.tests.factories import CaseFactory
from referrals.forms import _FORM_SALT
from referrals.tests.factories import ReferralFactory
from web.tests.html import Page


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


@pytest.fixture
def case(worker):
    return CaseFactory(link_worker=worker, referral__person__team=worker.team)


def _self_referral_without_a_name():
    token = signing.dumps({"t": time.time() - 10}, salt=_FORM_SALT)
    return {"postcode": "TN23 1AA", "reasons": ["loneliness"], "form_token": token}


# (who, method, url, data): a refused submission on each kind of form page.
REFUSED = {
    "self-referral": (None, "post", lambda f: reverse("referrals:self_refer"), None),
    "clinician referral": (
        "referrer",
        "post",
        lambda f: reverse("referrals:new"),
        {"given_name": "Mary", "birth_date_0": "31", "birth_date_1": "2"},
    ),
    "triage": (
        "worker",
        "post",
        lambda f: reverse("referrals:triage", args=[f["referral"].pk, "decline"]),
        {"reason": ""},
    ),
    "person": (
        "worker",
        "post",
        lambda f: reverse("people:edit", args=[f["case"].person_id]),
        {"given_name": "", "postcode": "nowhere"},
    ),
    "contact": (
        "worker",
        "post",
        lambda f: reverse("casework:add_contact", args=[f["case"].pk]),
        {"contact-minutes": "-5"},
    ),
    "healthcare use": (
        "worker",
        "post",
        lambda f: reverse("outcomes:healthcare", args=[f["case"].pk]),
        {"use-kind": "gp_appointment"},
    ),
    "audit filter": ("admin_user", "get", lambda f: reverse("audit:events"), {"person_id": "x"}),
    "login": (None, "post", lambda f: reverse("web:login"), {"username": "x", "password": "y"}),
}


@pytest.fixture
def world(team, worker, case):
    return {"referral": ReferralFactory(person__team=team), "case": case}


def _submit(client, request, world, name):
    who, method, url, data = REFUSED[name]
    if who:
        client.force_login(request.getfixturevalue(who))
    if data is None:
        data = _self_referral_without_a_name()
    return getattr(client, method)(url(world), data)


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_refused_form_puts_error_first_in_the_page_title(client, request, world, name):
    resp = _submit(client, request, world, name)
    assert resp.status_code in {200, 400}
    page = Page(resp.content.decode())
    assert page.title.startswith("Error: "), page.title


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_refused_form_shows_an_error_summary_the_frontend_will_focus(
    client, request, world, name
):
    resp = _submit(client, request, world, name)
    page = Page(resp.content.decode())
    summaries = [e for e in page.elements if "nhsuk-error-summary" in e.classes]
    assert len(summaries) == 1
    assert summaries[0].attrs.get("data-module") == "nhsuk-error-summary"
    # The alert role sits on a child, as in the frontend's own template, so the focus
    # and the announcement do not race.
    assert "role" not in summaries[0].attrs
    assert page.all("div", role="alert")


def test_links_in_the_error_summary_lead_to_fields_on_the_page(client, request, world):
    for name in ("clinician referral", "person", "contact", "triage"):
        page = Page(_submit(client, request, world, name).content.decode())
        ids = set(page.ids())
        assert page.error_summary_links(), name
        assert set(page.error_summary_links()) <= ids, name


@pytest.mark.parametrize(
    ("who", "url"),
    [
        (None, lambda w: reverse("referrals:self_refer")),
        ("referrer", lambda w: reverse("referrals:new")),
        ("worker", lambda w: reverse("referrals:detail", args=[w["referral"].pk])),
        ("worker", lambda w: reverse("people:edit", args=[w["case"].person_id])),
        ("worker", lambda w: reverse("casework:case", args=[w["case"].pk])),
        ("admin_user", lambda w: reverse("audit:events") + "?verb=view"),
    ],
)
def test_a_form_page_without_errors_has_its_plain_title(client, request, world, who, url):
    if who:
        client.force_login(request.getfixturevalue(who))
    page = Page(client.get(url(world)).content.decode())
    assert not page.title.startswith("Error")
    assert not [e for e in page.elements if "nhsuk-error-summary" in e.classes]


def test_every_page_starts_the_frontend_from_a_script_file(client, team):
    # No inline script: a strict Content-Security-Policy (script-src 'self') is coming.
    page = Page(client.get(reverse("referrals:self_refer")).content.decode())
    scripts = page.all("script")
    assert scripts and all(s.attrs.get("src") for s in scripts)
    assert not any(s.text.strip() for s in scripts)
    (module,) = [s for s in scripts if s.attrs.get("type") == "module"]
    path = finders.find(module.attrs["src"].split(settings.STATIC_URL, 1)[1])
    source = Path(path).read_text()
    assert "initAll" in source and "nhsuk-frontend-supported" in source
