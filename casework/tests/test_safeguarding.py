"""A supervisor reviews and closes a safeguarding concern, with a note, and it is audited."""

import pytest

from audit.models import Event
from casework import actions
from casework.models import SafeguardingConcern
from casework.tests.factories import CaseFactory
from outcomes import actions as outcome_actions
from people.models import Person
from socialrx.errors import Conflict, DomainError


@pytest.fixture
def case(worker):
    return CaseFactory(
        link_worker=worker, referral__person__team=worker.team, referral__person__given_name="Mary"
    )


@pytest.fixture
def concern(case, worker):
    outcome_actions.record_response(
        case,
        instrument_id="hrsn",
        answers={"safety_hurt": 5, "safety_insult": 1, "safety_threaten": 1, "safety_scream": 1},
        timepoint="baseline",
        by=worker,
        via="link_worker",
    )
    return SafeguardingConcern.objects.get()


def review_url(case):
    return f"/cases/{case.pk}/safeguarding/"


def test_raising_a_concern_is_audited_with_its_reason_codes(concern, worker):
    event = Event.objects.get(record_type="casework.SafeguardingConcern", verb="create")
    assert event.actor == worker
    assert event.detail["reasons"] == ["physical_harm"]


def test_the_supervisor_closes_a_concern_with_a_note(client, case, concern, supervisor):
    client.force_login(supervisor)
    page = client.get(review_url(case)).content.decode()
    assert "Says someone physically hurts them" in page and "Close this concern" in page
    resp = client.post(
        review_url(case),
        {
            "concern": str(concern.pk),
            "outcome_note": "Talked with Mary; referred to adult social care.",
            "keep_flag": "on",
        },
    )
    assert resp.status_code == 302
    concern.refresh_from_db()
    assert concern.reviewed_by == supervisor and concern.reviewed_at is not None
    assert concern.outcome_note.startswith("Talked with Mary") and concern.flag_kept
    event = Event.objects.get(record_type="casework.SafeguardingConcern", verb="change")
    assert event.actor == supervisor and event.detail == {"reviewed": True, "flag_kept": True}
    assert "Talked with Mary" not in str(event.detail)
    assert "Safeguarding concerns to review" not in client.get("/").content.decode()
    assert Person.objects.get(pk=case.person_id).safeguarding_flag


def test_closing_without_keeping_the_flag_clears_it(case, concern, supervisor):
    actions.close_safeguarding_concern(
        concern, outcome_note="Historic; no current risk.", keep_flag=False, by=supervisor
    )
    assert not Person.objects.get(pk=case.person_id).safeguarding_flag


def test_the_flag_stays_while_another_concern_is_open(case, concern, worker, supervisor):
    outcome_actions.record_response(
        case,
        instrument_id="hrsn",
        answers={"safety_threaten": 4},
        timepoint="other",
        by=worker,
        via="link_worker",
    )
    actions.close_safeguarding_concern(
        concern, outcome_note="Historic; no current risk.", keep_flag=False, by=supervisor
    )
    assert Person.objects.get(pk=case.person_id).safeguarding_flag


def test_a_concern_cannot_be_closed_without_a_note(client, case, concern, supervisor):
    client.force_login(supervisor)
    resp = client.post(review_url(case), {"concern": str(concern.pk), "outcome_note": " "})
    assert resp.status_code == 400
    assert "Say what was decided" in resp.content.decode()
    concern.refresh_from_db()
    assert concern.reviewed_at is None


def test_a_closed_concern_cannot_be_closed_again(concern, supervisor):
    actions.close_safeguarding_concern(concern, outcome_note="Seen.", keep_flag=True, by=supervisor)
    with pytest.raises(Conflict, match="already reviewed"):
        actions.close_safeguarding_concern(
            concern, outcome_note="Again.", keep_flag=True, by=supervisor
        )


def test_a_link_worker_sees_the_concern_but_cannot_close_it(client, case, concern, worker):
    client.force_login(worker)
    page = client.get(review_url(case)).content.decode()
    assert "Says someone physically hurts them" in page and "Close this concern" not in page
    resp = client.post(review_url(case), {"concern": str(concern.pk), "outcome_note": "Fine."})
    assert resp.status_code == 403
    with pytest.raises(DomainError):
        actions.close_safeguarding_concern(concern, outcome_note="Fine.", keep_flag=True, by=worker)


def test_a_worker_in_another_area_gets_404(client, case, concern, stranger):
    client.force_login(stranger)
    assert client.get(review_url(case)).status_code == 404
    assert client.post(review_url(case), {"concern": str(concern.pk)}).status_code == 404


def test_the_case_page_shows_the_open_concern(client, case, concern, worker):
    client.force_login(worker)
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Safeguarding concern raised" in body and review_url(case) in body
