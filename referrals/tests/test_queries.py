"""referrals.queries: who sees which referrals, and the triage queue's order."""

import datetime as dt

import pytest
from django.utils import timezone

from referrals.queries import open_referral_for_person, referrals_for, triage_queue_for
from referrals.tests.factories import ReferralFactory


@pytest.fixture
def north_referral(team, referrer):
    return ReferralFactory(person__team=team, referrer=referrer)


@pytest.fixture
def south_referral(other_team):
    return ReferralFactory(person__team=other_team)


@pytest.mark.parametrize("persona", ["worker", "colleague", "supervisor"])
def test_case_work_roles_see_their_teams_referrals(
    request, persona, north_referral, south_referral
):
    assert list(referrals_for(request.getfixturevalue(persona))) == [north_referral]


def test_a_worker_in_another_area_sees_only_their_own(stranger, north_referral, south_referral):
    assert list(referrals_for(stranger)) == [south_referral]


def test_referrers_see_only_the_referrals_they_made(referrer, north_referral, team):
    ReferralFactory(person__team=team)  # a colleague's referral to the same team
    assert list(referrals_for(referrer)) == [north_referral]


@pytest.mark.parametrize("persona", ["partner", "other_partner", "commissioner", "admin_user"])
def test_other_roles_see_no_referrals(request, persona, north_referral):
    assert not referrals_for(request.getfixturevalue(persona)).exists()


def test_the_queue_holds_received_referrals_urgent_first_then_oldest_first(team, worker):
    now = timezone.now()
    old = ReferralFactory(person__team=team, received_at=now - dt.timedelta(days=3))
    new = ReferralFactory(person__team=team, received_at=now)
    urgent = ReferralFactory(person__team=team, received_at=now, urgency="urgent")
    ReferralFactory(person__team=team, status="declined", decline_reason="Out of area")
    assert list(triage_queue_for(worker)) == [urgent, old, new]


@pytest.mark.parametrize("persona", ["referrer", "partner", "commissioner", "admin_user"])
def test_roles_that_do_not_triage_have_no_queue(request, persona, north_referral):
    assert not triage_queue_for(request.getfixturevalue(persona)).exists()


def test_another_teams_queue_is_not_ours(stranger, north_referral):
    assert not triage_queue_for(stranger).exists()


def test_the_open_referral_of_a_person_is_the_oldest_still_open(team):
    first = ReferralFactory(person__team=team, received_at=timezone.now() - dt.timedelta(days=1))
    ReferralFactory(person=first.person, status="accepted")
    ReferralFactory(person=first.person, status="declined", decline_reason="x")
    assert open_referral_for_person(first.person) == first
    first.status = "closed"
    first.save()
    assert open_referral_for_person(first.person).status == "accepted"
