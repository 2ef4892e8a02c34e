"""referrals.actions: intake, triage, first contact and closure, each with its audit rows."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import Event
from casework.models import Case
from people.models import Consent, Person
from people.tests.factories import PersonFactory
from referrals import actions
from referrals.models import Referral
from referrals.tests.factories import ReferralFactory
from socialrx.errors import ConsentMissing, DomainError, InvalidTransition

PERSON = {
    "given_name": "Ann",
    "family_name": "Lee",
    "nhs_number": "9434765919",
    "postcode": "tn23 1aa",
}


def refer(team, by, **kw):
    return actions.refer_person(
        team=team,
        source=kw.pop("source", "clinician"),
        by=by,
        reasons=kw.pop("reasons", ["loneliness"]),
        person_fields=kw.pop("person_fields", PERSON),
        **kw,
    )


def test_referring_creates_the_person_a_referral_consent_and_audit_rows(team, referrer):
    referral = refer(team, referrer)
    assert referral.person.postcode == "TN23 1AA"
    assert referral.area_id == team.area_id
    assert Consent.objects.filter(person=referral.person, kind="referral").exists()
    assert Event.objects.filter(record_type="people.Person", verb="create").exists()
    assert Event.objects.filter(record_type="referrals.Referral", verb="create").exists()


def test_a_known_nhs_number_reuses_the_person(team, referrer):
    first = refer(team, referrer)
    Referral.objects.filter(pk=first.pk).update(status="declined", decline_reason="x")
    second = refer(team, referrer)
    assert second.person_id == first.person_id
    assert Person.objects.count() == 1


def test_a_second_open_referral_is_refused_then_flagged_when_confirmed(team, referrer):
    first = refer(team, referrer)
    with pytest.raises(actions.DuplicateReferral) as exc:
        refer(team, referrer)
    assert exc.value.extra["existing_referral_id"] == str(first.pk)
    second = refer(team, referrer, confirm_duplicate=True)
    assert second.possible_duplicate_of == first


def test_unknown_reason_codes_are_refused(team, referrer):
    with pytest.raises(DomainError) as exc:
        refer(team, referrer, reasons=["astrology"])
    assert exc.value.field == "reasons"
    assert not Person.objects.exists()


def test_an_invalid_nhs_number_writes_nothing(team, referrer):
    with pytest.raises(DomainError) as exc:
        refer(team, referrer, person_fields={**PERSON, "nhs_number": "9434765918"})
    assert exc.value.field == "nhs_number"
    assert not Person.objects.exists() and not Referral.objects.exists()


def test_accepting_assigns_the_worker_and_opens_the_case(team, worker, supervisor):
    referral = ReferralFactory(person__team=team)
    case = actions.accept_referral(referral, link_worker=worker, by=supervisor)
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.assigned_to == worker
    assert referral.triaged_by == supervisor
    assert case.link_worker == worker and case.person_id == referral.person_id


def test_a_case_cannot_go_to_a_worker_in_another_team(team, stranger, supervisor):
    referral = ReferralFactory(person__team=team)
    with pytest.raises(DomainError):
        actions.accept_referral(referral, link_worker=stranger, by=supervisor)
    referral.refresh_from_db()
    assert referral.status == "received" and not Case.objects.exists()


def test_declining_needs_a_reason(team, supervisor):
    referral = ReferralFactory(person__team=team)
    with pytest.raises(DomainError) as exc:
        actions.decline_referral(referral, reason=" ", by=supervisor)
    assert exc.value.field == "reason"
    actions.decline_referral(referral, reason="Needs a clinical service", by=supervisor)
    assert Referral.objects.get(pk=referral.pk).status == "declined"


def test_a_declined_referral_cannot_be_accepted(team, worker, supervisor):
    referral = ReferralFactory(person__team=team)
    actions.decline_referral(referral, reason="Out of area", by=supervisor)
    with pytest.raises(InvalidTransition, match="already declined"):
        actions.accept_referral(referral, link_worker=worker, by=supervisor)


def test_redirect_names_where_to(team, supervisor):
    referral = ReferralFactory(person__team=team)
    actions.redirect_referral(referral, to="Talking therapies", by=supervisor)
    referral.refresh_from_db()
    assert referral.status == "redirected" and referral.redirected_to == "Talking therapies"


def test_the_database_refuses_a_declined_referral_without_a_reason(team):
    from django.db import IntegrityError, transaction

    referral = ReferralFactory(person__team=team)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(status="declined", decline_reason="")


# --- Consent, matching and flags at intake ---------------------------------------------


def test_referring_records_the_referral_consent_by_the_referrer_with_an_audit_row(team, referrer):
    referral = refer(team, referrer)
    consent = Consent.objects.get(person=referral.person, kind="referral")
    assert consent.given and consent.recorded_by == referrer
    event = Event.objects.get(record_type="people.Consent")
    assert event.actor == referrer and event.detail == {"kind": "referral", "given": True}


def test_a_referral_without_the_persons_agreement_is_refused_and_writes_nothing(team, referrer):
    with pytest.raises(ConsentMissing) as exc:
        refer(team, referrer, consent_to_referral=False)
    assert exc.value.field == "consent_to_referral"
    assert not Person.objects.exists() and not Referral.objects.exists()
    assert not Event.objects.exists()


def test_a_self_referral_has_no_referrer_and_the_person_recorded_their_own_consent(team):
    referral = refer(team, None, source="self")
    assert referral.referrer is None and referral.source == "self"
    consent = Consent.objects.get(person=referral.person, kind="referral")
    assert consent.recorded_by is None
    assert set(Event.objects.values_list("actor_label", flat=True)) == {"public"}


def test_the_referral_audit_row_holds_codes_not_notes(team, referrer):
    referral = refer(team, referrer, notes="She cries every evening.")
    event = Event.objects.get(record_type="referrals.Referral", verb="create")
    assert event.detail == {
        "source": "clinician",
        "reasons": ["loneliness"],
        "possible_duplicate": False,
        "possible_duplicate_person": False,
        "details_differ": [],
    }
    assert event.person_id == referral.person_id


def test_an_nhs_number_whose_record_is_someone_else_is_refused_to_its_own_referrer(team, referrer):
    known = PersonFactory(team=team, nhs_number="9434765919", birth_date=dt.date(1950, 1, 1))
    ReferralFactory(person=known, referrer=referrer, status="closed")
    with pytest.raises(actions.PersonMismatch) as exc:
        refer(team, referrer, person_fields={**PERSON, "birth_date": dt.date(1990, 5, 5)})
    assert exc.value.field == "nhs_number" and exc.value.status_code == 409
    assert known.referrals.count() == 1


def test_a_clinician_who_never_referred_someone_learns_nothing_of_their_nhs_number(team, referrer):
    known = PersonFactory(team=team, nhs_number="9434765919", birth_date=dt.date(1950, 1, 1))
    referral = refer(team, referrer, person_fields={**PERSON, "birth_date": dt.date(1990, 5, 5)})
    assert referral.person != known
    assert referral.person.possible_duplicate_of == known
    assert not known.referrals.exists()
    assert not known.consents.exists()


def test_a_public_referral_with_someone_elses_nhs_number_gets_a_separate_flagged_record(team):
    known = PersonFactory(
        team=team,
        nhs_number="9434765919",
        given_name="Ann",
        family_name="Lee",
        birth_date=dt.date(1950, 1, 1),
    )
    referral = refer(
        team, None, source="self", person_fields={**PERSON, "birth_date": dt.date(1990, 5, 5)}
    )
    assert referral.person != known
    assert referral.person.possible_duplicate_of == known
    assert referral.person.nhs_number == "9434765919"
    assert referral.person_details_given == {}
    known.refresh_from_db()
    assert known.birth_date == dt.date(1950, 1, 1)  # the record is not overwritten
    assert not known.consents.exists() and not known.referrals.exists()


def test_newer_contact_details_are_kept_on_the_referral_for_triage(team, referrer):
    known = PersonFactory(
        team=team,
        nhs_number="9434765919",
        given_name="Ann",
        family_name="Lee",
        postcode="TN23 1AA",
        phone="01233 000000",
    )
    referral = refer(team, referrer, person_fields={**PERSON, "phone": "07700 900999"})
    assert referral.person == known
    assert referral.person_details_given == {"phone": "07700 900999"}
    event = Event.objects.get(record_type="referrals.Referral")
    assert event.detail["details_differ"] == ["phone"]


def test_an_existing_person_can_be_referred_directly(team, referrer):
    person = PersonFactory(team=team)
    referral = actions.refer_person(
        team=team, source="api", by=referrer, reasons=["money"], person=person
    )
    assert referral.person == person and referral.person_details_given == {}


def test_a_closed_referral_is_not_a_duplicate(team, referrer):
    first = refer(team, referrer)
    Referral.objects.filter(pk=first.pk).update(status="closed")
    assert refer(team, referrer).possible_duplicate_of is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"urgency": "yesterday"}, "urgency"),
        ({"source": "pigeon"}, "source"),
        ({"reasons": []}, "reasons"),
        ({"person_fields": {}}, "person"),
    ],
)
def test_bad_intake_arguments_name_the_field(team, referrer, kwargs, field):
    with pytest.raises(DomainError) as exc:
        refer(team, referrer, **kwargs)
    assert exc.value.field == field
    assert not Referral.objects.exists()


def test_repeated_reason_codes_are_kept_once(team, referrer):
    assert refer(team, referrer, reasons=["money", "housing", "money"]).reasons == [
        "money",
        "housing",
    ]


# --- Triage ----------------------------------------------------------------------------


def test_accepting_audits_the_referral_and_the_new_case(team, worker, supervisor):
    referral = ReferralFactory(person__team=team)
    case = actions.accept_referral(referral, link_worker=worker, by=supervisor)
    change = Event.objects.get(record_type="referrals.Referral", verb="change")
    assert change.actor == supervisor and change.detail == {"status": "accepted"}
    assert Event.objects.filter(record_type="casework.Case", record_id=str(case.pk)).exists()
    assert Referral.objects.get(pk=referral.pk).triaged_at is not None


def test_a_referral_cannot_be_accepted_twice(team, worker, colleague, supervisor):
    referral = ReferralFactory(person__team=team)
    actions.accept_referral(referral, link_worker=worker, by=supervisor)
    with pytest.raises(InvalidTransition, match="accepted"):
        actions.accept_referral(referral, link_worker=colleague, by=supervisor)
    assert Case.objects.count() == 1


@pytest.mark.parametrize("persona", ["referrer", "partner", "commissioner"])
def test_only_a_case_worker_can_be_assigned(request, team, supervisor, persona):
    referral = ReferralFactory(person__team=team)
    with pytest.raises(DomainError) as exc:
        actions.accept_referral(
            referral, link_worker=request.getfixturevalue(persona), by=supervisor
        )
    assert exc.value.field == "link_worker"
    assert Referral.objects.get(pk=referral.pk).status == "received"


def test_an_accepted_referral_cannot_be_declined(team, worker, supervisor):
    referral = ReferralFactory(person__team=team)
    actions.accept_referral(referral, link_worker=worker, by=supervisor)
    with pytest.raises(InvalidTransition) as exc:
        actions.decline_referral(referral, reason="Changed my mind", by=supervisor)
    assert "discharge the case instead" in exc.value.message
    assert Referral.objects.get(pk=referral.pk).decline_reason == ""


def test_declining_and_redirecting_are_audited(team, supervisor):
    declined = ReferralFactory(person__team=team)
    redirected = ReferralFactory(person__team=team)
    actions.decline_referral(declined, reason="Needs a clinical service", by=supervisor)
    actions.redirect_referral(redirected, to="Talking therapies", reason="Low mood", by=supervisor)
    details = {
        e.record_id: e.detail for e in Event.objects.filter(record_type="referrals.Referral")
    }
    assert details == {
        str(declined.pk): {"status": "declined"},
        str(redirected.pk): {"status": "redirected"},
    }


def test_redirecting_needs_a_destination(team, supervisor):
    referral = ReferralFactory(person__team=team)
    with pytest.raises(DomainError) as exc:
        actions.redirect_referral(referral, to="  ", reason="", by=supervisor)
    assert exc.value.field == "to"
    assert Referral.objects.get(pk=referral.pk).status == "received"


# --- First contact and closure (called by casework) -----------------------------------


def test_first_contact_is_recorded_once_and_audited_once(team, worker):
    referral = ReferralFactory(person__team=team, received_at=timezone.now() - dt.timedelta(days=3))
    first = timezone.now() - dt.timedelta(days=1)
    actions.mark_first_contact(referral, at=first, by=worker)
    actions.mark_first_contact(referral, at=timezone.now(), by=worker)
    referral.refresh_from_db()
    assert referral.first_contact_at == first
    assert round(referral.days_to_first_contact) == 2
    events = Event.objects.filter(record_type="referrals.Referral", detail={"first_contact": True})
    assert events.count() == 1


def test_a_contact_logged_on_the_day_of_referral_is_never_a_negative_wait(team, worker):
    referral = ReferralFactory(person__team=team)
    actions.mark_first_contact(referral, at=referral.received_at - dt.timedelta(hours=3), by=worker)
    referral.refresh_from_db()
    assert referral.first_contact_at == referral.received_at
    assert referral.days_to_first_contact == 0


def test_closing_is_only_for_accepted_referrals(team, worker, supervisor):
    referral = ReferralFactory(person__team=team)
    with pytest.raises(InvalidTransition):
        actions.close_referral(referral, by=worker)
    actions.accept_referral(referral, link_worker=worker, by=supervisor)
    actions.close_referral(referral, by=worker)
    assert Referral.objects.get(pk=referral.pk).status == "closed"
    assert Event.objects.filter(
        record_type="referrals.Referral", detail={"status": "closed"}
    ).exists()


def test_a_self_referral_cannot_give_a_clinicians_reason(team):
    with pytest.raises(DomainError) as exc:
        refer(team, None, source="self", reasons=["frequent_attendance"])
    assert exc.value.field == "reasons"
    assert not Referral.objects.exists() and not Person.objects.exists()
