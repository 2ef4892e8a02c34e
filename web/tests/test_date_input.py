"""Dates are typed in the NHS.UK date input (Day, Month, Year boxes) on every page that asks
for one, and a date that is missing a part or is not real is refused in words, never read
as some other date."""

import datetime as dt
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from audit.actions import record_access
from audit.models import Event
from casework.models import Contact
from casework.tests.factories import CaseFactory
from outcomes.models import HealthcareUse
from people.tests.factories import PersonFactory
from referrals.forms import _FORM_SALT
from referrals.models import Referral
from web.tests.html import Page


def typed(day, month, year, name="birth_date") -> dict:
    """What the three boxes post: <name>_0 (day), _1 (month) and _2 (year)."""
    return {f"{name}_0": day, f"{name}_1": month, f"{name}_2": year}


def self_referral(**dob) -> dict:
    return {
        "given_name": "Tom",
        "family_name": "Baker",
        "postcode": "TN23 1AA",
        "phone": "07700 900456",
        "reasons": ["loneliness"],
        "consent": "on",
        "website": "",
        "form_token": signing.dumps({"t": time.time() - 10}, salt=_FORM_SALT),
        **dob,
    }


def referred_long_ago(worker):
    return CaseFactory(
        link_worker=worker,
        referral__person__team=worker.team,
        referral__received_at=timezone.now() - dt.timedelta(days=90),
    )


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


# --- Typing the date the hint shows gives that date ------------------------------------


def test_a_self_referral_date_of_birth_typed_as_the_hint_shows_is_that_date(client, team):
    resp = client.post(reverse("referrals:self_refer"), self_referral(**typed("15", "3", "1984")))
    assert resp.status_code == 302
    assert Referral.objects.get().person.birth_date == dt.date(1984, 3, 15)


def test_a_clinician_types_the_date_of_birth_in_three_boxes(client, referrer):
    client.force_login(referrer)
    data = {
        "given_name": "Mary",
        "family_name": "Jones",
        "postcode": "TN23 1AA",
        "phone": "07700 900123",
        "reasons": ["loneliness"],
        "urgency": "routine",
        **typed("02", "03", "1948"),
    }
    resp = client.post(reverse("referrals:new"), data)
    assert resp.status_code == 302, resp.context["form"].errors
    assert Referral.objects.get().person.birth_date == dt.date(1948, 3, 2)


PARTS = {"day": "birth_date_0", "month": "birth_date_1", "year": "birth_date_2"}


def _edit_data(client, url, **changes):
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.pop("birth_date", None)
    for key in ("interpreter_needed", "safeguarding_flag"):
        if not data.get(key):
            data.pop(key, None)
    return data | changes


def test_a_link_worker_corrects_a_date_of_birth_on_the_edit_page(client, worker):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    case.person.birth_date = dt.date(1984, 12, 3)
    case.person.save()
    client.force_login(worker)
    url = reverse("people:edit", args=[case.person_id])
    resp = client.post(url, _edit_data(client, url, **typed("15", "3", "1984")))
    assert resp.status_code == 302
    case.person.refresh_from_db()
    assert case.person.birth_date == dt.date(1984, 3, 15)
    change = Event.objects.get(verb="change", record_type="people.Person")
    assert change.detail == {"fields": ["birth_date"]}


def test_saving_the_edit_page_unchanged_does_not_record_a_date_of_birth_change(client, worker):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    case.person.birth_date = dt.date(1984, 3, 5)
    case.person.save()
    client.force_login(worker)
    url = reverse("people:edit", args=[case.person_id])
    # Typed with leading zeros, as many people do: the same date, so not a change.
    resp = client.post(url, _edit_data(client, url, **typed("05", "03", "1984")))
    assert resp.status_code == 302
    assert not Event.objects.filter(verb="change", record_type="people.Person").exists()


