from audit.models import Event
from casework.tests.factories import CaseFactory


def _person(worker):
    return CaseFactory(link_worker=worker, referral__person__team=worker.team).person


def test_worker_reads_a_person_in_their_team_and_it_is_audited(api_client, worker):
    person = _person(worker)
    resp = api_client(worker).get(f"/api/v1/people/{person.pk}")
    assert resp.status_code == 200
    assert resp.json()["nhs_number"] == person.nhs_number
    assert Event.objects.filter(verb="view", record_type="people.Person").exists()


def test_stranger_gets_404(api_client, worker, stranger):
    person = _person(worker)
    assert api_client(stranger).get(f"/api/v1/people/{person.pk}").status_code == 404


def test_patch_changes_fields_and_audits_names_not_values(api_client, worker):
    person = _person(worker)
    resp = api_client(worker).patch(
        f"/api/v1/people/{person.pk}", {"phone": "07700 900999", "postcode": "sw1a1aa"}
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["postcode"] == "SW1A 1AA"
    event = Event.objects.get(verb="change", record_type="people.Person")
    assert event.detail == {"fields": ["phone", "postcode"]}


def test_patch_with_an_invalid_nhs_number_names_the_field(api_client, worker):
    person = _person(worker)
    resp = api_client(worker).patch(f"/api/v1/people/{person.pk}", {"nhs_number": "1234567890"})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "nhs_number"


def test_referrer_can_read_but_not_change_someone_they_referred(api_client, worker, referrer):
    case = CaseFactory(
        link_worker=worker, referral__person__team=worker.team, referral__referrer=referrer
    )
    client = api_client(referrer)
    assert client.get(f"/api/v1/people/{case.person_id}").status_code == 200
    assert client.patch(f"/api/v1/people/{case.person_id}", {"phone": "1"}).status_code == 403


def test_partner_and_commissioner_never_see_a_person(api_client, worker, partner, commissioner):
    person = _person(worker)
    for user in (partner, commissioner):
        assert api_client(user).get(f"/api/v1/people/{person.pk}").status_code == 404
