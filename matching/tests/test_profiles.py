"""A case's profile: needs from the referral, conversation and goals; preferences; limits."""

import datetime as dt

import pytest

from casework.models import Conversation
from casework.tests.factories import CaseFactory, ConnectionFactory, GoalFactory
from matching.profiles import profile_for_case
from matching.tests.factories import service_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(worker):
    case = CaseFactory(
        link_worker=worker,
        referral__person__team=worker.team,
        referral__person__birth_date=dt.date(1950, 6, 1),
        referral__person__sex="female",
        referral__person__access_needs="Uses a wheelchair",
        referral__person__preferred_language="Polish",
        referral__reasons=["loneliness", "money"],
    )
    Conversation.objects.create(
        case=case,
        area=case.area,
        held_on=dt.date(2025, 5, 1),
        what_matters="Seeing people again",
        interests="gardening, painting",
        barriers=["transport", "cost"],
        preferred_days=["tue"],
        preferred_times=["morning"],
        setting="group",
        max_travel_km=5,
        recorded_by=worker,
    )
    return case


def test_needs_come_from_reasons_interests_what_matters_and_goals(case):
    GoalFactory(case=case, text="Join a club")
    labels = [n.label for n in profile_for_case(case).needs]
    assert labels == [
        "the referral for loneliness or social isolation",
        "the referral for money or debt",
        "your interest in gardening",
        "your interest in painting",
        "what matters to you (“Seeing people again”)",
        "your goal “Join a club”",
    ]


def test_preferences_barriers_and_facts_become_constraints_and_signals(case):
    service_at("Garden club", "Gardening", 51.146, 0.875, postcode="TN23 1AA")
    profile = profile_for_case(case, today=dt.date(2025, 6, 2))
    assert profile.age == 75 and profile.sex == "female"
    assert profile.free_slots == frozenset({("tue", "morning")})
    assert profile.cost_barrier and profile.transport_barrier
    assert profile.access_needs == frozenset({"step_free"})
    assert profile.languages == frozenset({"polish"})
    assert profile.setting == "group"
    assert profile.radius_km == 5.0
    assert (profile.lat, profile.lon) == pytest.approx((51.146, 0.875))
    assert case.area.code in profile.areas


def test_services_already_in_the_plan_are_left_out(case):
    connection = ConnectionFactory(case=case)
    assert str(connection.service_id) in profile_for_case(case).exclude_ids


def test_without_a_known_postcode_there_is_no_place_and_no_radius(case):
    case.person.postcode = "ZZ9 9ZZ"
    case.person.save()
    profile = profile_for_case(case)
    assert profile.lat is None and profile.radius_km is None


def test_what_matters_and_goals_are_read_a_sentence_at_a_time(case):
    # The person's words often hold several needs; read whole they blur into one vector.
    conversation = case.conversations.get()
    conversation.what_matters = "Sorting out the bills before the bailiffs come. Fishing again."
    conversation.save()
    GoalFactory(case=case, text="Ring the council; join the angling club and walk the dog")
    needs = [(n.text, n.label, n.piece) for n in profile_for_case(case).needs][4:]
    assert needs == [
        (
            "Sorting out the bills before the bailiffs come",
            "what matters to you (“Sorting out the bills before the…”)",
            False,
        ),
        ("Fishing again", "what matters to you (“Fishing again”)", False),
        ("Ring the council", "your goal “Ring the council”", False),
        (
            "join the angling club and walk the dog",
            "your goal “join the angling club and walk the dog”",
            False,
        ),
        ("join the angling club", "your goal “join the angling club”", True),
        ("walk the dog", "your goal “walk the dog”", True),
    ]
