import pytest

from audit.models import Event
from casework.models import Case
from people.models import Consent, Person
from referrals import actions
from referrals.models import Referral
from referrals.tests.factories import ReferralFactory
from socialrx.errors import DomainError, InvalidTransition

PERSON = {
    "given_name": "Ann",
    "family_name": "Lee",
    "nhs_number": "9434765919",
    "postcode": "tn23 1aa",
}


def refer(team, by, **kw):
    return actions.refer_person(
        team=team,
        source="clinician",
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
