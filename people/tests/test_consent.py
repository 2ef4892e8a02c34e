import datetime as dt

from django.utils import timezone

from people.consent import fields_shared_with, has_consent, may_contact_by
from people.models import Consent
from people.tests.factories import ConsentFactory, PersonFactory


def test_sharing_needs_a_consent_naming_the_organisation(organization):
    person = PersonFactory()
    assert fields_shared_with(person, organization.pk) == []
    ConsentFactory(
        person=person,
        kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
        organization=organization,
        shared_fields=["name", "phone", "not_a_field"],
    )
    assert fields_shared_with(person, organization.pk) == ["name", "phone"]


def test_a_later_withdrawal_overrides_an_earlier_consent(organization):
    person = PersonFactory()
    earlier = timezone.now() - dt.timedelta(days=3)
    ConsentFactory(person=person, kind=Consent.Kind.SMS, recorded_at=earlier)
    assert may_contact_by(person, "sms")
    ConsentFactory(person=person, kind=Consent.Kind.SMS, given=False)
    assert not may_contact_by(person, "sms")
    assert not has_consent(person, Consent.Kind.SMS)


def test_email_contact_needs_an_address_as_well_as_consent(db):
    person = PersonFactory(email="")
    ConsentFactory(person=person, kind=Consent.Kind.EMAIL)
    assert not may_contact_by(person, "email")
