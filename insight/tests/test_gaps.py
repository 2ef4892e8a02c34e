"""Gaps in provision: needs against services within reach, declines because a service was
full or gone, and the ranked list, from a world built here.

The world, all in North PCN (area North), with postcodes placed by hand:
- TN23 1AA (Ashford) is where both services meet; CT1 1AA (Canterbury) is 20 km away;
  ZZ9 9ZZ is not in the postcode table.
- "Befriending" (srx:social.befriending) at Ashford: active and open.
- "Debt advice" (srx:money) at Ashford: full.
- Loneliness: 6 people at TN23 1AA, 2 at CT1 1AA, 1 at ZZ9 9ZZ.
- Money: 6 people at TN23 1AA (the only money service is full).
- Screening: 5 people at TN23 1AA screen positive for food (no food service anywhere).
- 5 connections to "Debt advice" were declined; 3 goals have no connection.
- South PCN: 2 people with loneliness at TN23 1AA (in reach).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from casework.models import Connection
from casework.tests.factories import CaseFactory, ConnectionFactory, GoalFactory
from directory.models import Attribute, Service, TaxonomyTerm
from directory.taxonomy import load_taxonomy
from directory.tests.factories import LocationFactory, ServiceAtLocationFactory, ServiceFactory
from insight import gaps
from insight.access import scope_for
from insight.dashboards import Filters
from outcomes.models import Response
from people.tests.factories import PersonFactory
from places.models import Postcode
from referrals.tests.factories import ReferralFactory

MARCH = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
ASHFORD = (51.146, 0.875)
CANTERBURY = (51.2802, 1.0789)


def _service(name: str, code: str, **fields) -> Service:
    service = ServiceFactory(name=name, **fields)
    Attribute.objects.create(
        link_id=service.pk, link_entity="service", taxonomy_term=TaxonomyTerm.objects.get(code=code)
    )
    location = LocationFactory(latitude=ASHFORD[0], longitude=ASHFORD[1])
    ServiceAtLocationFactory(service=service, location=location)
    return service


def _referred(team, postcode: str, reasons: list[str]):
    person = PersonFactory(team=team, postcode=postcode)
    return ReferralFactory(person=person, reasons=reasons, received_at=MARCH)


@pytest.fixture
def world(team, other_team, worker):
    load_taxonomy()
    Postcode.objects.create(
        postcode="TN23 1AA", outward="TN23", latitude=ASHFORD[0], longitude=ASHFORD[1]
    )
    Postcode.objects.create(
        postcode="CT1 1AA", outward="CT1", latitude=CANTERBURY[0], longitude=CANTERBURY[1]
    )
    _service("Befriending", "srx:social.befriending")
    debt = _service("Debt advice", "srx:money", capacity=Service.Capacity.FULL)
    for postcode, n in (("TN23 1AA", 6), ("CT1 1AA", 2), ("ZZ9 9ZZ", 1)):
        for _ in range(n):
            _referred(team, postcode, ["loneliness"])
    money = [_referred(team, "TN23 1AA", ["money"]) for _ in range(6)]
    cases = [CaseFactory(referral=r, link_worker=worker) for r in money]
    for case in cases[:5]:
        ConnectionFactory(
            case=case,
            service=debt,
            status=Connection.Status.DECLINED,
            decline_reason="We are full until the autumn.",
            responded_at=MARCH,
        )
    for case in cases[:3]:
        GoalFactory(case=case)
    for case in cases[:5]:
        Response.objects.create(
            area=case.area,
            person=case.person,
            case=case,
            instrument="hrsn",
            instrument_version="1",
            answers={},
            domains={"food": "positive", "housing": "negative"},
            via=Response.Via.LINK_WORKER,
            completed_at=MARCH,
        )
    for _ in range(2):
        _referred(other_team, "TN23 1AA", ["loneliness"])
    return {"debt": debt}


def _north(user) -> Filters:
    return Filters(scope_for(user))


def _by_need(rows):
    return {(r.area, r.need): (r.people, r.in_reach, r.without, r.not_placed) for r in rows}


def test_needs_are_counted_against_services_in_reach(world, supervisor):
    rows = _by_need(gaps.needs(_north(supervisor), 5))
    assert rows == {
        ("North", "Loneliness or social isolation"): (9, 6, 2, 1),
        ("North", "Money or debt"): (6, 0, 6, 0),  # the only money service is full
        ("North", "Food"): (5, 0, 5, 0),
    }


def test_a_longer_travel_distance_reaches_more_people(world, supervisor):
    rows = _by_need(gaps.needs(_north(supervisor), 25))
    assert rows[("North", "Loneliness or social isolation")] == (9, 8, 0, 1)


def test_a_service_that_is_not_active_serves_nobody(world, supervisor):
    Service.objects.filter(name="Befriending").update(status=Service.Status.DEFUNCT)
    rows = _by_need(gaps.needs(_north(supervisor), 5))
    assert rows[("North", "Loneliness or social isolation")] == (9, 0, 8, 1)


def test_investment_ranking_puts_the_largest_unmet_need_first(world, supervisor):
    table = gaps.investment_ranking(gaps.needs(_north(supervisor), 5)).suppressed()
    assert table.rows == [
        [1, "North", "Money or debt", "Referral reason", 6, 6],
        [2, "North", "Food", "Screening", 5, 5],
        # Small counts come last, unranked and in name order, so their order tells nothing.
        ["", "North", "Loneliness or social isolation", "Referral reason", "<5", 9],
    ]


def test_declines_for_a_full_service_and_goals_without_a_connection(world, supervisor):
    table = gaps.area_summary(_north(supervisor)).suppressed()
    assert table.rows == [["North", "<5", 5, 0]]


def test_a_decline_by_a_service_gone_is_counted_apart_from_full(world, supervisor):
    Service.objects.filter(pk=world["debt"].pk).update(
        capacity=Service.Capacity.OPEN, status=Service.Status.DEFUNCT
    )
    assert gaps.area_summary(_north(supervisor)).rows == [["North", 3, 0, 5]]


def test_commissioner_sees_every_area(world, commissioner):
    rows = _by_need(gaps.needs(Filters(scope_for(commissioner)), 5))
    assert rows[("South", "Loneliness or social isolation")] == (2, 2, 0, 0)


def test_gaps_page_shows_suppressed_tables(client, world, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("insight:gaps"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Where investment is needed" in page
    assert "&lt;5" in page
    assert "South" not in page


def test_gaps_page_query_count_is_pinned(client, world, supervisor, django_assert_num_queries):
    client.force_login(supervisor)
    # Session, user, team; needs from referrals, with which of their postcodes have
    # services in reach (one statement); the same for screens; goals; declines; the audit
    # row.
    with django_assert_num_queries(8):
        client.get(reverse("insight:gaps"))


def test_ranked_list_downloads_as_csv(client, world, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("insight:gaps_csv", args=["investment"]), {"km": "5"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1:] == [
        ["1", "North", "Money or debt", "Referral reason", "6", "6"],
        ["2", "North", "Food", "Screening", "5", "5"],
        ["", "North", "Loneliness or social isolation", "Referral reason", "<5", "9"],
    ]


def test_a_travel_distance_out_of_range_is_refused_with_a_message(client, world, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("insight:gaps"), {"km": "500"})
    assert response.status_code == 400
    assert "Travel distance must be 50 km or less" in response.content.decode()
    refused = client.get(reverse("insight:gaps_csv", args=["needs"]), {"km": "x"})
    assert refused.status_code == 400
    assert "whole number" in refused.content.decode()


def test_distance_is_measured_east_to_west_too(world, supervisor):
    # 0.3 degrees of longitude at Ashford's latitude is about 21 km: the latitude band lets
    # it through, the great-circle distance does not.
    from directory.models import Location

    Location.objects.filter(service_at_locations__service__name="Befriending").update(
        longitude=ASHFORD[1] + 0.3
    )
    assert _by_need(gaps.needs(_north(supervisor), 5))[
        ("North", "Loneliness or social isolation")
    ] == (9, 0, 8, 1)
    # At 25 km both Ashford (21 km) and Canterbury (16 km) reach it.
    assert _by_need(gaps.needs(_north(supervisor), 25))[
        ("North", "Loneliness or social isolation")
    ] == (9, 8, 0, 1)
