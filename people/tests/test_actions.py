"""people.actions: every write validated, atomic and audited (field names, never values)."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import Event
from people import actions
from people.models import Consent, Person
from people.tests.factories import ConsentFactory, PersonFactory
from socialrx.errors import Conflict, DomainError

ANN = {"given_name": "Ann", "family_name": "Lee", "nhs_number": "943 476 5919"}


def events(record, verb=None):
    qs = Event.objects.filter(record_type=record._meta.label, record_id=str(record.pk))
    return qs.filter(verb=verb) if verb else qs


# --- create_person ---------------------------------------------------------------------


def test_create_person_normalises_identifiers_and_takes_the_teams_area(team, worker):
    person = actions.create_person(team=team, by=worker, **ANN, postcode="tn23  1aa")
    assert person.nhs_number == "9434765919"
    assert person.postcode == "TN23 1AA"
    assert person.team == team and person.area_id == team.area_id


def test_create_person_audits_the_field_names_and_not_their_values(team, worker):
    person = actions.create_person(team=team, by=worker, **ANN, phone="07700 900123")
    event = events(person, "create").get()
    assert event.actor == worker and event.person_id == person.pk
    assert event.detail == {"fields": ["family_name", "given_name", "nhs_number", "phone"]}
    assert "07700" not in str(event.detail) and "9434765919" not in str(event.detail)


def test_create_person_refuses_an_invalid_nhs_number_and_writes_nothing(team, worker):
    with pytest.raises(DomainError) as exc:
        actions.create_person(team=team, by=worker, **{**ANN, "nhs_number": "9434765918"})
    assert exc.value.field == "nhs_number"
    assert "not a valid NHS number" in exc.value.message
    assert not Person.objects.exists() and not Event.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "nowhere", "Enter a real UK postcode"),
        ("email", "not-an-email", "Enter an email address"),
        ("given_name", "   ", "This is required."),
        ("interpreter_needed", "", "Answer yes or no."),
        ("sex", "robot", "Choose one of the listed options."),
        ("birth_date", dt.date(2999, 1, 1), "must be in the past"),
    ],
)
def test_create_person_names_the_invalid_field(team, worker, field, value, message):
    with pytest.raises(DomainError) as exc:
        actions.create_person(team=team, by=worker, **{**ANN, field: value})
    assert exc.value.field == field and message in exc.value.message
    assert not Person.objects.exists()


def test_create_person_refuses_fields_that_are_not_details(team, other_team, worker):
    with pytest.raises(DomainError) as exc:
        actions.create_person(team=team, by=worker, **ANN, area=other_team.area)
    assert exc.value.field == "area"


def test_a_second_person_with_the_same_nhs_number_is_a_conflict(team, worker):
    actions.create_person(team=team, by=worker, **ANN)
    with pytest.raises(Conflict) as exc:
        actions.create_person(team=team, by=worker, **{**ANN, "given_name": "Other"})
    assert exc.value.field == "nhs_number" and exc.value.status_code == 409
    assert Person.objects.count() == 1


# --- update_person ---------------------------------------------------------------------


def test_update_person_saves_and_audits_only_the_changed_field_names(worker):
    person = PersonFactory(team=worker.team, phone="07700 900123")
    actions.update_person(
        person, by=worker, phone="07700 900999", postcode=person.postcode, access_needs="Ramp"
    )
    person.refresh_from_db()
    assert person.phone == "07700 900999" and person.access_needs == "Ramp"
    assert events(person, "change").get().detail == {"fields": ["access_needs", "phone"]}


def test_update_person_without_a_real_change_writes_no_audit_row(worker):
    person = PersonFactory(team=worker.team)
    actions.update_person(person, by=worker, given_name=person.given_name)
    assert not events(person).exists()


def test_update_person_clears_optional_text_with_none(worker):
    person = PersonFactory(team=worker.team)
    actions.update_person(person, by=worker, email=None, nhs_number=None)
    person.refresh_from_db()
    assert person.email == "" and person.nhs_number == ""


def test_update_person_cannot_move_someone_to_another_team(worker, other_team):
    person = PersonFactory(team=worker.team)
    with pytest.raises(DomainError) as exc:
        actions.update_person(person, by=worker, team=other_team)
    assert exc.value.field == "team"
    person.refresh_from_db()
    assert person.team == worker.team


def test_update_person_refuses_a_null_flag(worker):
    person = PersonFactory(team=worker.team)
    with pytest.raises(DomainError) as exc:
        actions.update_person(person, by=worker, safeguarding_flag=None)
    assert exc.value.field == "safeguarding_flag"


def test_update_person_refuses_another_persons_nhs_number(worker):
    taken = PersonFactory(team=worker.team)
    person = PersonFactory(team=worker.team)
    with pytest.raises(Conflict) as exc:
        actions.update_person(person, by=worker, nhs_number=taken.nhs_number, phone="1")
    assert exc.value.field == "nhs_number"
    person.refresh_from_db()
    assert person.phone != "1"
    assert not events(person).exists()


# --- record_consent and withdraw_consent -----------------------------------------------


def test_record_consent_keeps_the_decision_date_and_recorder_and_audits_it(worker):
    person = PersonFactory(team=worker.team)
    consent = actions.record_consent(person, kind=Consent.Kind.SMS, given=True, by=worker)
    assert consent.recorded_by == worker and consent.area_id == person.area_id
    assert abs(consent.recorded_at - timezone.now()) < dt.timedelta(seconds=5)
    event = events(consent, "create").get()
    assert event.detail == {"kind": "sms", "given": True}
    assert event.person_id == person.pk


def test_a_share_consent_names_the_organisation_and_the_fields(worker, organization):
    person = PersonFactory(team=worker.team)
    consent = actions.record_consent(
        person,
        kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
        given=True,
        by=worker,
        organization=organization,
        shared_fields=["name", "phone", "name"],
    )
    assert consent.organization == organization and consent.shared_fields == ["name", "phone"]
    assert events(consent).get().detail == {
        "kind": "share",
        "given": True,
        "organization": str(organization.pk),
        "shared_fields": ["name", "phone"],
    }


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"shared_fields": ["name"]}, "organization"),
        ({"organization": True, "shared_fields": []}, "shared_fields"),
        ({"organization": True, "shared_fields": ["nhs_number"]}, "shared_fields"),
    ],
)
def test_a_share_consent_is_refused_without_what_it_needs(worker, organization, kwargs, field):
    person = PersonFactory(team=worker.team)
    if kwargs.get("organization"):
        kwargs = {**kwargs, "organization": organization}
    with pytest.raises(DomainError) as exc:
        actions.record_consent(person, kind="share", given=True, by=worker, **kwargs)
    assert exc.value.field == field
    assert not Consent.objects.exists() and not Event.objects.exists()


def test_a_refusal_to_share_shares_no_fields(worker, organization):
    person = PersonFactory(team=worker.team)
    consent = actions.record_consent(
        person, kind="share", given=False, by=worker, organization=organization
    )
    assert consent.given is False and consent.shared_fields == []


def test_an_unknown_consent_kind_is_refused(worker):
    with pytest.raises(DomainError) as exc:
        actions.record_consent(PersonFactory(), kind="telepathy", given=True, by=worker)
    assert exc.value.field == "kind"


def test_a_consent_the_person_gave_themselves_has_no_recorder(db):
    consent = actions.record_consent(PersonFactory(), kind="referral", given=True, by=None)
    assert consent.recorded_by is None
    assert events(consent).get().actor_label == "public"


def test_withdrawing_a_consent_stamps_the_time_and_audits_it_once(worker):
    consent = ConsentFactory(person__team=worker.team, kind=Consent.Kind.EMAIL)
    actions.withdraw_consent(consent, by=worker)
    first = Consent.objects.get(pk=consent.pk).withdrawn_at
    assert first is not None and not Consent.objects.get(pk=consent.pk).is_current
    actions.withdraw_consent(consent, by=worker)
    assert Consent.objects.get(pk=consent.pk).withdrawn_at == first
    assert events(consent, "change").get().detail == {"withdrawn": True}


def test_a_refusal_cannot_be_withdrawn(worker):
    consent = ConsentFactory(person__team=worker.team, kind=Consent.Kind.SMS, given=False)
    with pytest.raises(DomainError, match="nothing to withdraw"):
        actions.withdraw_consent(consent, by=worker)
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None
