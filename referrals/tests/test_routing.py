"""Referrals reach a team that can act on them, and never widen who sees a record.

Each test builds its own world: areas, a practice, the social prescribing teams that serve
it, and users in the teams real people are in (a GP in a practice, not in the PCN).
"""

import datetime as dt
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Team
from accounts.tests.factories import AreaFactory, TeamFactory, UserFactory
from people.models import Consent, Person
from people.tests.factories import PersonFactory
from referrals.forms import _FORM_SALT
from referrals.models import Referral
from referrals.routing import team_for_postcode, teams_serving


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def token(seconds_ago=10):
    return signing.dumps({"t": time.time() - seconds_ago}, salt=_FORM_SALT)


@pytest.fixture
def world(db):
    """Two areas. In the east, Elm Street Surgery is served by East PCN, which also takes
    self-referrals from EA1 and EA2; in the west, West Connectors covers WE postcodes."""
    east, west = AreaFactory(code="east"), AreaFactory(code="west")
    # Made first, so it has the lowest key: self-referrals must not default to it.
    west_team = TeamFactory(
        area=west,
        name="West Connectors",
        kind=Team.Kind.LOCALITY,
        accepts_self_referrals=True,
        self_referral_postcodes="WE",
    )
    pcn = TeamFactory(
        area=east, name="East PCN", accepts_self_referrals=True, self_referral_postcodes="EA1, EA2"
    )
    surgery = TeamFactory(area=east, name="Elm Street Surgery", kind=Team.Kind.PRACTICE)
    surgery.served_by.add(pcn)
    users = {
        "gp": UserFactory(username="gp", role="referrer", team=surgery),
        "west_gp": UserFactory(
            username="west_gp",
            role="referrer",
            team=TeamFactory(area=west, name="West Surgery", kind=Team.Kind.PRACTICE),
        ),
        "sup": UserFactory(username="sup", role="supervisor", team=pcn),
        "lw": UserFactory(username="lw", role="link_worker", team=pcn),
        "west_lw": UserFactory(username="west_lw", role="link_worker", team=west_team),
    }
    users["west_gp"].team.served_by.add(west_team)
    return {"pcn": pcn, "west": west_team, "surgery": surgery, **users}


PERSON = {
    "given_name": "Rose",
    "family_name": "Tyler",
    "birth_date_0": "15",
    "birth_date_1": "3",
    "birth_date_2": "1984",
    "birth_date": "1984-03-15",
    "postcode": "EA1 4QT",
    "phone": "07700 900111",
}
REFERRAL = {**PERSON, "reasons": ["loneliness"], "urgency": "routine", "notes": "Lonely."}
SELF = {**PERSON, "reasons": ["loneliness"], "consent": "on", "website": ""}


def _api(client, user):
    from accounts.tokens import create_api_token

    return {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user)}"}


# --- A GP's referral reaches the team that serves the practice -------------------------


def test_a_gps_web_referral_lands_in_the_serving_teams_triage_queue(client, world):
    client.force_login(world["gp"])
    form = client.get(reverse("referrals:new")).content.decode()
    assert "Your referral goes to <strong>East PCN</strong>" in form
    resp = client.post(reverse("referrals:new"), REFERRAL)
    assert resp.status_code == 302, resp.content.decode()
    referral = Referral.objects.get()
    assert referral.team == world["pcn"] and referral.area == world["pcn"].area

    client.force_login(world["sup"])
    queue = client.get(reverse("referrals:queue")).content.decode()
    assert reverse("referrals:detail", args=[referral.pk]) in queue

    client.force_login(world["gp"])
    home = client.get("/").content.decode()
    assert "Waiting for East PCN to triage" in home and "Rose Tyler" in home


def test_with_several_serving_teams_the_gp_chooses_one(client, world):
    other = TeamFactory(area=world["pcn"].area, name="Age UK connectors", kind="locality")
    world["surgery"].served_by.add(other)
    client.force_login(world["gp"])
    resp = client.post(reverse("referrals:new"), REFERRAL)
    assert resp.status_code == 200
    assert "Choose the team that should receive it." in resp.content.decode()
    assert not Referral.objects.exists()
    resp = client.post(reverse("referrals:new"), {**REFERRAL, "team": str(other.pk)})
    assert resp.status_code == 302
    assert Referral.objects.get().team == other


