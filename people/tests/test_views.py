"""The person pages: detail, edit and consent, through the client."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from audit.models import Event
from casework.tests.factories import CaseFactory
from people.models import Consent
from people.tests.factories import ConsentFactory, PersonFactory
from referrals.tests.factories import ReferralFactory


def test_recording_a_share_consent_from_the_person_page(client, worker, organization):
    person = CaseFactory(link_worker=worker, referral__person__team=worker.team).person
    client.force_login(worker)
    resp = client.post(
        f"/people/{person.pk}/consents/",
        {
            "kind": "share",
            "given": "yes",
            "organization": organization.pk,
            "shared_fields": ["name", "phone"],
        },
    )
    assert resp.status_code == 302
    consent = Consent.objects.get(kind="share")
    assert consent.recorded_by == worker and consent.shared_fields == ["name", "phone"]
    assert Event.objects.filter(record_type="people.Consent", verb="create").exists()


def test_share_consent_without_an_organisation_is_a_form_error(client, worker):
    person = CaseFactory(link_worker=worker, referral__person__team=worker.team).person
    client.force_login(worker)
    resp = client.post(
        f"/people/{person.pk}/consents/",
        {"kind": "share", "given": "yes", "shared_fields": ["name"]},
    )
    assert resp.status_code == 400
    assert "Name the organisation to share with." in resp.content.decode()
    assert not Consent.objects.filter(kind="share").exists()


def test_editing_a_person_validates_the_nhs_number(client, worker):
    person = CaseFactory(link_worker=worker, referral__person__team=worker.team).person
    client.force_login(worker)
    resp = client.get(f"/people/{person.pk}/edit/")
    form = resp.context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update(nhs_number="9434765918", interpreter_needed="", safeguarding_flag="")
    resp = client.post(f"/people/{person.pk}/edit/", data)
    assert "check digit does not match" in resp.content.decode()
    person.refresh_from_db()
    assert person.nhs_number != "9434765918"


# --- The person page -------------------------------------------------------------------


@pytest.fixture
def case(worker, referrer):
    return CaseFactory(
        link_worker=worker,
        referral__person__team=worker.team,
        referral__referrer=referrer,
        referral__person__nhs_number="9434765919",
        referral__person__safeguarding_flag=True,
        referral__person__safeguarding_note="Lives with a controlling partner; call first.",
    )


def test_the_person_page_shows_demographics_safeguarding_consents_and_links(client, worker, case):
    person = case.person
    ConsentFactory(person=person, kind=Consent.Kind.SMS, recorded_by=worker)
    client.force_login(worker)
    body = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "943 476 5919" in body
    assert "Lives with a controlling partner; call first." in body
    assert body.index("Safeguarding") < body.index("Date of birth")
    # Names are HTML-escaped on the page (a generated "O'Connor" becomes O&#x27;Connor).
    assert "To be contacted by text message" in body and f"by {escape(str(worker))}" in body
    assert reverse("casework:case", args=[case.pk]) in body
    assert reverse("referrals:detail", args=[case.referral_id]) in body
    assert reverse("people:edit", args=[person.pk]) in body


def test_viewing_a_person_is_audited(client, worker, case):
    client.force_login(worker)
    client.get(reverse("people:detail", args=[case.person_id]))
    event = Event.objects.get(verb="view", record_type="people.Person")
    assert event.actor == worker and event.person_id == case.person_id


def test_a_referrer_sees_what_they_sent_not_the_record_it_was_filed_against(
    client, referrer, case, team
):
    person = case.person
    person.safeguarding_flag, person.safeguarding_note = True, "Disclosed at home visit."
    person.save()
    client.force_login(referrer)
    assert client.get(reverse("people:detail", args=[person.pk])).status_code == 404
    body = client.get(reverse("referrals:detail", args=[case.referral_id])).content.decode()
    assert "Disclosed at home visit" not in body
    assert reverse("people:detail", args=[person.pk]) not in body
    assert reverse("casework:case", args=[case.pk]) not in body


def test_the_person_page_runs_a_fixed_number_of_queries(
    client, worker, case, django_assert_num_queries
):
    for kind in (Consent.Kind.SMS, Consent.Kind.EMAIL, Consent.Kind.RESEARCH):
        ConsentFactory(person=case.person, kind=kind, recorded_by=worker)
    ReferralFactory(person=case.person, team=worker.team, area=worker.team.area)
    client.force_login(worker)
    url = reverse("people:detail", args=[case.person_id])
    # session, user, user's team, person, audit insert, cases, referrals, consents (with
    # organisation and recorder), organisations for the consent form.
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200


def test_a_person_known_to_another_team_opens_for_the_team_they_were_referred_to(
    client, worker, other_team
):
    person = PersonFactory(team=other_team)
    ReferralFactory(person=person, team=worker.team, area=worker.team.area)
    client.force_login(worker)
    assert client.get(reverse("people:detail", args=[person.pk])).status_code == 200


# --- Editing ---------------------------------------------------------------------------


def test_opening_the_edit_form_is_audited_as_a_view(client, worker, case):
    client.force_login(worker)
    assert client.get(reverse("people:edit", args=[case.person_id])).status_code == 200
    assert Event.objects.filter(verb="view", person_id=case.person_id).count() == 1


def test_saving_the_edit_form_audits_the_changed_field_names(client, worker, case):
    client.force_login(worker)
    url = reverse("people:edit", args=[case.person_id])
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    born = data.pop("birth_date")  # typed in the date input's three boxes
    data.update(birth_date_0=born.day, birth_date_1=born.month, birth_date_2=born.year)
    data.update(phone="07700 900777", postcode="sw1a1aa", interpreter_needed="on")
    data.update(safeguarding_flag="on")
    resp = client.post(url, data)
    assert resp.status_code == 302
    case.person.refresh_from_db()
    assert case.person.postcode == "SW1A 1AA" and case.person.interpreter_needed
    change = Event.objects.get(verb="change", record_type="people.Person")
    assert change.detail == {"fields": ["interpreter_needed", "phone", "postcode"]}


# --- Consent page ----------------------------------------------------------------------


def test_the_consent_page_shows_the_form_and_history_and_is_audited(client, worker, case):
    ConsentFactory(person=case.person, kind=Consent.Kind.RESEARCH, recorded_by=worker)
    client.force_login(worker)
    resp = client.get(reverse("people:consent", args=[case.person_id]))
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "To anonymised use for research and evaluation" in body
    assert 'name="shared_fields"' in body and 'name="organization"' in body
    assert Event.objects.filter(verb="view", person_id=case.person_id).exists()


def test_a_refused_consent_re_renders_the_consent_page_with_the_error(client, worker, case):
    client.force_login(worker)
    resp = client.post(
        reverse("people:consent", args=[case.person_id]),
        {"kind": "share", "given": "yes", "organization": "", "shared_fields": []},
    )
    assert resp.status_code == 400
    assert resp.templates[0].name == "people/consent.html"
    assert "There is a problem" in resp.content.decode()


def test_a_consent_shows_the_labels_of_the_shared_fields(client, worker, case, organization):
    ConsentFactory(
        person=case.person,
        kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
        organization=organization,
        shared_fields=["name", "access_needs"],
    )
    client.force_login(worker)
    body = client.get(reverse("people:detail", args=[case.person_id])).content.decode()
    assert "Ashford Walking Friends (Name, Access and communication needs)" in body


def test_withdrawing_from_the_page_ends_the_consent(client, worker, case):
    consent = ConsentFactory(person=case.person, kind=Consent.Kind.SMS)
    client.force_login(worker)
    url = reverse("people:withdraw_consent", args=[case.person_id, consent.pk])
    resp = client.post(url, follow=True)
    assert "Consent withdrawn." in resp.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_withdrawing_a_refusal_explains_why_not(client, worker, case):
    consent = ConsentFactory(person=case.person, kind=Consent.Kind.SMS, given=False)
    client.force_login(worker)
    url = reverse("people:withdraw_consent", args=[case.person_id, consent.pk])
    resp = client.post(url, follow=True)
    assert "nothing to withdraw" in resp.content.decode()


def test_a_consent_of_another_person_cannot_be_withdrawn_through_this_one(client, worker, case):
    elsewhere = ConsentFactory(kind=Consent.Kind.SMS)
    client.force_login(worker)
    url = reverse("people:withdraw_consent", args=[case.person_id, elsewhere.pk])
    assert client.post(url).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.withdrawn_at is None


CONSENT_PAGE = {
    "worker": 200,
    "colleague": 200,
    "supervisor": 200,
    "stranger": 404,
    "referrer": 404,
    "partner": 404,
    "other_partner": 404,
    "commissioner": 404,
    "admin_user": 404,
}


@pytest.mark.parametrize(("persona", "status"), CONSENT_PAGE.items())
def test_who_may_open_the_consent_page(request, client, case, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("people:consent", args=[case.person_id])).status_code == status


def test_anonymous_visitors_are_sent_to_log_in_from_the_consent_page(client, case):
    resp = client.get(reverse("people:consent", args=[case.person_id]))
    assert resp.status_code == 302 and "/login/" in resp["Location"]
