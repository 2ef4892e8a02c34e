"""Reach by equity group: people referred by ethnic group, IMD decile and long-term
conditions, with exact numbers on a world built here, suppressed below five, scoped."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from insight.access import Scope
from insight.dashboards import Filters
from insight.equity import equity_group, equity_groups, reach_by_equity
from insight.equity_change import imd_decile_of
from people.models import Person
from people.tests.factories import PersonFactory
from places.deprivation import deprivation_deciles, import_imd
from places.importers import import_postcodes
from referrals.tests.factories import ReferralFactory

DATA = Path(__file__).resolve().parents[2] / "places" / "tests" / "data"
START, END = dt.date(2026, 3, 1), dt.date(2026, 5, 31)
QUERIES_ON_THE_PAGE = 4


PERIOD = {"start_0": 1, "start_1": 3, "start_2": 2026, "end_0": 31, "end_1": 5, "end_2": 2026}


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def _referred(team, n, *, ethnic, postcode, ltc, seen=0, on=dt.date(2026, 4, 2)):
    people = []
    for i in range(n):
        person = PersonFactory(
            team=team, ethnic_category=ethnic, postcode=postcode, long_term_conditions=ltc
        )
        ReferralFactory(
            person=person,
            team=team,
            received_at=_at(on),
            first_contact_at=_at(on + dt.timedelta(days=3)) if i < seen else None,
        )
        people.append(person)
    return people


@pytest.fixture
def world(team, other_team):
    """North: 6 White people in IMD decile 1 with 2+ conditions (5 seen), 3 Black African
    people in decile 9 with none (1 seen), 2 with nothing recorded and a postcode whose
    LSOA has no decile; 5 Indian people referred before the period. South: 5 Indian people
    in decile 10 with one condition (all seen)."""
    import_postcodes(DATA / "onspd_lsoa_sample.csv")
    import_imd(DATA / "imd_file1_sample.csv")
    white = _referred(team, 6, ethnic="A", postcode="TN23 1AA", ltc=2, seen=5)
    ReferralFactory(person=white[0], team=team, received_at=_at(dt.date(2026, 5, 1)))
    _referred(team, 3, ethnic="N", postcode="TN23 1AD", ltc=0, seen=1)
    _referred(team, 2, ethnic="", postcode="TN24 9ZZ", ltc=None)
    _referred(team, 5, ethnic="H", postcode="TN24 8AA", ltc=1, seen=5, on=dt.date(2026, 2, 27))
    _referred(other_team, 5, ethnic="H", postcode="TN24 8AA", ltc=1, seen=5)
    return {"white": white}


def _north(team) -> Filters:
    return Filters(Scope(area_id=team.area_id, team_id=team.pk), start=START, end=END)


def _rows(table) -> dict:
    return {row[0]: row[1:] for row in table.rows}


def test_people_referred_are_counted_once_by_ethnic_group(world, team):
    ethnicity, _, _ = reach_by_equity(_north(team))
    assert _rows(ethnicity) == {
        "White": [6, 5],
        "Mixed or multiple ethnic groups": [0, 0],
        "Asian or Asian British": [0, 0],
        "Black or Black British": [3, 1],
        "Other ethnic group": [0, 0],
        "Not stated": [0, 0],
        "Not recorded": [2, 0],
    }


def test_people_referred_are_counted_by_the_deprivation_of_their_postcode(world, team):
    _, deprivation, _ = reach_by_equity(_north(team))
    rows = _rows(deprivation)
    assert rows["1"] == [6, 5]
    assert rows["9"] == [3, 1]
    assert rows["Not known"] == [2, 0]
    assert sum(r[0] for r in rows.values()) == 11
    assert list(rows) == [*(str(d) for d in range(1, 11)), "Not known"]


def test_people_referred_are_counted_by_long_term_conditions(world, team):
    _, _, conditions = reach_by_equity(_north(team))
    assert _rows(conditions) == {
        "None": [3, 1],
        "1": [0, 0],
        "2 or more": [6, 5],
        "Not recorded": [2, 0],
    }


def test_small_groups_are_suppressed(world, team):
    ethnicity, deprivation, conditions = (t.suppressed() for t in reach_by_equity(_north(team)))
    assert _rows(ethnicity)["White"] == [6, 5]
    assert _rows(ethnicity)["Black or Black British"] == ["<5", "<5"]
    assert _rows(ethnicity)["Asian or Asian British"] == [0, 0]  # a zero identifies nobody
    assert _rows(deprivation)["Not known"] == ["<5", 0]
    assert _rows(conditions)["None"] == ["<5", "<5"]


def test_a_reader_without_a_team_counts_every_team(world, team):
    everyone = Filters(Scope(), start=START, end=END)
    ethnicity, deprivation, conditions = reach_by_equity(everyone)
    assert _rows(ethnicity)["Asian or Asian British"] == [5, 5]
    assert _rows(deprivation)["10"] == [5, 5]
    assert _rows(conditions)["1"] == [5, 5]
    assert sum(r[0] for r in _rows(ethnicity).values()) == 16


def test_the_period_is_by_date_received(world, team):
    before = Filters(Scope(team_id=team.pk), start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28))
    ethnicity, _, _ = reach_by_equity(before)
    assert _rows(ethnicity)["Asian or Asian British"] == [5, 5]
    assert sum(r[0] for r in _rows(ethnicity).values()) == 5


def test_the_decile_in_sql_agrees_with_places_for_every_person(world):
    import_imd(DATA / "imd_2021_sample.csv")
    for postcode in ("TN23 1AA", "TN24 9ZZ"):  # 2021 deciles now cover these
        PersonFactory(postcode=postcode)
    in_sql = dict(
        Person.objects.annotate(d=imd_decile_of("postcode")).values_list("postcode", "d").distinct()
    )
    assert in_sql == {
        pc: deprivation_deciles([pc]).get(pc)
        for pc in Person.objects.values_list("postcode", flat=True)
    }
    assert in_sql["TN23 1AA"] == 3  # the 2021 decile wins


def test_equity_group_names_the_rows_a_person_is_counted_in(world):
    person = world["white"][0]
    assert equity_group(person) == {
        "ethnicity": "White",
        "deprivation": "1",
        "long_term_conditions": "2 or more",
    }
    unknown = PersonFactory(ethnic_category="", postcode="", long_term_conditions=None)
    assert equity_group(unknown) == {
        "ethnicity": "Not recorded",
        "deprivation": "Not known",
        "long_term_conditions": "Not recorded",
    }


def test_equity_groups_for_many_people_take_two_queries(world, django_assert_num_queries):
    people = list(Person.objects.all())
    with django_assert_num_queries(2):
        groups = equity_groups(people)
    assert len(groups) == len(people)


# --- The page and its CSV files ------------------------------------------------------------


def test_the_page_shows_the_suppressed_tables(client, world, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("insight:exports"), PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "People referred, by ethnic group" in page
    assert "People referred, by deprivation of where they live" in page
    assert "People referred, by number of long-term conditions" in page
    assert "&lt;5" in page


def test_the_page_takes_a_fixed_number_of_queries(
    client, world, supervisor, django_assert_num_queries
):
    client.force_login(supervisor)
    url = reverse("insight:exports")
    # Session, user, the reader's team; one query for the three reach tables; the filter
    # form's choices. Pinned, so a query per row shows up as a failure. On PostgreSQL the
    # reach tables' statement runs in one process, in a transaction of its own (a
    # savepoint here, the SET and the release: 3 more; insight.sql.in_one_process).
    expected = QUERIES_ON_THE_PAGE + (3 if connection.vendor == "postgresql" else 0)
    with django_assert_num_queries(expected):
        client.get(url, PERIOD)


def test_a_reach_table_downloads_as_csv_with_the_same_suppression(client, world, commissioner):
    client.force_login(commissioner)
    url = reverse("insight:exports_reach_csv", args=["reach-by-ethnicity"])
    response = client.get(url, PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "Ethnic group,People referred,Seen by a link worker"
    assert "White,6,5" in lines
    assert "Asian or Asian British,5,5" in lines
    assert "Black or Black British,<5,<5" in lines


def test_an_unknown_reach_table_is_404(client, world, commissioner):
    client.force_login(commissioner)
    assert client.get(reverse("insight:exports_reach_csv", args=["nope"])).status_code == 404


def test_a_link_worker_is_refused(client, world, worker):
    client.force_login(worker)
    assert client.get(reverse("insight:exports")).status_code == 403
