"""directory.search: place-first search agrees with a brute-force reading of the same rules."""

import random

import pytest

from directory.models import Attribute, Service, Taxonomy, TaxonomyTerm
from directory.search import search
from directory.tests.factories import LocationFactory, ServiceAtLocationFactory, ServiceFactory
from places.geo import haversine_km

CENTRE = (51.5, -0.12)
WORDS = ["walking", "food", "debt"]


@pytest.fixture
def town(db):
    """40 services scattered up to ~25 km from CENTRE, some at two places, each with a word
    in its name and zero to two categories from two taxonomies."""
    rng = random.Random(5)
    one = Taxonomy.objects.create(name="One", description="first")
    two = Taxonomy.objects.create(name="Two", description="second")
    terms = [
        TaxonomyTerm.objects.create(name=f"term {i}", description="", taxonomy_detail=tax)
        for i, tax in enumerate([one, one, two, two])
    ]
    services = []
    for i in range(40):
        service = ServiceFactory(name=f"{rng.choice(WORDS)} group {i}")
        for _ in range(rng.choice([1, 1, 2])):
            location = LocationFactory(
                latitude=CENTRE[0] + rng.uniform(-0.22, 0.22),
                longitude=CENTRE[1] + rng.uniform(-0.35, 0.35),
            )
            ServiceAtLocationFactory(service=service, location=location)
        for term in rng.sample(terms, rng.choice([0, 1, 2])):
            Attribute.objects.create(link_id=service.pk, link_entity="service", taxonomy_term=term)
        services.append(service)
    return services, terms, (one, two)


def expected(services, *, word=None, term=None, taxonomy=None, radius=10.0):
    out = {}
    for service in services:
        km = min(
            haversine_km(*CENTRE, sal.location.latitude, sal.location.longitude)
            for sal in service.service_at_locations.select_related("location")
        )
        terms = {a.taxonomy_term for a in Attribute.objects.filter(link_id=service.pk)}
        if km > radius or (word and word not in service.name):
            continue
        if term and term not in terms:
            continue
        if taxonomy and not any(t.taxonomy_detail_id == taxonomy.pk for t in terms):
            continue
        out[service.pk] = km
    return out


@pytest.mark.parametrize("radius", [3.0, 10.0, 30.0])
@pytest.mark.parametrize("word", [None, "food"])
@pytest.mark.parametrize("which", ["none", "term", "taxonomy", "both"])
def test_place_search_matches_the_rules_read_literally(town, radius, word, which):
    services, terms, taxonomies = town
    term = terms[0] if which in ("term", "both") else None
    taxonomy = taxonomies[0] if which in ("taxonomy", "both") else None
    want = expected(services, word=word, term=term, taxonomy=taxonomy, radius=radius)
    found = search(
        None,
        text=word or "",
        taxonomy_term_id=term.pk if term else None,
        taxonomy_id=taxonomy.pk if taxonomy else None,
        lat=CENTRE[0],
        lon=CENTRE[1],
        radius_km=radius,
        limit=100,
    )
    assert set(found.ids) == set(want) and found.total == len(want)
    assert [found.distances_km[i] for i in found.ids] == sorted(found.distances_km.values())
    for service_id in found.ids:
        assert found.distances_km[service_id] == pytest.approx(want[service_id], abs=0.01)


def test_professionals_only_listings_stay_hidden_from_the_public_near_a_place(town, worker):
    services, _, _ = town
    Service.objects.update(visibility=Service.Visibility.PROFESSIONALS)
    assert search(None, lat=CENTRE[0], lon=CENTRE[1], radius_km=30).total == 0
    assert search(worker, lat=CENTRE[0], lon=CENTRE[1], radius_km=30).total == len(
        expected(services, radius=30)
    )


MORNING, EVENING, MIXED = "tuesday morning", "tuesday evening", "saturday pm, early tuesday"


@pytest.mark.parametrize(
    ("day", "part", "expected"),
    [
        ("TU", "", {MORNING, EVENING, MIXED}),
        ("TU", "morning", {MORNING, MIXED}),
        ("TU", "evening", {EVENING}),
        ("TU", "afternoon", set()),
        ("", "afternoon", {MIXED}),
        # MIXED opens on Saturdays (13:00-16:00) and in the morning (Tuesdays), never both
        ("SA", "morning", set()),
    ],
)
def test_day_and_time_of_day_must_hold_for_the_same_opening(db, day, part, expected):
    from directory.models import Schedule

    morning = ServiceFactory(name=MORNING)
    Schedule.objects.create(service=morning, byday="TU", opens_at="09:00", closes_at="12:00")
    Schedule.objects.create(service=morning, byday="SA", opens_at="", closes_at="")
    evening = ServiceFactory(name=EVENING)
    sal = ServiceAtLocationFactory(service=evening)
    Schedule.objects.create(
        service_at_location=sal, byday="TU", opens_at="18:00:00", closes_at="20:00:00"
    )
    mixed = ServiceFactory(name=MIXED)
    Schedule.objects.create(service=mixed, byday="SA", opens_at="13:00", closes_at="16:00")
    Schedule.objects.create(service=mixed, byday="TU", opens_at="07:00", closes_at="08:00")
    ServiceFactory(name="no times given")
    found = search(None, day=day, part_of_day=part, limit=100)
    names = set(Service.objects.filter(pk__in=found.ids).values_list("name", flat=True))
    assert names == expected


def test_the_public_page_filters_by_time_of_day_and_refuses_unknown_values(client, db):
    from django.urls import reverse

    from directory.models import Schedule

    early = ServiceFactory(name="Early swim")
    Schedule.objects.create(service=early, byday="WE", opens_at="07:00", closes_at="08:30")
    late = ServiceFactory(name="Late swim")
    Schedule.objects.create(service=late, byday="WE", opens_at="19:00", closes_at="21:00")
    url = reverse("directory:public")
    body = client.get(url, {"q": "swim", "day": "WE", "time": "evening"}).content.decode()
    assert "Late swim" in body and "Early swim" not in body
    response = client.get(url, {"q": "swim", "time": "noon"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
