import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Role, User
from casework.models import Connection
from people.models import Person
from people.rules import is_valid_nhs_number
from referrals.models import Referral
from web import demo


def _digest() -> str:
    rows = list(
        Person.objects.order_by("nhs_number").values_list(
            "nhs_number", "given_name", "family_name", "postcode"
        )
    )
    rows += list(Referral.objects.order_by("person__nhs_number").values_list("status", "reasons"))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_the_demo_covers_every_role_and_every_stage(db):
    demo.seed(people=200)
    assert {u.role for u in User.objects.all()} == set(Role.values)
    for username, *_ in demo.DEMO_LOGINS:
        assert User.objects.get(username=username).check_password(demo.DEMO_PASSWORD)
    assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status.values)
    assert set(Connection.objects.values_list("status", flat=True)) == set(Connection.Status.values)
    assert all(is_valid_nhs_number(n) for n in Person.objects.values_list("nhs_number", flat=True))
    partner = User.objects.get(username="partner")
    assert (
        Connection.objects.filter(organization=partner.organization)
        .exclude(status="proposed")
        .count()
        >= 3
    )


def test_the_same_seed_gives_the_same_town(db):
    from django.db import transaction

    digests = []
    for _ in range(2):
        with transaction.atomic():
            demo.seed(seed=7, people=60)
            digests.append(_digest())
            transaction.set_rollback(True)  # back to an empty database for the next run
    assert digests[0] == digests[1]


def test_seed_demo_refuses_without_debug(db, settings):
    settings.DEBUG = False
    settings.TESTING = False
    with pytest.raises(CommandError, match="set DEBUG=1"):
        call_command("seed_demo")


def test_seed_demo_if_empty_does_nothing_the_second_time(db):
    call_command("seed_demo", "--people", "20", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "already loaded" in out.getvalue()


def test_demo_logins_names_every_login_and_the_password():
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert demo.DEMO_PASSWORD in text and "http://127.0.0.1:8000" in text
    for username, *_ in demo.DEMO_LOGINS:
        assert username in text
