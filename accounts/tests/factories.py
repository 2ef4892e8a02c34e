from functools import cache

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import Area, Role, Team, User

DEMO_PASSWORD = "socialrx-demo"


@cache
def demo_password_hash() -> str:
    """DEMO_PASSWORD hashed once per test run: Argon2 takes a fifth of a second a hash, on
    purpose, and suites make hundreds of users."""
    return make_password(DEMO_PASSWORD)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"area-{n}")
    name = factory.Sequence(lambda n: f"Area {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    area = factory.SubFactory(AreaFactory)
    name = factory.Sequence(lambda n: f"Team {n} PCN")
    kind = Team.Kind.PCN


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.LINK_WORKER
    team = factory.SubFactory(TeamFactory)
    password = factory.LazyFunction(demo_password_hash)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
