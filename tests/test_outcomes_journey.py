"""A person answers SWEMWBS on their phone from a one-time link; the link worker sees the
score and the chart; the link then no longer works."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.tests.factories import CaseFactory
from people.models import Consent
from people.tests.factories import ConsentFactory
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_completes_swemwbs_on_their_phone(page, phone_page, worker):
    from django.core import mail

    case = CaseFactory(
        link_worker=worker, referral__person__team=worker.team, referral__person__given_name="Mary"
    )
    case.conversations.create(
        area=case.area,
        held_on=timezone.localdate() - dt.timedelta(43),
        what_matters="Singing again",
        recorded_by=worker,
    )
    ConsentFactory(person=case.person, kind=Consent.Kind.EMAIL)

    # The link worker sends a one-time link by email (the person agreed to email).
    login(page, "worker")
    page.goto(f"/outcomes/cases/{case.pk}/")
    page.get_by_label("Questionnaire").nth(1).select_option("swemwbs")
    page.locator("#id_link-timepoint").select_option("week_6")
    page.get_by_label("Email").check()
    page.get_by_role("button", name="Send link").click()
    expect(page.get_by_text("Link sent.")).to_be_visible()
    url = re.search(r"http://\S+/outcomes/r/\S+/", mail.outbox[-1].body).group(0)
    path = url.split("8000", 1)[-1] if "8000" in url else "/" + url.split("/", 3)[3]

    # Mary opens it on her phone and answers.
    phone_page.goto(path)
    expect(phone_page.get_by_role("heading", name="Hello Mary")).to_be_visible()
    for question, answer in [
        ("1. I've been feeling optimistic about the future", "Often"),
        ("2. I've been feeling useful", "Often"),
        ("3. I've been feeling relaxed", "Some of the time"),
        ("4. I've been dealing with problems well", "Often"),
        ("5. I've been thinking clearly", "Often"),
        ("6. I've been feeling close to other people", "Some of the time"),
        ("7. I've been able to make up my own mind about things", "All of the time"),
    ]:
        phone_page.get_by_role("group", name=question).get_by_label(answer).check()
    phone_page.get_by_role("button", name="Send my answers").click()
    expect(phone_page.get_by_text("Thank you – your answers have been sent")).to_be_visible()

    # The link worker sees the score (raw 27 -> 24.11) and its chart.
    page.goto(f"/outcomes/cases/{case.pk}/")
    expect(page.get_by_role("img", name=re.compile(r"SWEMWBS\): 24.11 on"))).to_be_visible()
    expect(page.get_by_role("cell", name="24.11")).to_be_visible()

    # The link no longer works.
    phone_page.goto(path)
    expect(phone_page.get_by_role("heading", name="This link no longer works")).to_be_visible()
