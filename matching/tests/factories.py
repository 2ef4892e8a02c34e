"""Builders for matching tests: plain ServiceDocs/Profiles, and directory services in places."""

from __future__ import annotations

import factory

from casework.tests.factories import CaseFactory
from directory.tests.factories import LocationFactory, ServiceAtLocationFactory, ServiceFactory
from matching.models import SuggestionFeedback
from matching.tests.builders import ASHFORD, TODAY, make_doc, make_profile

__all__ = [
    "ASHFORD",
    "TODAY",
    "make_doc",
    "make_profile",
    "service_at",
    "SuggestionFeedbackFactory",
]


def service_at(name: str, description: str, lat: float, lon: float, **service_fields):
    """A directory service with one location at (lat, lon)."""
    postcode = service_fields.pop("postcode", "TN23 1AA")
    service = ServiceFactory(name=name, description=description, **service_fields)
    location = LocationFactory(latitude=lat, longitude=lon, postal_code=postcode)
    ServiceAtLocationFactory(service=service, location=location)
    return service


class SuggestionFeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SuggestionFeedback

    case = factory.SubFactory(CaseFactory)
    area = factory.SelfAttribute("case.area")
    service = factory.SubFactory(ServiceFactory)
    reason = SuggestionFeedback.Reason.TOO_FAR
    given_by = factory.SelfAttribute("case.link_worker")
