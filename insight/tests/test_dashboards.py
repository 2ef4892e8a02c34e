"""The dashboard: exact numbers from a world built here, scope per role, suppression in the
page and the CSV, filters, and pinned query counts.

The world (all times fixed):
- North PCN: 7 referrals in March (5) and April (2) 2026; 6 from clinicians, 1 self-referral;
  6 give loneliness and 2 money (one gives both). 5 were first contacted after 1, 2, 3, 4
  and 10 days (median 3, 90th centile 7.6). 7 cases: 5 open with `worker`, 2 discharged by
  `colleague` (goals met, moved away). 10 contacts for 5 people, 300 minutes. 6 connections
  to a walking group (5 completed, 1 dropped) and 2 to debt advice. People: 5 women aged 30,
  2 men aged 70.
- South PCN: 3 referrals by API in March, each contacted after 5 days; 3 open cases with
  `stranger`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.urls import reverse

from casework.models import Case, Connection
from casework.tests.factories import CaseFactory, ConnectionFactory, ContactFactory
from directory.models import Attribute, TaxonomyTerm
from directory.taxonomy import load_taxonomy
from directory.tests.factories import ServiceFactory
from insight import dashboards
from insight.access import Scope, scope_for
from insight.dashboards import Filters, percentile_cont
from people.tests.factories import PersonFactory
from referrals.models import Referral
from referrals.tests.factories import ReferralFactory

MARCH = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
APRIL = dt.datetime(2026, 4, 6, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 1)


def _tag(service, code: str) -> None:
    Attribute.objects.create(
        link_id=service.pk,
        link_entity="service",
        taxonomy_term=TaxonomyTerm.objects.get(code=code),
    )


def _born(age: int) -> dt.date:
    return dt.date(TODAY.year - age, 1, 15)


@pytest.fixture
def world(team, other_team, worker, colleague, stranger):
    load_taxonomy()
    walking = ServiceFactory(name="Health walk")
    _tag(walking, "srx:activity.walking")
    debt = ServiceFactory(name="Debt advice")
    _tag(debt, "srx:money")
    waits = [1, 2, 3, 4, 10, None, None]
    north = []
    for i, wait in enumerate(waits):
        person = PersonFactory(
            team=team,
            sex="female" if i < 5 else "male",
            birth_date=_born(30 if i < 5 else 70),
        )
        received = MARCH + dt.timedelta(days=i) if i < 5 else APRIL
        reasons = ["loneliness"] if i < 5 else ["money"]
        if i == 5:
            reasons = ["loneliness", "money"]
        referral = ReferralFactory(
            person=person,
            source=Referral.Source.SELF if i == 6 else Referral.Source.CLINICIAN,
            reasons=reasons,
            received_at=received,
            status=Referral.Status.ACCEPTED,
            first_contact_at=received + dt.timedelta(days=wait) if wait else None,
        )
        north.append(referral)
    cases = []
    for i, referral in enumerate(north):
        if i < 5:
            cases.append(CaseFactory(referral=referral, link_worker=worker, opened_at=MARCH))
        else:
            cases.append(
                CaseFactory(
                    referral=referral,
                    link_worker=colleague,
                    opened_at=MARCH,
                    status=Case.Status.DISCHARGED,
                    discharged_at=APRIL + dt.timedelta(days=7),
                    discharge_reason="goals_met" if i == 5 else "moved_away",
                )
            )
    for case in cases[:5]:
        for minutes in (20, 40):
            ContactFactory(case=case, minutes=minutes, happened_on=dt.date(2026, 3, 20))
    for i in range(6):
        ConnectionFactory(
            case=cases[i],
            service=walking,
            proposed_at=MARCH,
            status=Connection.Status.COMPLETED if i < 5 else Connection.Status.DROPPED,
            drop_reason="" if i < 5 else "Moved away",
        )
    for case in cases[:2]:
        ConnectionFactory(case=case, service=debt, proposed_at=MARCH)
    for _ in range(3):
        person = PersonFactory(team=other_team, sex="", birth_date=None)
        referral = ReferralFactory(
            person=person,
            source=Referral.Source.API,
            received_at=MARCH,
            status=Referral.Status.ACCEPTED,
            first_contact_at=MARCH + dt.timedelta(days=5),
        )
        CaseFactory(referral=referral, link_worker=stranger, opened_at=MARCH)
    return {"north": north}


def _rows(table) -> dict:
    return {row[0]: row[1:] for row in table.rows}


def _table(tables, slug):
    return next(t for t in tables if t.slug == slug)


def _north(supervisor) -> Filters:
    return Filters(scope_for(supervisor))


# --- Pure maths ---------------------------------------------------------------------------


def test_percentile_cont_interpolates_between_ranks_like_postgresql():
    assert percentile_cont([1, 2, 3, 4, 10], 0.5) == 3
    assert percentile_cont([1, 2, 3, 4, 10], 0.9) == pytest.approx(7.6)
    assert percentile_cont([5], 0.9) == 5
    assert percentile_cont([1, 2], 0.5) == 1.5
    assert percentile_cont([], 0.5) is None


# --- Scope --------------------------------------------------------------------------------


def test_supervisor_counts_their_team_only(world, supervisor):
    tables = dashboards.dashboard(_north(supervisor))
    assert _rows(_table(tables, "referrals-by-source")) == {
        "Clinician (web form)": [6],
        "Other agency": [0],
        "Self-referral": ["<5"],
        "API": [0],
        "FHIR": [0],
    }
    assert _rows(_table(tables, "referrals-by-team")) == {"North PCN": [7]}


def test_commissioner_without_a_team_counts_every_area(world, commissioner):
    tables = dashboards.dashboard(Filters(scope_for(commissioner)))
    assert _rows(_table(tables, "referrals-by-team")) == {"North PCN": [7], "South PCN": ["<5"]}
    assert _rows(_table(tables, "referrals-by-source"))["Clinician (web form)"] == [6]


def test_commissioner_with_a_team_counts_their_area_only(world, commissioner, other_team):
    commissioner.team = other_team
    commissioner.save()
    scope = scope_for(commissioner)
    assert scope == Scope(area_id=other_team.area_id)
    tables = dashboards.dashboard(Filters(scope))
    assert _rows(_table(tables, "referrals-by-team")) == {"South PCN": ["<5"]}


def test_admin_counts_everything_even_with_a_team(admin_user, team):
    admin_user.team = team
    admin_user.save()
    assert scope_for(admin_user) == Scope()


def test_supervisor_is_kept_to_their_team(supervisor, team):
    assert scope_for(supervisor) == Scope(area_id=team.area_id, team_id=team.pk)


@pytest.mark.parametrize("persona", ["worker", "referrer", "partner"])
def test_other_roles_are_refused(request, persona):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        scope_for(request.getfixturevalue(persona))


# --- The numbers --------------------------------------------------------------------------


def test_referrals_by_reason_count_each_reason_given(world, supervisor):
    rows = _rows(dashboards.referrals_by_reason(_north(supervisor)))
    assert rows["Loneliness or social isolation"] == [6]
    assert rows["Money or debt"] == [2]
    assert rows["Housing"] == [0]


def test_a_reason_listed_twice_counts_the_referral_once(world, supervisor, team):
    ReferralFactory(person=PersonFactory(team=team), reasons=["money", "money"], received_at=MARCH)
    rows = _rows(dashboards.referrals_by_reason(_north(supervisor)))
    assert rows["Money or debt"] == [3]
    assert rows["Loneliness or social isolation"] == [6]


def test_referrals_by_month(world, supervisor):
    rows = dashboards.referrals_by_month(_north(supervisor)).rows
    assert rows == [["2026-03", 5], ["2026-04", 2]]


def test_time_to_first_contact_median_and_90th_centile(world, supervisor, commissioner):
    table = dashboards.first_contact_times(_north(supervisor))
    assert table.rows == [["All teams in view", 5, 3.0, 7.6], ["North PCN", 5, 3.0, 7.6]]
    everyone = dashboards.first_contact_times(Filters(scope_for(commissioner))).suppressed()
    # 8 waits: 1, 2, 3, 4, 5, 5, 5, 10; South's three are too few to show a median.
    assert everyone.rows == [
        ["All teams in view", 8, 4.5, 6.5],
        ["North PCN", 5, 3.0, 7.6],
        ["South PCN", "<5", None, None],
    ]


def test_caseload_per_link_worker_counts_open_cases(world, commissioner, worker, stranger):
    rows = dashboards.caseload_per_worker(Filters(scope_for(commissioner))).suppressed().rows
    assert rows == [[worker.get_full_name() or "worker", 5], [stranger.get_full_name(), "<5"]]


def test_contacts_and_minutes_per_person(world, supervisor):
    rows = dashboards.contacts_per_person(_north(supervisor)).rows
    assert rows == [["North PCN", 5, 10, 300, 2.0, 60]]


def test_a_person_with_two_cases_is_one_person_in_the_contacts_table(world, supervisor):
    person = world["north"][0].person
    second = CaseFactory(
        referral=ReferralFactory(person=person, received_at=APRIL, status="accepted"),
        link_worker=world["north"][0].case.link_worker,
        opened_at=APRIL,
    )
    ContactFactory(case=second, minutes=30, happened_on=dt.date(2026, 4, 20))
    rows = dashboards.contacts_per_person(_north(supervisor)).rows
    assert rows == [["North PCN", 5, 11, 330, 2.2, 66]]


def test_no_first_contact_in_the_period_gives_no_centiles(world, supervisor):
    empty = Filters(scope_for(supervisor), start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31))
    assert dashboards.first_contact_times(empty).rows == [["All teams in view", 0, None, None]]


def test_connections_by_category_with_completion(world, supervisor):
    table = dashboards.connections_by_category(_north(supervisor)).suppressed()
    assert table.rows == [
        ["Physical activity", 6, 5, 83],
        ["Money, debt and benefits advice", "<5", 0, None],
    ]


def test_discharge_reasons(world, supervisor):
    rows = _rows(dashboards.discharge_reasons(_north(supervisor)))
    assert rows["Goals met"] == [1]
    assert rows["Moved out of area"] == [1]
    assert rows["Died"] == [0]


def test_reach_by_age_band_and_sex(world, supervisor):
    rows = _rows(dashboards.reach_by_age_and_sex(_north(supervisor), today=TODAY).suppressed())
    assert rows["25–34"] == [5, 5, 0, 0, 0]
    assert rows["65–79"] == ["<5", 0, "<5", 0, 0]


def test_reach_counts_the_exact_numbers_before_suppression(world, supervisor):
    rows = _rows(dashboards.reach_by_age_and_sex(_north(supervisor), today=TODAY))
    assert rows["65–79"] == [2, 0, 2, 0, 0]
    assert rows["Not known"] == [0, 0, 0, 0, 0]


def test_period_filter_keeps_referrals_received_in_it(world, supervisor):
    april = Filters(scope_for(supervisor), start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30))
    assert dashboards.referrals_by_month(april).rows == [["2026-04", 2]]


def test_team_filter_narrows_a_commissioners_view(world, commissioner, team):
    f = Filters(scope_for(commissioner), team_id=team.pk)
    assert _rows(dashboards.referrals_by_team(f)) == {"North PCN": [7]}


# --- Suppression everywhere ---------------------------------------------------------------


def test_every_count_under_five_is_suppressed_in_every_table(world, commissioner):
    for table in dashboards.dashboard(Filters(scope_for(commissioner))):
        for row in table.rows:
            for i in table.counts:
                assert row[i] == "<5" or row[i] == 0 or row[i] >= 5, (table.slug, row)


# --- Pages --------------------------------------------------------------------------------


def test_dashboard_page_shows_charts_beside_suppressed_tables(client, world, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("insight:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<svg class="srx-chart"') == len(dashboards.TABLES)  # a chart per table
    assert "&lt;5" in page
    assert "North PCN" in page and "South PCN" not in page
    for referral in world["north"]:  # nothing that identifies a person
        assert referral.person.nhs_number not in page
        assert str(referral.person_id) not in page


_ROOMY = 6 if connection.vendor == "postgresql" else 0  # insight.dashboards._in_memory


def test_dashboard_page_query_count_is_pinned(client, world, supervisor, django_assert_num_queries):
    client.force_login(supervisor)
    # Session, user, team; nine tables (first contact also reads team names; the three
    # reach tables share one count of the people referred); the audit row; the local
    # population's figures for each reach table (3). The same on both databases
    # (PostgreSQL's centiles, all teams and each team, are one statement), but for the
    # centiles and the people referred, which PostgreSQL runs with a larger work_mem in
    # their own transaction (a savepoint here: 3 more queries each).
    with django_assert_num_queries(18 + _ROOMY):
        client.get(reverse("insight:dashboard"))


def test_dashboard_page_query_count_for_a_commissioner_is_pinned(
    client, world, commissioner, django_assert_num_queries
):
    client.force_login(commissioner)
    # As the supervisor's, plus the team and area choices, less the team lookup; with
    # several areas in view each population comparison also lists the areas and names
    # those without figures (2 more for each of the three reach tables).
    with django_assert_num_queries(25 + _ROOMY):
        client.get(reverse("insight:dashboard"))


def test_csv_download_has_the_suppressed_numbers(client, world, commissioner, team):
    client.force_login(commissioner)
    url = reverse("insight:dashboard_csv", args=["referrals-by-team"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["Team", "Referrals"], ["North PCN", "7"], ["South PCN", "<5"]]
    filtered = client.get(url, {"team": team.pk})
    assert list(csv.reader(io.StringIO(filtered.content.decode())))[1:] == [["North PCN", "7"]]


def test_every_table_downloads_as_csv_with_small_counts_suppressed(client, world, commissioner):
    client.force_login(commissioner)
    for slug in dashboards.TABLES:
        response = client.get(reverse("insight:dashboard_csv", args=[slug]))
        assert response.status_code == 200, slug
        body = list(csv.reader(io.StringIO(response.content.decode())))
        table = dashboards.TABLES[slug](Filters(scope_for(commissioner)))
        assert len(body) == len(table.rows) + 1
        for row, raw in zip(body[1:], table.rows, strict=True):
            for i in table.counts:
                assert row[i] == ("<5" if 0 < raw[i] < 5 else str(raw[i])), (slug, row)


def test_csv_download_query_count_is_pinned(client, world, supervisor, django_assert_num_queries):
    client.force_login(supervisor)
    # Session, user, team; the counts; the audit row.
    with django_assert_num_queries(5):
        client.get(reverse("insight:dashboard_csv", args=["referrals-by-source"]))


def test_unknown_table_is_404(client, world, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("insight:dashboard_csv", args=["people"])).status_code == 404


def test_a_team_outside_the_readers_scope_cannot_be_chosen(client, world, commissioner, other_team):
    commissioner.team = other_team  # South's commissioner asks for North's team
    commissioner.save()
    client.force_login(commissioner)
    north_team = world["north"][0].team_id
    response = client.get(reverse("insight:dashboard"), {"team": north_team})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert "North PCN" not in response.content.decode()
    csv_response = client.get(
        reverse("insight:dashboard_csv", args=["referrals-by-team"]), {"team": north_team}
    )
    assert csv_response.status_code == 400


def test_a_period_that_ends_before_it_starts_is_refused_with_a_message(client, world, supervisor):
    client.force_login(supervisor)
    response = client.get(
        reverse("insight:dashboard"),
        {
            "start_0": "1",
            "start_1": "5",
            "start_2": "2026",
            "end_0": "1",
            "end_1": "4",
            "end_2": "2026",
        },
    )
    assert response.status_code == 400
    assert "To must be the same as or after From" in response.content.decode()


def test_a_mistyped_date_is_refused_with_a_message(client, world, supervisor):
    client.force_login(supervisor)
    response = client.get(
        reverse("insight:dashboard"), {"start_0": "31", "start_1": "2", "start_2": "2026"}
    )
    assert response.status_code == 400
    assert "From must be a real date" in response.content.decode()


def test_a_download_is_audited_with_the_filters_used(client, world, commissioner, team):
    from audit.models import Event

    client.force_login(commissioner)
    client.get(reverse("insight:dashboard_csv", args=["caseload"]), {"team": team.pk})
    event = Event.objects.get(verb=Event.Verb.EXPORT)
    assert (event.actor, event.record_type, event.record_id) == (
        commissioner,
        "insight.dashboards",
        "dashboard/caseload",
    )
    assert event.detail == {"filters": ["team"]}


@pytest.mark.parametrize("persona", ["commissioner", "supervisor"])
def test_home_page_links_to_the_dashboard(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("web:home")).content.decode()
    assert f'href="{reverse("insight:dashboard")}"' in page


def test_json_has_the_same_suppressed_numbers_as_the_page(client, world, commissioner):
    client.force_login(commissioner)
    body = client.get(reverse("insight:dashboard_json")).json()
    tables = {t["slug"]: t for t in body["tables"]}
    assert tables["referrals-by-team"]["rows"] == [["North PCN", 7], ["South PCN", "<5"]]
    assert tables["first-contact"]["rows"][-1] == ["South PCN", "<5", None, None]
    assert list(tables) == list(dashboards.TABLES)


def test_json_refuses_a_bad_filter_naming_the_field(client, world, commissioner):
    client.force_login(commissioner)
    response = client.get(reverse("insight:dashboard_json"), {"team": "999999"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "team"
