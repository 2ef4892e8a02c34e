"""The suggestions panel on a case: explained list, add to plan, not-suitable feedback."""

import pytest
from django.urls import reverse

from audit.models import Event
from casework.models import Case, Connection
from casework.tests.factories import CaseFactory
from directory.models import Service
from matching.actions import refresh_embeddings
from matching.models import SuggestionFeedback
from matching.tests.factories import ASHFORD, service_at

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def case(worker):
    service_at("Befriending walks", "A weekly walk and chat for people who feel lonely", *ASHFORD)
    service_at("Lunch club", "A hot lunch and company for older people living alone", *ASHFORD)
    refresh_embeddings()
    return CaseFactory(link_worker=worker, referral__person__team=worker.team)


def panel_url(case):
    return reverse("matching:case_suggestions", kwargs={"case_id": case.pk})


def test_the_worker_sees_explained_suggestions_and_the_view_is_audited(client, worker, case):
    client.force_login(worker)
    res = client.get(panel_url(case), headers=HTMX)
    assert res.status_code == 200
    body = res.content.decode()
    assert "Befriending walks" in body
    assert "loneliness" in body.lower()
    assert "<html" not in body  # an htmx fragment
    assert Event.objects.filter(actor=worker, verb="view", record_id=str(case.pk)).exists()


def test_without_htmx_the_panel_is_a_whole_page(client, worker, case):
    client.force_login(worker)
    body = client.get(panel_url(case)).content.decode()
    assert "<html" in body and "Suggestions for" in body


def test_a_colleague_in_the_team_can_see_the_panel(client, colleague, case):
    client.force_login(colleague)
    assert client.get(panel_url(case), headers=HTMX).status_code == 200


def test_a_worker_in_another_area_gets_404(client, stranger, case):
    client.force_login(stranger)
    assert client.get(panel_url(case)).status_code == 404


def test_a_partner_gets_403(client, partner, case):
    client.force_login(partner)
    assert client.get(panel_url(case)).status_code == 403


def test_adding_a_suggestion_proposes_it_and_it_leaves_the_list(client, worker, case):
    client.force_login(worker)
    service = Service.objects.get(name="Befriending walks")
    url = reverse("matching:add_to_plan", kwargs={"case_id": case.pk})
    res = client.post(url, {"service": str(service.pk), "rank": 1}, headers=HTMX)
    assert res.status_code == 200
    assert Connection.objects.get(case=case, service=service).status == "proposed"
    body = res.content.decode()
    assert "added to the plan" in body
    assert f'data-service-id="{service.pk}"' not in body


def test_adding_the_same_service_twice_explains_the_refusal(client, worker, case):
    client.force_login(worker)
    service = Service.objects.get(name="Lunch club")
    url = reverse("matching:add_to_plan", kwargs={"case_id": case.pk})
    client.post(url, {"service": str(service.pk)})
    res = client.post(url, {"service": str(service.pk)}, headers=HTMX)
    assert res.status_code == 400
    assert "already in this person&#x27;s plan" in res.content.decode()


def test_feedback_is_saved_and_a_missing_reason_is_an_error(client, worker, case):
    client.force_login(worker)
    service = Service.objects.get(name="Lunch club")
    url = reverse("matching:feedback", kwargs={"case_id": case.pk})
    res = client.post(url, {"service": str(service.pk)}, headers=HTMX)
    assert res.status_code == 400
    assert "Choose why this suggestion does not suit." in res.content.decode()
    res = client.post(
        url,
        {"service": str(service.pk), "reason": "too_far", "rank": 2, "score": "0.41"},
    )
    assert res.status_code == 302
    feedback = SuggestionFeedback.objects.get()
    assert (feedback.reason, feedback.rank, feedback.given_by) == ("too_far", 2, worker)


def test_a_service_marked_not_suitable_leaves_this_persons_list_and_says_why(client, worker, case):
    client.force_login(worker)
    service = Service.objects.get(name="Lunch club")
    listed = f'data-service-id="{service.pk}"'
    assert listed in client.get(panel_url(case), headers=HTMX).content.decode()
    url = reverse("matching:feedback", kwargs={"case_id": case.pk})
    res = client.post(url, {"service": str(service.pk), "reason": "not_wanted"}, headers=HTMX)
    body = res.content.decode()
    assert res.status_code == 200 and listed not in body
    assert "<strong>Lunch club</strong>: Marked not suitable on " in body
    assert "not what the person wants" in body
    # Only for this person: someone else in the team is still offered it.
    other = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    assert listed in client.get(panel_url(other), headers=HTMX).content.decode()


def test_an_unknown_service_is_a_form_error_not_a_500(client, worker, case):
    client.force_login(worker)
    url = reverse("matching:add_to_plan", kwargs={"case_id": case.pk})
    res = client.post(url, {"service": "00000000-0000-0000-0000-000000000000"})
    assert res.status_code == 400
    assert "no longer in the directory" in res.content.decode()


def test_a_discharged_case_cannot_be_changed(client, worker, case):
    Case.objects.filter(pk=case.pk).update(
        status="discharged", discharge_reason="goals_met", discharged_at="2025-01-01T00:00Z"
    )
    client.force_login(worker)
    url = reverse("matching:add_to_plan", kwargs={"case_id": case.pk})
    service = Service.objects.get(name="Lunch club")
    assert client.post(url, {"service": str(service.pk)}).status_code == 403


def test_the_panel_runs_a_fixed_number_of_queries(client, worker, case, django_assert_num_queries):
    client.force_login(worker)
    client.get(panel_url(case), headers=HTMX)  # builds the index
    service_at("Another club", "Company and tea", *ASHFORD)
    # 15 for the panel (the session, the case, its audit row, the profile's reads, the
    # services marked not suitable for this person, the team's "not what they want" counts
    # and the index's change log; the need vectors are in the process's cache since the
    # first request), and 11 to bring the new service into the index: the changes since, its
    # listing (9, whatever the directory's size) and its embedding.
    with django_assert_num_queries(26):
        assert client.get(panel_url(case), headers=HTMX).status_code == 200
