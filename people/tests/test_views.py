from audit.models import Event
from casework.tests.factories import CaseFactory
from people.models import Consent


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
