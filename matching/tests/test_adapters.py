"""The one adapter from the directory's HSDS models to what the ranker reads."""

import datetime as dt

import pytest
from django.apps import apps

from directory.tests.factories import LocationFactory, ServiceAtLocationFactory, ServiceFactory
from matching.adapters import docs_for_services

pytestmark = pytest.mark.django_db


def model(name):
    try:
        return apps.get_model("directory", name)
    except LookupError:
        pytest.skip(f"directory.{name} has not landed yet")


def test_core_fields_places_and_constraints_are_read():
    service = ServiceFactory(
        name="Youth club",
        description="Games and trips",
        minimum_age=11,
        maximum_age=18,
        capacity="waiting_list",
        visibility="professionals",
        status="active",
        fees_description="Free",
        eligibility_description="Eligibility: Girls age 11-18",
        last_verified_at=dt.datetime(2025, 5, 1, tzinfo=dt.UTC),
    )
    ServiceAtLocationFactory(
        service=service, location=LocationFactory(latitude=51.1, longitude=0.8)
    )
    (doc,) = docs_for_services([service.pk])
    assert (doc.id, doc.name, doc.organization) == (
        str(service.pk),
        "Youth club",
        service.organization.name,
    )
    assert doc.points == ((51.1, 0.8),) and not doc.remote
    assert (doc.min_age, doc.max_age, doc.sexes) == (11, 18, frozenset({"female"}))
    assert (doc.capacity, doc.visibility, doc.free) == ("waiting_list", "professionals", True)


def test_a_service_with_no_place_counts_as_remote():
    (doc,) = docs_for_services([ServiceFactory().pk])
    assert doc.remote and doc.points == ()


def test_hsds_parts_become_schedule_cost_areas_languages_access_and_taxonomy():
    schedule, cost, area = model("Schedule"), model("CostOption"), model("ServiceArea")
    language, access = model("Language"), model("Accessibility")
    term, attribute = model("TaxonomyTerm"), model("Attribute")
    service = ServiceFactory(name="Garden group")
    location = LocationFactory()
    ServiceAtLocationFactory(service=service, location=location)
    schedule.objects.create(service=service, byday="TU,TH", opens_at="10:00", closes_at="12:00")
    cost.objects.create(service=service, amount=0, option="Free")
    area.objects.create(service=service, name="Ashford")
    language.objects.create(service=service, name="Polish")
    access.objects.create(location=location, description="Wheelchair accessible entrance")
    gardening = term.objects.create(name="Gardening", description="Growing things")
    attribute.objects.create(link_id=service.pk, link_entity="service", taxonomy_term=gardening)
    (doc,) = docs_for_services([service.pk])
    assert doc.schedule == frozenset({("tue", "morning"), ("thu", "morning")})
    assert doc.free is True
    assert doc.areas == frozenset({"ashford"})
    assert doc.languages == frozenset({"polish"})
    assert doc.accessibility == frozenset({"step_free"})
    assert doc.taxonomy_terms == ("Gardening",)
    assert "Gardening" in doc.text()


def test_a_priced_cost_option_means_not_free():
    cost = model("CostOption")
    service = ServiceFactory(fees_description="")
    cost.objects.create(service=service, amount=3.5, option="Per session")
    (doc,) = docs_for_services([service.pk])
    assert doc.free is False


def test_reading_many_services_takes_a_fixed_number_of_queries(django_assert_num_queries):
    for _ in range(12):
        ServiceAtLocationFactory()
    # The services, their places (with the locations), the places' accessibility and
    # languages, the services' schedules, costs, areas and languages, and their taxonomy.
    with django_assert_num_queries(9):
        assert len(docs_for_services()) == 12