def test_a_practice_no_team_serves_is_told_so_and_nothing_is_written(client, world):
    lonely = TeamFactory(area=world["pcn"].area, name="Hill Surgery", kind=Team.Kind.PRACTICE)
    gp = UserFactory(username="hill_gp", role="referrer", team=lonely)
    client.force_login(gp)
    resp = client.get(reverse("referrals:new"))
    assert resp.status_code == 409
    assert "No social prescribing team takes your referrals yet" in resp.content.decode()
    assert client.post(reverse("referrals:new"), REFERRAL).status_code == 409
    assert not Referral.objects.exists() and not Person.objects.exists()


def test_an_api_referral_goes_to_the_serving_team_and_asks_when_several(client, world):
    headers = _api(client, world["gp"])
    body = {
        "person": {
            "given_name": "Rose",
            "family_name": "Tyler",
            "birth_date": "1984-03-15",
            "postcode": "EA1 4QT",
        },
        "reasons": ["loneliness"],
    }
    teams = client.get("/api/v1/referral-teams", **headers).json()
    assert teams == [{"id": world["pcn"].pk, "name": "East PCN", "kind": "pcn"}]
    resp = client.post("/api/v1/referrals", body, content_type="application/json", **headers)
    assert resp.status_code == 201, resp.json()
    assert resp.json()["team"] == "East PCN"
    assert resp.json()["person_details_sent"]["given_name"] == "Rose"

    other = TeamFactory(area=world["pcn"].area, name="Age UK connectors", kind="locality")
    world["surgery"].served_by.add(other)
    body["person"]["given_name"] = "Mickey"
    resp = client.post("/api/v1/referrals", body, content_type="application/json", **headers)
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["field"] == "team"
    body["team"] = other.pk
    resp = client.post("/api/v1/referrals", body, content_type="application/json", **headers)
    assert resp.status_code == 201 and resp.json()["team"] == "Age UK connectors"


def test_an_admin_sets_who_serves_a_practice_on_the_admin_page(client, world):
    root = UserFactory(username="root", role="admin", team=None, is_staff=True, is_superuser=True)
    new_pcn = TeamFactory(area=world["pcn"].area, name="New PCN")
    client.force_login(root)
    url = reverse("admin:accounts_team_change", args=[world["surgery"].pk])
    page = client.get(url).content.decode()
    assert "served_by" in page and "Self-referral postcodes" in page
    resp = client.post(
        url,
        {
            "name": "Elm Street Surgery",
            "kind": "practice",
            "area": world["surgery"].area_id,
            "ods_code": "",
            "served_by": [new_pcn.pk],
            "self_referral_postcodes": "",
        },
    )
    assert resp.status_code == 302
    assert teams_serving(world["surgery"]) == [new_pcn]


def test_the_admin_page_refuses_a_coverage_that_is_not_postcodes(client, world):
    root = UserFactory(username="root", role="admin", team=None, is_staff=True, is_superuser=True)
    client.force_login(root)
    url = reverse("admin:accounts_team_change", args=[world["pcn"].pk])
    resp = client.post(
        url,
        {
            "name": "East PCN",
            "kind": "pcn",
            "area": world["pcn"].area_id,
            "accepts_self_referrals": "on",
            "self_referral_postcodes": "EA1, Ashford town centre",
        },
    )
    assert resp.status_code == 200
    assert "is not a postcode area, district, sector or postcode" in resp.content.decode()
    world["pcn"].refresh_from_db()
    assert world["pcn"].self_referral_postcodes == "EA1, EA2"


# --- Self-referral is routed by postcode -----------------------------------------------


def test_a_self_referral_goes_to_the_team_covering_the_postcode(client, world):
    resp = client.post(reverse("referrals:self_refer"), {**SELF, "form_token": token()})
    assert resp.status_code == 302, resp.content.decode()
    assert Referral.objects.get().team == world["pcn"]  # not the team with the lowest key
    resp = client.post(
        reverse("referrals:self_refer"),
        {**SELF, "postcode": "WE3 1AB", "phone": "07700 900222", "form_token": token()},
    )
    assert Referral.objects.get(person__postcode="WE3 1AB").team == world["west"]


def test_a_self_referral_from_a_postcode_no_team_covers_is_told_so(client, world):
    resp = client.post(
        reverse("referrals:self_refer"), {**SELF, "postcode": "ZZ9 9ZZ", "form_token": token()}
    )
    assert resp.status_code == 200
    assert "We do not have a link worker service for this postcode yet" in resp.content.decode()
    assert not Referral.objects.exists() and not Person.objects.exists()


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [("EA1 4QT", "East PCN"), ("EA2 9ZZ", "East PCN"), ("EA12 1AA", None), ("WE7 2BB", "West")],
)
def test_coverage_matches_whole_districts_not_prefixes(world, postcode, expected):
    team = team_for_postcode(postcode)
    assert (team.name.split()[0] if team else None) == (expected.split()[0] if expected else None)


