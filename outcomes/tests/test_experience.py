"""Experience questions: the person's at discharge (recorded or on a one-time link) and the
referrer's on their referral page once the person is discharged."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from audit.models import Event
from casework.actions import discharge_case
from casework.tests.factories import CaseFactory
from outcomes import actions
from outcomes.experience import record_referrer_feedback, referrer_instrument
from outcomes.instruments import get_instrument
from outcomes.models import ReferrerFeedback, Response
from outcomes.queries import histories_for
from people.models import Consent
from people.tests.factories import ConsentFactory
from socialrx.errors import DomainError

GOOD = {"overall": "1", "kept_informed": "2", "timely": "2", "suited": "6", "refer_again": "1"}


@pytest.fixture
def case(worker, referrer):
    return CaseFactory(
        link_worker=worker, referral__person__team=worker.team, referral__referrer=referrer
    )


def _discharge(case, worker):
    discharge_case(case, reason="goals_met", by=worker)
    case.referral.refresh_from_db()
    return case


def feedback_url(case):
    return reverse("outcomes:referrer_feedback", args=[case.referral_id])


def test_the_question_sets_are_data_with_their_sources():
    person, referrer = get_instrument("experience"), referrer_instrument()
    for instrument in (person, referrer):
        assert len(instrument.items) == 5
        assert "Friends and Family Test" in instrument.source
        assert instrument.items[0].labels[:2] == ("Very good", "Good")
        assert instrument.definition["experience"]["positive"] == [1, 2]
    # The referrer's questions are not among the person's measures.
    from outcomes.forms import instrument_choices

    assert "referrer_experience" not in dict(instrument_choices())


def test_the_referrer_is_asked_on_their_referral_page_once_discharged(
    client, case, worker, referrer
):
    client.force_login(referrer)
    detail = reverse("referrals:detail", args=[case.referral_id])
    assert feedback_url(case) not in client.get(detail).content.decode()
    assert client.get(feedback_url(case)).status_code == 403  # not discharged yet

    _discharge(case, worker)
    assert feedback_url(case) in client.get(detail).content.decode()
    form = client.get(feedback_url(case))
    assert form.status_code == 200
    assert "I would refer someone to this service again." in form.content.decode()

    saved = client.post(feedback_url(case), GOOD)
    assert saved.status_code == 302 and saved["Location"] == detail
    feedback = ReferrerFeedback.objects.get(referral=case.referral)
    assert feedback.answers == {
        "overall": 1,
        "kept_informed": 2,
        "timely": 2,
        "suited": 6,
        "refer_again": 1,
    }
    assert feedback.given_by == referrer and feedback.area_id == case.area_id
    event = Event.objects.get(record_type="outcomes.ReferrerFeedback", verb="create")
    assert event.actor == referrer and "overall" in event.detail["questions"]
    assert "You told us how this referral went" in client.get(detail).content.decode()

    again = client.get(feedback_url(case))
    assert again.status_code == 302
    assert client.post(feedback_url(case), GOOD).status_code == 302
    assert ReferrerFeedback.objects.count() == 1


def test_bad_or_no_answers_are_form_errors_and_nothing_is_saved(client, case, worker, referrer):
    _discharge(case, worker)
    client.force_login(referrer)
    response = client.post(feedback_url(case), dict.fromkeys(GOOD, ""))
    assert response.status_code == 400
    assert "Answer at least one question." in response.content.decode()
    response = client.post(feedback_url(case), {**GOOD, "timely": "9"})
    assert response.status_code == 400 and "Error:" in response.content.decode()
    assert not ReferrerFeedback.objects.exists()
    # A question may be left out; the others are kept.
    assert client.post(feedback_url(case), {**GOOD, "suited": ""}).status_code == 302
    assert "suited" not in ReferrerFeedback.objects.get().answers


def test_only_the_referrer_answers(client, case, worker, supervisor, referrer):
    _discharge(case, worker)
    client.force_login(worker)  # sees the referral, did not make it
    assert client.get(feedback_url(case)).status_code == 403
    other = UserFactory(role="referrer", team=referrer.team)
    client.force_login(other)  # cannot see the referral at all
    assert client.get(feedback_url(case)).status_code == 404
    with pytest.raises(DomainError):
        record_referrer_feedback(case.referral, answers=[1, 1, 1, 1, 1], by=supervisor)
    assert not ReferrerFeedback.objects.exists()


def test_the_person_answers_on_a_one_time_link_at_discharge(
    client, case, worker, django_capture_on_commit_callbacks
):
    ConsentFactory(person=case.person, kind=Consent.Kind.EMAIL)
    client.force_login(worker)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("outcomes:send_link", args=[case.pk]),
            {
                "link-instrument": "experience",
                "link-timepoint": "discharge",
                "link-channel": "email",
            },
        )
    assert sent.status_code == 200
    url = sent.context["new_link"]
    client.logout()
    path = url[url.index("/outcomes/r/") :]
    page = client.get(path)
    assert "My link worker listened to what matters to me." in page.content.decode()
    done = client.post(
        path, {"overall": "2", "listened": "1", "plan": "2", "activities": "4", "next_time": "1"}
    )
    assert done.status_code == 200
    response = Response.objects.get(case=case, instrument="experience")
    assert response.timepoint == "discharge" and response.score["activities"] == 4
    assert client.post(path, {"overall": "1"}).status_code == 410
    # Listed on the case's page, not charted as a change in wellbeing.
    assert histories_for(case) == []


def test_the_link_worker_can_record_it_with_the_person(case, worker):
    response = actions.record_response(
        case,
        instrument_id="experience",
        answers=[1, 1, 2, None, 6],
        timepoint="discharge",
        by=worker,
        via="link_worker",
    )
    assert response.score == {"overall": 1, "listened": 1, "plan": 2, "next_time": 6}
