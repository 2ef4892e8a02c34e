import factory
from django.utils import timezone

from people.tests.factories import PersonFactory
from referrals.models import Referral
from referrals.reasons import Reason


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    person = factory.SubFactory(PersonFactory)
    team = factory.SelfAttribute("person.team")
    area = factory.SelfAttribute("person.area")
    source = Referral.Source.CLINICIAN
    reasons = factory.LazyFunction(lambda: [Reason.LONELINESS.value])
    notes = "Lives alone since her husband died; says she has nobody to talk to."
    received_at = factory.LazyFunction(timezone.now)
