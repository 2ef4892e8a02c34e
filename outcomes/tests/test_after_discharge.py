"""A link worker who discharges a case first can still ask the experience questions and
record the follow-up months after discharge; nothing earlier can be added to it."""

import pytest
from django.urls import reverse

from casework.tests.factories import CaseFactory
from outcomes.models import Response
from people.models import Consent
from people.tests.factories import ConsentFactory

ANSWERS = {"overall": "1", "listened": "1", "plan": "2", "activities": "2", "next_time": "1"}


@pytest.fixture
def discharged(client, worker):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    client.force_login(worker)
    resp = client.post(
        reverse("casework:discharge", args=[case.pk]),
        {"discharge-reason": "goals_met", "discharge-notes": ""},
        follow=True,
    )
    assert "has been discharged" in resp.content.decode()
    assert "Ask them the experience questions" in resp.content.decode()
    case.refresh_from_db()
    assert not case.is_open
    return case


def test_the_experience_questions_are_recorded_after_discharge(client, discharged):
    page = client.get(reverse("outcomes:case", args=[discharged.pk])).content.decode()
    assert "case is discharged" in page
    assert 'value="discharge"' in page and 'value="post_discharge"' in page
    assert 'value="baseline"' not in page
    record = reverse("outcomes:record", args=[discharged.pk])
    chooser = {"measure-instrument": "experience", "measure-timepoint": "discharge"}
    assert client.get(record, chooser).status_code == 200
    resp = client.post(record, chooser | ANSWERS)
    assert resp.status_code == 302
    response = Response.objects.get(case=discharged, instrument="experience")
    assert response.timepoint == "discharge"


def test_nothing_earlier_than_discharge_is_added_to_a_discharged_case(client, discharged):
    record = reverse("outcomes:record", args=[discharged.pk])
    data = {"measure-instrument": "ucla3", "measure-timepoint": "baseline"}
    resp = client.post(record, data | {"q1": "1", "q2": "1", "q3": "1"})
    assert resp.status_code == 400
    assert "Select a valid choice" in resp.content.decode()
    assert not Response.objects.filter(case=discharged).exists()


def test_a_follow_up_link_can_be_sent_after_discharge(client, discharged):
    ConsentFactory(person=discharged.person, kind=Consent.Kind.EMAIL)
    resp = client.post(
        reverse("outcomes:send_link", args=[discharged.pk]),
        {"link-instrument": "ucla3", "link-timepoint": "post_discharge", "link-channel": "email"},
    )
    assert resp.status_code == 200 and resp.context["new_link"]


def test_no_experience_prompt_when_the_person_died(client, worker):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    client.force_login(worker)
    resp = client.post(
        reverse("casework:discharge", args=[case.pk]),
        {"discharge-reason": "died", "discharge-notes": ""},
        follow=True,
    )
    body = resp.content.decode()
    assert "has been discharged" in body and "experience questions" not in body
