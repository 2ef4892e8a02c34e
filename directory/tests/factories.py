import factory
from django.utils import timezone

from directory.models import Location, Organization, Service, ServiceAtLocation


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Faker("company", locale="en_GB")
    description = factory.Faker("sentence")
    email = factory.Faker("company_email")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Community walking group {n}")
    description = "A friendly weekly walk for people of all abilities, with tea afterwards."
    last_verified_at = factory.LazyFunction(timezone.now)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = "Community centre"
    address_1 = factory.Faker("street_address", locale="en_GB")
    city = "Ashford"
    postal_code = "TN23 1AA"
    latitude = 51.146
    longitude = 0.875


class ServiceAtLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceAtLocation

    service = factory.SubFactory(ServiceFactory)
    location = factory.SubFactory(LocationFactory)