def test_a_sector_is_more_specific_than_its_district(world):
    sector_team = TeamFactory(
        area=world["pcn"].area,
        name="Zeta sector scheme",
        accepts_self_referrals=True,
        self_referral_postcodes="EA1 4",
    )
    assert team_for_postcode("EA1 4QT") == sector_team
    assert team_for_postcode("EA1 5QT") == world["pcn"]


# --- Privacy: a referral never widens who sees a record --------------------------------


@pytest.fixture
def known_west(world):
    """Someone on West Connectors' caseload, with a safeguarding note."""
    return PersonFactory(
        team=world["west"],
        given_name="Martha",
        family_name="Jones",
        birth_date=dt.date(1970, 6, 1),
        nhs_number="9434765919",
        safeguarding_flag=True,
        safeguarding_note="Partner is controlling; do not phone after 6pm.",
    )


def test_a_stranger_cannot_attach_a_self_referral_to_a_record_by_nhs_number(
    client, world, known_west
):
    resp = client.post(
        reverse("referrals:self_refer"),
        {**SELF, "nhs_number": "943 476 5919", "form_token": token()},
    )
    assert resp.status_code == 302
    assert not known_west.referrals.exists()
    assert not Consent.objects.filter(person=known_west).exists()
    new = Referral.objects.get().person
    assert new != known_west and new.possible_duplicate_of == known_west
    assert new.team == world["pcn"]

    client.force_login(world["lw"])
    assert client.get(reverse("people:detail", args=[known_west.pk])).status_code == 404
    body = client.get(reverse("referrals:detail", args=[Referral.objects.get().pk])).content
    assert b"controlling" not in body and str(known_west.pk).encode() not in body


def test_even_a_full_match_from_the_public_never_crosses_into_another_teams_record(
    client, world, known_west
):
    match = {
        **SELF,
        "given_name": "Martha",
        "family_name": "Jones",
        "birth_date_0": "1",
        "birth_date_1": "6",
        "birth_date_2": "1970",
        "birth_date": "1970-06-01",
        "nhs_number": "9434765919",
    }
    client.post(reverse("referrals:self_refer"), {**match, "form_token": token()})
    assert not known_west.referrals.exists()
    client.force_login(world["lw"])
    assert client.get(reverse("people:detail", args=[known_west.pk])).status_code == 404


def test_a_referrer_elsewhere_cannot_reach_a_record_with_nhs_number_birth_date_and_a_name(
    client, world, known_west
):
    client.force_login(world["gp"])
    resp = client.post(
        reverse("referrals:new"),
        {
            **REFERRAL,
            "given_name": "Martha",
            "family_name": "Smith",  # one name right
            "birth_date_0": "1",
            "birth_date_1": "6",
            "birth_date_2": "1970",
            "birth_date": "1970-06-01",
            "nhs_number": "9434765919",
        },
    )
    assert resp.status_code == 302
    referral = Referral.objects.get()
    assert referral.person != known_west and referral.team == world["pcn"]
    assert client.get(reverse("people:detail", args=[known_west.pk])).status_code == 404
    assert client.get(f"/api/v1/people/{known_west.pk}", **_api(client, world["gp"])).status_code
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "controlling" not in page and "Martha Smith" in page
    # The team receiving it sees no more than the new record either.
    client.force_login(world["lw"])
    assert client.get(reverse("people:detail", args=[known_west.pk])).status_code == 404


def test_the_duplicate_answer_says_nothing_of_referrals_outside_the_referrers_scope(
    client, world, known_west
):
    from referrals.tests.factories import ReferralFactory

    ReferralFactory(person=known_west)  # open, in the west, by someone else
    headers = _api(client, world["gp"])
    body = {
        "person": {
            "given_name": "Martha",
            "family_name": "Jones",
            "birth_date": "1970-06-01",
            "nhs_number": "9434765919",
        },
        "reasons": ["loneliness"],
    }
    resp = client.post("/api/v1/referrals", body, content_type="application/json", **headers)
    assert resp.status_code == 201
    assert "existing_referral_id" not in resp.json()
    unknown = {**body, "person": {**body["person"], "nhs_number": "4010232137"}}
    resp2 = client.post("/api/v1/referrals", unknown, content_type="application/json", **headers)
    assert resp2.status_code == 201  # known and unknown NHS numbers answer alike
    assert set(resp.json()) == set(resp2.json())