def test_the_edit_page_shows_the_stored_date_of_birth_in_the_three_boxes(client, worker):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    case.person.birth_date = dt.date(1984, 3, 15)
    case.person.save()
    client.force_login(worker)
    page = Page(client.get(reverse("people:edit", args=[case.person_id])).content.decode())
    values = [page.one("input", name=name).attrs.get("value") for name in PARTS.values()]
    assert values == ["15", "3", "1984"]


def test_a_contact_date_is_typed_in_three_boxes(client, worker):
    case = referred_long_ago(worker)
    client.force_login(worker)
    day = timezone.localdate() - dt.timedelta(days=3)
    data = {"contact-mode": "phone", "contact-minutes": "15"}
    data |= typed(str(day.day), str(day.month), str(day.year), name="contact-happened_on")
    resp = client.post(reverse("casework:add_contact", args=[case.pk]), data)
    assert resp.status_code == 302
    assert Contact.objects.get(case=case).happened_on == day


def test_healthcare_use_dates_are_typed_in_three_boxes(client, worker):
    case = referred_long_ago(worker)
    client.force_login(worker)
    day = timezone.localdate() - dt.timedelta(days=40)
    data = {"use-kind": "gp_appointment", "use-count": "1"}
    data |= typed(str(day.day), str(day.month), str(day.year), name="use-occurred_on")
    resp = client.post(reverse("outcomes:healthcare", args=[case.pk]), data)
    assert resp.status_code == 302
    assert HealthcareUse.objects.get(person=case.person).occurred_on == day


def test_the_audit_log_filters_from_a_typed_date(client, admin_user, worker):
    record_access(worker, PersonFactory(team=worker.team))
    client.force_login(admin_user)
    today, tomorrow = timezone.localdate(), timezone.localdate() + dt.timedelta(days=1)
    counts = []
    for since in (today, tomorrow):
        query = typed(str(since.day), str(since.month), str(since.year), name="since")
        resp = client.get(reverse("audit:events"), query | {"verb": "view"})
        assert resp.status_code == 200
        counts.append(resp.context["page"].paginator.count)
    assert counts == [1, 0]


# --- Dates that are not real, or not complete, are refused in words ---------------------

TOMORROW = timezone.localdate() + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "marked"),
    [
        ("31", "2", "1990", "Date of birth must be a real date", ["day"]),
        ("15", "13", "1984", "Date of birth must be a real date", ["month"]),
        ("x", "3", "1984", "Date of birth must be a real date", ["day"]),
        ("15", "", "1984", "Date of birth must include a month", ["month"]),
        ("", "", "1984", "Date of birth must include a day and month", ["day", "month"]),
        ("15", "3", "84", "Year must include 4 numbers", ["year"]),
        ("", "", "", "Enter your date of birth", ["day", "month", "year"]),
        (
            str(TOMORROW.day),
            str(TOMORROW.month),
            str(TOMORROW.year),
            "Date of birth must be in the past",
            ["day", "month", "year"],
        ),
    ],
)
def test_a_date_of_birth_that_is_not_a_real_past_date_is_refused_in_words(
    client, team, day, month, year, message, marked
):
    resp = client.post(reverse("referrals:self_refer"), self_referral(**typed(day, month, year)))
    assert resp.status_code == 200
    assert not Referral.objects.exists()
    page = Page(resp.content.decode())
    error = page.one(id="id_birth_date-error")
    assert " ".join(error.text.split()) == f"Error: {message}"
    # The boxes at fault, and only they, are marked; the summary links to the first.
    boxes = {part: page.one("input", name=name) for part, name in PARTS.items()}
    assert [p for p, box in boxes.items() if "nhsuk-input--error" in box.classes] == marked
    assert page.error_summary_links() == [boxes[marked[0]].attrs["id"]]
    # What was typed is shown again, to be corrected.
    assert [boxes[p].attrs.get("value", "") for p in boxes] == [day, month, year]


