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
