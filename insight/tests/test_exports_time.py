"""The monthly time report: minutes of link worker time per person per calendar month, with
pseudonymous keys for supervisors and commissioners in scope, and names for a supervisor's
own team only (billing), audited per person."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import Event
from casework.tests.factories import CaseFactory, ContactFactory
from insight.access import Scope
from insight.dashboards import Filters
from insight.exports import pseudonym
from insight.time_report import time_by_person_month

KEY = "t" * 64
APRIL = {"start_0": 1, "start_1": 4, "start_2": 2026, "end_0": 30, "end_1": 4, "end_2": 2026}
SPRING = {"start_0": 1, "start_1": 3, "start_2": 2026, "end_0": 30, "end_1": 4, "end_2": 2026}


@pytest.fixture(autouse=True)
def _key(settings):
    settings.RESEARCH_PSEUDONYM_KEY = KEY


def _contacts(case, *days_and_minutes):
    for day, minutes in days_and_minutes:
        ContactFactory(case=case, happened_on=day, minutes=minutes)


@pytest.fixture
def world(team, other_team):
    """Ann (North): 30 + 15 minutes in March, 60 in April. Ben (North): 20 in April, and
    a second case with 10 more in April. Cal (South): 45 in April."""
    ann = CaseFactory(referral__person__team=team, referral__person__given_name="Ann")
    _contacts(ann, (dt.date(2026, 3, 2), 30), (dt.date(2026, 3, 31), 15), (dt.date(2026, 4, 1), 60))
    ben = CaseFactory(referral__person__team=team, referral__person__given_name="Ben")
    _contacts(ben, (dt.date(2026, 4, 15), 20))
    again = CaseFactory(referral__person=ben.person, referral__team=team)
    _contacts(again, (dt.date(2026, 4, 29), 10))
    cal = CaseFactory(referral__person__team=other_team, referral__person__given_name="Cal")
    _contacts(cal, (dt.date(2026, 4, 10), 45), (dt.date(2026, 5, 1), 5))
    return {"ann": ann.person, "ben": ben.person, "cal": cal.person}


def _key_of(person) -> str:
    return pseudonym(KEY.encode(), "time-report", person.pk)


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_minutes_are_summed_per_person_per_calendar_month(world, team):
    north = Filters(Scope(team_id=team.pk))
    assert {(pid, month, minutes, n) for pid, month, minutes, n in time_by_person_month(north)} == {
        (world["ann"].pk, dt.date(2026, 3, 1), 45, 2),
        (world["ann"].pk, dt.date(2026, 4, 1), 60, 1),
        (world["ben"].pk, dt.date(2026, 4, 1), 30, 2),  # two cases, one person
    }


def test_a_supervisor_gets_their_teams_report_with_pseudonymous_keys(client, world, supervisor):
    client.force_login(supervisor)
    rows = _csv(client.get(reverse("insight:exports_time_report"), SPRING))
    assert [tuple(r.values()) for r in rows[:1]] == [(_key_of(world["ann"]), "2026-03", "45", "2")]
    assert {tuple(r.values()) for r in rows[1:]} == {
        (_key_of(world["ann"]), "2026-04", "60", "1"),
        (_key_of(world["ben"]), "2026-04", "30", "2"),
    }
    assert list(rows[0]) == ["person_key", "month", "minutes", "contacts"]


def test_the_pseudonymous_report_names_no_one(client, world, supervisor):
    client.force_login(supervisor)
    text = client.get(reverse("insight:exports_time_report"), SPRING).content.decode()
    for person in world.values():
        # Full names: a generated family name alone can be a word in the file ("Key").
        for value in (person.full_name, person.nhs_number, str(person.pk)):
            assert not value or value not in text


def test_a_commissioner_gets_every_team(client, world, commissioner):
    client.force_login(commissioner)
    rows = _csv(client.get(reverse("insight:exports_time_report"), APRIL))
    assert {(r["person_key"], r["minutes"]) for r in rows} == {
        (_key_of(world["ann"]), "60"),
        (_key_of(world["ben"]), "30"),
        (_key_of(world["cal"]), "45"),
    }


def test_the_pseudonymous_report_is_audited_once(client, world, commissioner):
    client.force_login(commissioner)
    client.get(reverse("insight:exports_time_report"), APRIL)
    event = Event.objects.get(verb="export")
    assert event.record_type == "insight.time_report"
    assert event.detail["identifiable"] is False
    assert event.detail["rows"] == 3
    assert event.person_id is None


def test_a_supervisor_may_have_their_own_teams_names_for_billing_audited_per_person(
    client, world, supervisor
):
    client.force_login(supervisor)
    rows = _csv(client.get(reverse("insight:exports_time_report_identifiable"), APRIL))
    assert {(r["given_name"], r["nhs_number"], r["minutes"]) for r in rows} == {
        ("Ann", world["ann"].nhs_number, "60"),
        ("Ben", world["ben"].nhs_number, "30"),
    }
    audited = set(
        Event.objects.filter(verb="export", record_type="people.Person").values_list(
            "person_id", flat=True
        )
    )
    assert audited == {world["ann"].pk, world["ben"].pk}


@pytest.mark.parametrize("persona", ["commissioner", "admin_user", "worker"])
def test_no_one_else_may_have_names(request, client, world, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("insight:exports_time_report_identifiable"), APRIL)
    assert response.status_code == 403
    assert not Event.objects.filter(verb="export").exists()


def test_a_link_worker_gets_no_time_report(client, world, worker):
    client.force_login(worker)
    assert client.get(reverse("insight:exports_time_report"), APRIL).status_code == 403


def test_without_a_key_the_page_says_why_and_nothing_is_exported(
    client, world, supervisor, settings
):
    settings.RESEARCH_PSEUDONYM_KEY = ""
    client.force_login(supervisor)
    response = client.get(reverse("insight:exports_time_report"), APRIL, follow=True)
    assert "the operator must set RESEARCH_PSEUDONYM_KEY" in response.content.decode()
    assert not Event.objects.filter(verb="export").exists()


def test_a_bad_period_is_a_400_naming_the_problem(client, world, supervisor):
    client.force_login(supervisor)
    backwards = APRIL | {"end_1": 3, "end_0": 1}
    response = client.get(reverse("insight:exports_time_report"), backwards)
    assert response.status_code == 400
    assert "To must be the same as or after From" in response.content.decode()


def test_the_command_writes_the_report_for_whole_months(world, tmp_path, team):
    out = tmp_path / "time.csv"
    call_command(
        "time_report", str(out), "--from", "2026-04", "--to", "2026-04", "--team", str(team.pk)
    )
    rows = list(csv.DictReader(out.open()))
    assert {(r["person_key"], r["month"], r["minutes"]) for r in rows} == {
        (_key_of(world["ann"]), "2026-04", "60"),
        (_key_of(world["ben"]), "2026-04", "30"),
    }
    assert Event.objects.get(verb="export").actor_label == "manage.py time_report"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "April", "--to", "2026-04"], "write it as YYYY-MM"),
        (["--from", "2026-05", "--to", "2026-04"], "--to must be the same month"),
        (["--from", "2026-04", "--to", "2026-04", "--team", "999999"], "no team with id 999999"),
    ],
)
def test_the_command_explains_bad_arguments(world, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("time_report", str(tmp_path / "t.csv"), *args)
