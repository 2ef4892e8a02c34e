"""Records flagged as possible duplicates, merged or kept apart by the team that holds the
original record (built through the public form, as they arise)."""

import datetime as dt
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Team
from accounts.tests.factories import AreaFactory, TeamFactory, UserFactory
from audit.models import Event
from outcomes.models import OneTimeLink
from people.actions import _people_foreign_keys
from people.models import Consent, Person
from people.tests.factories import PersonFactory
from referrals.forms import _FORM_SALT
from referrals.models import Referral


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


@pytest.fixture
def world(db):
    west = TeamFactory(area=AreaFactory(code="west"), name="West Connectors", kind="locality")
    east = TeamFactory(
        area=AreaFactory(code="east"),
        name="East PCN",
        kind=Team.Kind.PCN,
        accepts_self_referrals=True,
        self_referral_postcodes="EA1",
    )
    original = PersonFactory(
        team=west,
        given_name="Martha",
        family_name="Jones",
        birth_date=dt.date(1970, 6, 1),
        nhs_number="9434765919",
    )
    return {
        "original": original,
        "west_sup": UserFactory(username="west_sup", role="supervisor", team=west),
        "west_lw": UserFactory(username="west_lw", role="link_worker", team=west),
        "east_sup": UserFactory(username="east_sup", role="supervisor", team=east),
    }


def _self_refer(client, **extra):
    data = {
        "given_name": "Martha",
        "family_name": "Jones",
        "birth_date_0": "2",
        "birth_date_1": "6",
        "birth_date_2": "1970",
        "birth_date": "1970-06-02",
        "nhs_number": "9434765919",
        "postcode": "EA1 1AA",
        "phone": "07700 900333",
        "reasons": ["loneliness"],
        "consent": "on",
        "website": "",
        "form_token": signing.dumps({"t": time.time() - 10}, salt=_FORM_SALT),
        **extra,
    }
    assert client.post(reverse("referrals:self_refer"), data).status_code == 302
    return Referral.objects.get().person


def test_the_team_holding_the_record_merges_a_confirmed_duplicate(client, world):
    flagged = _self_refer(client)
    assert flagged.possible_duplicate_of == world["original"]

    client.force_login(world["east_sup"])  # the flagged record's team cannot see the original
    assert str(flagged.pk) not in client.get(reverse("people:duplicates")).content.decode()

    client.force_login(world["west_sup"])
    page = client.get(reverse("people:duplicates")).content.decode()
    assert "2 June 1970" in page and "1 June 1970" in page and "East PCN" in page
    resp = client.post(reverse("people:resolve_duplicate", args=[flagged.pk, "merge"]))
    assert resp.status_code == 302
    assert not Person.objects.filter(pk=flagged.pk).exists()
    referral = Referral.objects.get()
    assert referral.person == world["original"]
    consent = Consent.objects.get(kind="referral")
    assert consent.person == world["original"] and consent.area_id == world["original"].area_id
    merged = Event.objects.get(record_id=str(world["original"].pk), verb="change")
    assert merged.detail["merged_from"] == str(flagged.pk)


def test_different_people_are_kept_apart_and_the_wrong_nhs_number_cleared(client, world):
    flagged = _self_refer(client)
    client.force_login(world["west_sup"])
    client.post(reverse("people:resolve_duplicate", args=[flagged.pk, "apart"]))
    flagged.refresh_from_db()
    assert flagged.nhs_number == "" and flagged.possible_duplicate_of is None
    assert Referral.objects.get().person == flagged
    assert not client.get(reverse("people:duplicates")).context["flagged"]


def test_only_a_supervisor_of_the_holding_team_may_decide(client, world):
    flagged = _self_refer(client)
    client.force_login(world["west_lw"])
    assert client.get(reverse("people:duplicates")).status_code == 403
    client.force_login(world["east_sup"])
    resp = client.post(reverse("people:resolve_duplicate", args=[flagged.pk, "merge"]))
    assert resp.status_code == 404
    assert Person.objects.filter(pk=flagged.pk).exists()


def test_the_holding_teams_supervisor_is_told_on_their_home_page(client, world):
    _self_refer(client)
    client.force_login(world["west_sup"])
    home = client.get("/").content.decode()
    assert "1 possible duplicate record to check" in home
    assert reverse("people:duplicates") in home
    client.force_login(world["east_sup"])
    assert "possible duplicate" not in client.get("/").content.decode()


def test_a_merge_moves_rows_whose_key_to_the_person_has_no_accessor():
    # A one-time link's key to its person is declared with related_name="+": a merge that
    # only followed Person's accessors would leave it behind and fail on delete (PROTECT).
    assert (OneTimeLink, "person") in _people_foreign_keys()
