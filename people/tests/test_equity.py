"""Equity fields on a person: ethnicity (NHS Data Dictionary Ethnic Category) and the number
of long-term conditions, through the rules, the action, the edit page and the API."""

import pytest
from django.urls import reverse

from audit.models import Event
from casework.tests.factories import CaseFactory
from people.actions import update_person
from people.models import Person
from people.rules import (
    ethnic_group,
    imd_decile_label,
    long_term_conditions_band,
    long_term_conditions_error,
)
from socialrx.errors import DomainError

# --- Rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("A", "White"),
        ("C", "White"),
        ("D", "Mixed or multiple ethnic groups"),
        ("G", "Mixed or multiple ethnic groups"),
        ("H", "Asian or Asian British"),
        ("L", "Asian or Asian British"),
        ("M", "Black or Black British"),
        ("P", "Black or Black British"),
        ("R", "Other ethnic group"),
        ("S", "Other ethnic group"),
        ("Z", "Not stated"),
        ("", "Not recorded"),
    ],
)
def test_each_ethnic_category_belongs_to_its_broad_group(code, group):
    assert ethnic_group(code) == group


def test_every_ethnic_category_code_has_a_group():
    assert {value for value, _ in Person._meta.get_field("ethnic_category").choices} == set(
        "ABCDEFGHJKLMNPRSZ"
    )
    assert all(ethnic_group(c) != "Not recorded" for c in "ABCDEFGHJKLMNPRSZ")


@pytest.mark.parametrize(
    ("count", "band"),
    [(None, "Not recorded"), (0, "None"), (1, "1"), (2, "2 or more"), (9, "2 or more")],
)
def test_long_term_conditions_fall_in_bands(count, band):
    assert long_term_conditions_band(count) == band


def test_an_unknown_decile_is_not_known():
    assert imd_decile_label(None) == "Not known"
    assert imd_decile_label(1) == "1"


@pytest.mark.parametrize("value", [-1, 31, 2.5, "2", True])
def test_a_count_of_conditions_must_be_a_whole_number_from_0_to_30(value):
    assert long_term_conditions_error(value)


@pytest.mark.parametrize("value", [None, 0, 30])
def test_none_0_and_30_are_counts_of_conditions(value):
    assert long_term_conditions_error(value) is None


# --- The action -----------------------------------------------------------------------------


@pytest.fixture
def person(worker):
    return CaseFactory(link_worker=worker, referral__person__team=worker.team).person


def test_update_person_records_ethnicity_and_conditions_and_audits_names(person, worker):
    update_person(person, by=worker, ethnic_category="N", long_term_conditions=3)
    person.refresh_from_db()
    assert (person.ethnic_category, person.long_term_conditions) == ("N", 3)
    event = Event.objects.filter(verb="change", record_type="people.Person").latest("at")
    assert event.detail == {"fields": ["ethnic_category", "long_term_conditions"]}


def test_clearing_the_count_of_conditions_makes_it_unknown_not_zero(person, worker):
    update_person(person, by=worker, long_term_conditions=2)
    update_person(person, by=worker, long_term_conditions=None)
    person.refresh_from_db()
    assert person.long_term_conditions is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ethnic_category": "Q"}, "ethnic_category"),
        ({"ethnic_category": "White"}, "ethnic_category"),
        ({"long_term_conditions": -1}, "long_term_conditions"),
        ({"long_term_conditions": "two"}, "long_term_conditions"),
    ],
)
def test_update_person_refuses_bad_equity_values_naming_the_field(person, worker, fields, field):
    with pytest.raises(DomainError) as caught:
        update_person(person, by=worker, **fields)
    assert caught.value.field == field
    person.refresh_from_db()
    assert person.ethnic_category == ""
    assert person.long_term_conditions is None


# --- The pages ------------------------------------------------------------------------------


def _form_data(person, **changes):
    data = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "birth_date-day": person.birth_date.day,
        "birth_date-month": person.birth_date.month,
        "birth_date-year": person.birth_date.year,
        "nhs_number": person.nhs_number,
        "postcode": person.postcode,
        "preferred_language": "English",
    }
    return data | changes


def test_the_edit_page_records_ethnicity_and_conditions(client, worker, person):
    client.force_login(worker)
    url = reverse("people:edit", args=[person.pk])
    response = client.post(url, _form_data(person, ethnic_category="H", long_term_conditions="2"))
    assert response.status_code == 302, response.content.decode()
    person.refresh_from_db()
    assert (person.ethnic_category, person.long_term_conditions) == ("H", 2)
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "Asian or Asian British: Indian" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"long_term_conditions": "two"}, "as a whole number, like 2"),
        ({"long_term_conditions": "-1"}, "Enter a number from 0 to 30"),
        ({"long_term_conditions": "45"}, "Enter a number from 0 to 30"),
        ({"ethnic_category": "Q"}, "Select a valid choice"),
    ],
)
def test_the_edit_page_explains_a_bad_value_and_saves_nothing(
    client, worker, person, changes, message
):
    client.force_login(worker)
    url = reverse("people:edit", args=[person.pk])
    response = client.post(url, _form_data(person, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    person.refresh_from_db()
    assert person.long_term_conditions is None
    assert person.ethnic_category == ""


def test_the_person_page_says_what_is_not_recorded(client, worker, person):
    client.force_login(worker)
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert page.count("Not recorded") >= 2


# --- The API --------------------------------------------------------------------------------


def test_the_api_reads_and_changes_ethnicity_and_conditions(api_client, worker, person):
    url = f"/api/v1/people/{person.pk}"
    resp = api_client(worker).patch(url, {"ethnic_category": "A", "long_term_conditions": 1})
    assert resp.status_code == 200, resp.content
    assert (resp.json()["ethnic_category"], resp.json()["long_term_conditions"]) == ("A", 1)
    resp = api_client(worker).patch(url, {"ethnic_category": None, "long_term_conditions": None})
    assert (resp.json()["ethnic_category"], resp.json()["long_term_conditions"]) == ("", None)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"ethnic_category": "Q"}, "ethnic_category", "Ethnic Category code"),
        ({"ethnic_category": "a"}, "ethnic_category", "Ethnic Category code"),
        ({"long_term_conditions": -2}, "long_term_conditions", "from 0 to 30"),
        ({"long_term_conditions": "3"}, "long_term_conditions", "whole number"),
        ({"long_term_conditions": 1.5}, "long_term_conditions", "whole number"),
    ],
)
def test_the_api_refuses_bad_values_naming_the_field(
    api_client, worker, person, body, field, message
):
    resp = api_client(worker).patch(f"/api/v1/people/{person.pk}", body)
    assert resp.status_code == 422
    error = resp.json()["errors"][0]
    assert error["field"] == field
    assert message in error["message"]
    person.refresh_from_db()
    assert person.long_term_conditions is None
