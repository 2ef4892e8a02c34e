"""The Django admin shows people and referrals without identifiable details, read-only."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from people.tests.factories import ConsentFactory, PersonFactory
from referrals.tests.factories import ReferralFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", role="admin", team=None, is_staff=True, is_superuser=True)


@pytest.fixture
def referral(db):
    return ReferralFactory(
        person=PersonFactory(given_name="Marigold", family_name="Featherstonehaugh"),
        notes="Private words about her bereavement.",
    )


@pytest.mark.parametrize(
    "url_name",
    ["admin:people_person_changelist", "admin:referrals_referral_changelist"],
)
def test_admin_lists_show_no_names(client, superuser, referral, url_name):
    client.force_login(superuser)
    body = client.get(reverse(url_name)).content.decode()
    assert str(referral.pk if "referral" in url_name else referral.person_id) in body
    assert "Marigold" not in body and "Featherstonehaugh" not in body


def test_person_and_referral_records_do_not_open_in_the_admin(client, superuser, referral):
    client.force_login(superuser)
    for url in (
        reverse("admin:people_person_change", args=[referral.person_id]),
        reverse("admin:people_person_history", args=[referral.person_id]),
        reverse("admin:referrals_referral_change", args=[referral.pk]),
    ):
        assert client.get(url).status_code == 403


def test_a_consent_opens_read_only_without_personal_details(client, superuser, referral):
    consent = ConsentFactory(person=referral.person)
    client.force_login(superuser)
    resp = client.get(reverse("admin:people_consent_change", args=[consent.pk]))
    body = resp.content.decode()
    assert resp.status_code == 200 and 'name="_save"' not in body
    assert str(referral.person_id) in body
    for secret in ("Marigold", "Featherstonehaugh", referral.person.phone):
        assert secret not in body


@pytest.mark.parametrize("model", ["people/person", "people/consent", "referrals/referral"])
def test_nothing_can_be_added_or_deleted_in_the_admin(client, superuser, referral, model):
    client.force_login(superuser)
    assert client.get(f"/admin/{model}/add/").status_code == 403