def test_a_clinician_is_told_a_date_of_birth_is_not_real(client, referrer):
    client.force_login(referrer)
    resp = client.post(reverse("referrals:new"), typed("31", "2", "1990"))
    assert "Date of birth must be a real date" in resp.content.decode()


def test_a_date_of_birth_before_1900_is_refused(client, team):
    resp = client.post(reverse("referrals:self_refer"), self_referral(**typed("15", "3", "1084")))
    assert "Date of birth must be the same as or after 1 1 1900" in resp.content.decode()
    assert not Referral.objects.exists()


def test_an_unreal_contact_date_is_refused_and_nothing_is_logged(client, worker):
    case = referred_long_ago(worker)
    client.force_login(worker)
    data = {"contact-mode": "phone", "contact-minutes": "15"}
    data |= typed("30", "2", "2024", name="contact-happened_on")
    resp = client.post(reverse("casework:add_contact", args=[case.pk]), data)
    assert resp.status_code == 400
    assert "Date must be a real date" in resp.content.decode()
    assert not Contact.objects.exists()


# --- The markup is the NHS.UK date input ------------------------------------------------


@pytest.mark.parametrize("who", ["public", "referrer", "worker"])
def test_the_date_of_birth_is_three_labelled_boxes_in_one_fieldset(client, request, who):
    if who == "public":
        request.getfixturevalue("team")
        url = reverse("referrals:self_refer")
    elif who == "referrer":
        client.force_login(request.getfixturevalue("referrer"))
        url = reverse("referrals:new")
    else:
        worker = request.getfixturevalue("worker")
        case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
        client.force_login(worker)
        url = reverse("people:edit", args=[case.person_id])
    page = Page(client.get(url).content.decode())

    fieldsets = [e for e in page.all("fieldset") if e.legend and "Date of birth" in e.legend]
    assert len(fieldsets) == 1
    fieldset = fieldsets[0]
    assert fieldset.attrs.get("role") == "group"
    hint = page.one(id="id_birth_date-hint")
    assert " ".join(hint.text.split()) == "For example, 15 3 1984"
    assert "id_birth_date-hint" in fieldset.attrs["aria-describedby"].split()
    assert "nhsuk-date-input" in page.one("div", id="id_birth_date").classes
    boxes = [e for e in page.fields() if e.attrs["name"].startswith("birth_date")]
    assert [(b.attrs["name"], page.label_for(b.attrs["id"]), b.legend) for b in boxes] == [
        ("birth_date_0", "Day", fieldset.legend),
        ("birth_date_1", "Month", fieldset.legend),
        ("birth_date_2", "Year", fieldset.legend),
    ]
    for box in boxes:
        assert box.attrs["type"] == "text" and box.attrs["inputmode"] == "numeric"
        assert {"nhsuk-input", "nhsuk-date-input__input"} <= box.classes
    assert [b.classes & {"nhsuk-input--width-2", "nhsuk-input--width-4"} for b in boxes] == [
        {"nhsuk-input--width-2"},
        {"nhsuk-input--width-2"},
        {"nhsuk-input--width-4"},
    ]
    # No page asks for a date with the browser's own picker any more: its order of day and
    # month follows the browser's language, which is how 15 3 1984 became 3 December.
    assert not page.all("input", type="date")


def test_the_public_form_lets_the_browser_fill_in_the_persons_own_birthday(client, team):
    page = Page(client.get(reverse("referrals:self_refer")).content.decode())
    autocomplete = [
        page.one("input", name=name).attrs.get("autocomplete") for name in PARTS.values()
    ]
    assert autocomplete == ["bday-day", "bday-month", "bday-year"]


def test_the_case_pages_ask_for_dates_in_three_boxes(client, worker):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    client.force_login(worker)
    for url in (
        reverse("casework:case", args=[case.pk]),
        reverse("outcomes:case", args=[case.pk]),
    ):
        body = client.get(url).content.decode()
        assert 'type="date"' not in body, url
        assert "nhsuk-date-input" in body, url
