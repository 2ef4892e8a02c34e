"""One visibility rule for directory records, seen from every surface that shows them.

The rule (docs/directory.md, "Who sees what"): a listing for professionals only is seen by
every signed-in staff role and by no one else; an organisation is seen by whoever sees at
least one of its services; a place is seen with a service seen there (or, when no service
is held there, with its organisation). A listing not verified within
DIRECTORY_STALE_AFTER_DAYS is stale on every surface.

The world is built here through factories: an open organisation, an informal group whose
only service is for professionals, and a trust with one public and one professionals-only
service, each at its own place. Each surface (directory pages, the /hsds/ API, the
suggestions API) must show each persona exactly the same records.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from directory.models import Service, VerificationTask
from directory.tests.factories import (
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)
from matching import state

pytestmark = pytest.mark.django_db

STAFF = ["referrer", "worker", "supervisor", "partner", "other_partner", "commissioner"]
STAFF += ["admin_user"]
SUGGESTIONS = "/api/matching/suggestions"


def _listing(org, name, *, place, visibility=Service.Visibility.PUBLIC, **fields):
    service = ServiceFactory(
        organization=org,
        name=name,
        description="A weekly walk and a cup of tea.",
        visibility=visibility,
        **fields,
    )
    location = LocationFactory(name=place, organization=org, latitude=51.15, longitude=0.87)
    ServiceAtLocationFactory(service=service, location=location)
    return service, location


@pytest.fixture
def world(db):
    state.reset()  # suggestions read a process-wide index: build it from this world
    open_org = OrganizationFactory(name="Ashford Ramblers", email="hello@ramblers.test")
    group = OrganizationFactory(name="Survivors Circle", email="circle@private.test")
    trust = OrganizationFactory(name="Kennington Trust", email="office@trust.test")
    public, public_place = _listing(open_org, "Tuesday health walk", place="Victoria Park")
    informal, informal_place = _listing(
        group,
        "Survivors walking circle",
        place="Back room at St Mary's",
        visibility=Service.Visibility.PROFESSIONALS,
    )
    trust_public, trust_place = _listing(trust, "Trust garden walk", place="Trust garden")
    trust_private, trust_private_place = _listing(
        trust,
        "Trust carers walk",
        place="Carers' flat",
        visibility=Service.Visibility.PROFESSIONALS,
    )
    yield {
        "orgs": {"open": open_org, "group": group, "trust": trust},
        "services": {
            "public": public,
            "informal": informal,
            "trust_public": trust_public,
            "trust_private": trust_private,
        },
        "places": {
            "public": public_place,
            "informal": informal_place,
            "trust_public": trust_place,
            "trust_private": trust_private_place,
        },
    }
    state.reset()


def _seen_by(role: str, world: dict) -> dict[str, set[str]]:
    """What the rule says `role` sees, by name."""
    everything = {k: {str(v.pk) for v in world[k].values()} for k in ("orgs", "services")}
    everything["places"] = {p.name for p in world["places"].values()}
    if role != "anonymous":
        return everything
    s, o, p = world["services"], world["orgs"], world["places"]
    return {
        "services": {str(s["public"].pk), str(s["trust_public"].pk)},
        "orgs": {str(o["open"].pk), str(o["trust"].pk)},
        "places": {p["public"].name, p["trust_public"].name},
    }


def _login(request, client, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


def _ids_in(html: str) -> set[str]:
    return set(re.findall(r"/directory/services/([0-9a-f-]{36})/", html))


@pytest.mark.parametrize("role", ["anonymous", *STAFF])
def test_the_hsds_api_shows_each_role_exactly_what_the_rule_allows(request, client, world, role):
    _login(request, client, role)
    seen = _seen_by(role, world)

    listed = client.get("/hsds/services?per_page=50").json()["contents"]
    assert {s["id"] for s in listed} == seen["services"]
    orgs = client.get("/hsds/organizations?per_page=50").json()["contents"]
    assert {o["id"] for o in orgs} == seen["orgs"]
    assert client.get("/hsds/organizations?search=survivors").json()["total_items"] == (
        1 if role != "anonymous" else 0
    )

    for service in world["services"].values():
        status = client.get(f"/hsds/services/{service.pk}").status_code
        assert status == (200 if str(service.pk) in seen["services"] else 404), service.name
    for org in world["orgs"].values():
        response = client.get(f"/hsds/organizations/{org.pk}")
        if str(org.pk) not in seen["orgs"]:
            assert response.status_code == 404, org.name
            assert org.email not in response.content.decode()
            continue
        body = response.json()
        nested = {s["id"] for s in body["services"]}
        own = {str(s.pk) for s in world["services"].values() if s.organization_id == org.pk}
        assert nested == own & seen["services"], org.name
        places = {loc["name"] for loc in body.get("locations", [])}
        assert places <= seen["places"], f"{org.name} shows {places - seen['places']}"


@pytest.mark.parametrize("role", ["anonymous", *STAFF])
def test_a_public_service_does_not_carry_its_organisations_hidden_places(
    request, client, world, role
):
    _login(request, client, role)
    seen = _seen_by(role, world)
    trust_walk = world["services"]["trust_public"]
    body = client.get(f"/hsds/services/{trust_walk.pk}").json()
    places = {loc["name"] for loc in body["organization"].get("locations", [])}
    assert places == {"Trust garden", "Carers' flat"} & seen["places"]
    listed = client.get(f"/hsds/services?full=true&organization_id={trust_walk.organization_id}")
    assert ("Carers' flat" in listed.content.decode()) == ("Carers' flat" in seen["places"])


def test_hsds_takes_an_api_token_like_api_and_refuses_a_bad_one(client, partner, world):
    from accounts.tokens import create_api_token

    informal = world["services"]["informal"]
    token = {"Authorization": f"Bearer {create_api_token(partner)}"}
    assert client.get(f"/hsds/services/{informal.pk}", headers=token).status_code == 200
    bad = client.get("/hsds/services", headers={"Authorization": "Bearer srx_not-a-token"})
    assert bad.status_code == 401
    assert bad.json()["detail"].startswith("Authentication required")
    assert client.get(f"/hsds/services/{informal.pk}").json() == {"detail": "Not found."}


@pytest.mark.parametrize("role", STAFF)
def test_directory_pages_show_staff_the_same_listings_as_the_api(request, client, world, role):
    _login(request, client, role)
    seen = _seen_by(role, world)
    page = client.get("/directory/", {"q": "walk"})
    assert page.status_code == 200
    assert _ids_in(page.content.decode()) == seen["services"]
    for service in world["services"].values():
        status = client.get(f"/directory/services/{service.pk}/").status_code
        assert status == (200 if str(service.pk) in seen["services"] else 404)


def test_the_public_directory_page_shows_the_public_what_the_api_shows_them(client, world):
    text = client.get("/directory/find/", {"q": "walk"}).content.decode()
    names = {s.name for s in world["services"].values()}
    shown = {name for name in names if name in text}
    assert shown == {
        s.name
        for s in world["services"].values()
        if str(s.pk) in _seen_by("anonymous", world)["services"]
    }


@pytest.mark.parametrize("role", STAFF)
def test_suggestions_offer_every_staff_role_the_listings_it_sees_in_the_directory(
    request, client, world, role
):
    _login(request, client, role)
    seen = _seen_by(role, world)
    body = {"text": "walk and a cup of tea", "limit": 10, "include_excluded": True}
    response = client.post(SUGGESTIONS, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    found = response.json()
    assert {r["id"] for r in found["results"]} == seen["services"]
    assert not found["excluded"]


def test_the_public_cannot_ask_for_suggestions(client, world):
    body = {"text": "walk"}
    response = client.post(SUGGESTIONS, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 401


def test_the_ranker_never_names_a_listing_to_a_viewer_who_may_not_see_it():
    # No page or API asks for the public's suggestions today; the ranker must still not
    # list a professionals-only service among the "left out, and why" for such a viewer.
    from matching.engine import suggest
    from matching.index import MatchingIndex
    from matching.tests.builders import TODAY, make_doc, make_profile

    docs = [make_doc(name="Open walk"), make_doc(name="Survivors walk", visibility="professionals")]
    index = MatchingIndex.build((d, None) for d in docs)
    public = suggest(
        index, make_profile("walk", professional=False), include_excluded=True, today=TODAY
    )
    assert [r.doc.name for r in public.results] == ["Open walk"]
    assert public.excluded == []
    staff = suggest(index, make_profile("walk"), include_excluded=True, today=TODAY)
    assert {r.doc.name for r in staff.results} == {"Open walk", "Survivors walk"}


# --- Staleness: one setting, every surface ------------------------------------------------


@pytest.fixture
def ages(db):
    state.reset()
    now = timezone.now()
    made = {
        "fresh": ServiceFactory(name="Fresh walk", last_verified_at=now - dt.timedelta(days=2)),
        "old": ServiceFactory(name="Old walk", last_verified_at=now - dt.timedelta(days=60)),
    }
    yield made
    state.reset()


def _stale_on_pages(client, services) -> set[str]:
    """Names the staff search marks "Not checked recently", and those whose page warns."""
    html = client.get("/directory/", {"q": "walk"}).content.decode()
    marked = set()
    for item in html.split("<li")[1:]:
        for service in services.values():
            if service.name in item and "Not checked recently" in item:
                marked.add(service.name)
    for service in services.values():
        page = client.get(f"/directory/services/{service.pk}/").content.decode()
        assert (service.name in marked) == ("Not checked recently" in page), service.name
    return marked


def _suggested(client) -> tuple[set[str], dict[str, list[str]]]:
    body = {"text": "walk", "include_excluded": True}
    found = client.post(SUGGESTIONS, data=json.dumps(body), content_type="application/json")
    found = found.json()
    excluded = {e["name"]: [r["code"] for r in e["reasons"]] for e in found["excluded"]}
    return {r["name"] for r in found["results"]}, excluded


@pytest.mark.parametrize(("after_days", "stale"), [(30, True), (90, False)])
def test_one_setting_decides_staleness_for_pages_search_checks_and_suggestions(
    client, worker, ages, settings, after_days, stale
):
    settings.DIRECTORY_STALE_AFTER_DAYS = after_days
    client.force_login(worker)

    assert _stale_on_pages(client, ages) == ({"Old walk"} if stale else set())
    call_command("flag_stale_services", stdout=io.StringIO())
    queued = set(VerificationTask.objects.values_list("service__name", flat=True))
    assert queued == ({"Old walk"} if stale else set())

    suggested, excluded = _suggested(client)
    if stale:
        assert suggested == {"Fresh walk"}
        assert excluded == {"Old walk": ["stale"]}
    else:
        assert suggested == {"Fresh walk", "Old walk"}
        assert excluded == {}


# --- Cost: the rule adds no query per record ----------------------------------------------


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["anonymous", "worker"])
def test_hsds_answers_cost_the_same_queries_for_a_bigger_directory(request, client, world, role):
    _login(request, client, role)
    trust = world["orgs"]["trust"]
    urls = [
        "/hsds/services?per_page=50",
        "/hsds/services?per_page=50&full=true",
        "/hsds/organizations?per_page=50",
        f"/hsds/organizations/{trust.pk}",
        f"/hsds/services/{world['services']['trust_public'].pk}",
    ]
    before = {url: _queries(client, url) for url in urls}
    for n in range(6):
        _listing(trust, f"Trust walk {n}", place=f"Hall {n}")
        _listing(
            OrganizationFactory(),
            f"Circle {n}",
            place=f"Room {n}",
            visibility=Service.Visibility.PROFESSIONALS,
        )
    assert {url: _queries(client, url) for url in urls} == before
    # One query per HSDS table read (~21) plus the page; a signed-in caller adds the
    # session and the user. If these change, say why in the pull request.
    signed_in = 0 if role == "anonymous" else 2
    assert list(before.values()) == [n + signed_in for n in (24, 24, 2, 24, 23)]
