import datetime as dt

import factory
from django.utils import timezone

from accounts.tests.factories import TeamFactory
from people.models import Consent, Person
from people.rules import nhs_check_digit


def valid_nhs_number(n: int) -> str:
    """The n-th valid NHS number in the 999 test range (never issued to a real person).

    Each n owns the candidates 2n and 2n+1; changing the ninth digit by one changes the
    check sum, so at most one of them has the invalid remainder 10.
    """
    for candidate in (2 * n, 2 * n + 1):
        first_nine = f"999{candidate % 1_000_000:06d}"
        check = nhs_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"
    raise AssertionError("unreachable: one of two neighbours always has a check digit")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    team = factory.SubFactory(TeamFactory)
    area = factory.SelfAttribute("team.area")
    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    birth_date = factory.Faker("date_of_birth", minimum_age=18, maximum_age=90)
    nhs_number = factory.Sequence(valid_nhs_number)
    postcode = "TN23 1AA"
    address = factory.Faker("street_address", locale="en_GB")
    phone = "07700 900123"
    email = factory.LazyAttribute(lambda p: f"{p.given_name.lower()}@example.com")


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    person = factory.SubFactory(PersonFactory)
    area = factory.SelfAttribute("person.area")
    kind = Consent.Kind.REFERRAL
    given = True
    recorded_at = factory.LazyFunction(timezone.now)


def days_ago(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)
