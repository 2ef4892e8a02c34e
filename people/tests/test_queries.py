"""people_for: the one place that decides whose records a user may see."""

import pytest

from people.queries import people_for
from people.tests.factories import PersonFactory
from referrals.tests.factories import ReferralFactory


@pytest.fixture
def north_person(team):
    return PersonFactory(team=team)


@pytest.fixture
def south_person(other_team):
    return PersonFactory(team=other_team)


@pytest.mark.parametrize("persona", ["worker", "colleague", "supervisor"])
def test_case_work_roles_see_their_own_teams_people(request, persona, north_person, south_person):
    user = request.getfixturevalue(persona)
    assert list(people_for(user)) == [north_person]


def test_a_worker_in_another_area_sees_none_of_them(stranger, north_person):
    assert north_person not in people_for(stranger)


def test_a_team_sees_someone_known_elsewhere_once_they_are_referred_to_it(
    worker, stranger, south_person
):
    assert south_person not in people_for(worker)
    ReferralFactory(person=south_person, team=worker.team, area=worker.team.area)
    assert south_person in people_for(worker)
    assert south_person in people_for(stranger)  # still their own team's person


def test_referrers_see_no_record_not_even_of_people_they_referred(referrer, north_person, team):
    ReferralFactory(person__team=team, referrer=referrer)
    assert not people_for(referrer).exists()


@pytest.mark.parametrize("persona", ["partner", "commissioner", "admin_user"])
def test_partners_commissioners_and_admins_see_no_identifiable_record(
    request, persona, north_person
):
    ReferralFactory(person=north_person)
    assert not people_for(request.getfixturevalue(persona)).exists()


def test_anonymous_users_see_nobody(north_person):
    from django.contrib.auth.models import AnonymousUser

    assert not people_for(AnonymousUser()).exists()


def test_an_inactive_worker_sees_nobody(worker, north_person):
    worker.is_active = False
    worker.save()
    assert not people_for(worker).exists()
