import datetime as dt

import factory
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import TeamFactory, UserFactory
from trials.models import Trial


class TrialFactory(factory.django.DjangoModelFactory):
    """A trial that is on: switched on a minute ago, from a week ago to three months on."""

    class Meta:
        model = Trial

    team = factory.SubFactory(TeamFactory)
    area = factory.SelfAttribute("team.area")
    name = factory.Sequence(lambda n: f"Waiting-list trial {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=90))
    delay_weeks = 8
    stratify_by = factory.LazyFunction(lambda: ["age", "sex"])
    switched_on_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=1))
    switched_on_by = factory.SubFactory(UserFactory, role=Role.COMMISSIONER, team=None)
