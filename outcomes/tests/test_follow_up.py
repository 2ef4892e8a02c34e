"""The follow-up some months after discharge: scheduled by the team's delay, sent on a
one-time link only with consent to contact, single use and expiring, and listed for the
link worker when it cannot be sent."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import Event
from casework.actions import discharge_case
from casework.tests.factories import CaseFactory
from outcomes import actions, schedule
from outcomes.follow_up import JOB
from outcomes.models import OneTimeLink, Response, TeamFollowUp
from outcomes.sms import MemorySMSBackend
from people.models import Consent
from people.tests.factories import ConsentFactory

TODAY = timezone.localdate()


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def discharged_case(worker, *, discharged_on: dt.date, instruments=("swemwbs", "ucla3", "hrsn")):
    """A case measured at baseline (and at discharge) and discharged on `discharged_on`."""
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    answers = {"swemwbs": [3, 3, 3, 3, 3, 3, 3], "ucla3": [2, 2, 2], "hrsn": None}
    for instrument in instruments:
        if instrument == "hrsn":
            continue
        actions.record_response(
            case,
            instrument_id=instrument,
            answers=answers[instrument],
            timepoint="baseline",
            by=worker,
            via="link_worker",
            completed_at=_at(discharged_on - dt.timedelta(days=90)),
        )
    discharge_case(case, reason="goals_met", by=worker, at=_at(discharged_on))
    case.refresh_from_db()
    return case


def send(day: dt.date) -> str:
    out = io.StringIO()
    call_command("send_follow_up_links", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


def token_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


# --- When it is due (pure) -----------------------------------------------------------------


def test_months_after_discharge_keep_the_day_or_the_months_last_day():
    assert schedule.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert schedule.add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert schedule.add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert schedule.post_discharge_due_on(dt.date(2026, 3, 10), 3) == dt.date(2026, 6, 10)
    assert schedule.post_discharge_due_on(dt.date(2026, 3, 10), 0) is None
    assert schedule.post_discharge_due_on(None, 3) is None


def test_a_follow_up_is_asked_for_only_within_its_window():
    due = dt.date(2026, 6, 10)
    assert schedule.still_sendable(due, due)
    assert schedule.still_sendable(due, due + dt.timedelta(days=27))
    assert not schedule.still_sendable(due, due + dt.timedelta(days=28))


# --- Sending -------------------------------------------------------------------------------


@pytest.fixture
def sms_outbox():
    MemorySMSBackend.outbox.clear()
    yield MemorySMSBackend.outbox
    MemorySMSBackend.outbox.clear()


def test_the_baseline_measures_go_by_text_three_months_after_discharge_once(
    worker, sms_outbox, django_capture_on_commit_callbacks
):
    discharged_on = schedule.add_months(TODAY, -3)
    case = discharged_case(worker, discharged_on=discharged_on)
    ConsentFactory(person=case.person, kind=Consent.Kind.SMS)

    with django_capture_on_commit_callbacks(execute=True):
        assert "Sent 0 link(s)" in send(TODAY - dt.timedelta(days=1))  # not due yet
        assert "Sent 2 link(s) to 1 people" in send(TODAY)

    links = OneTimeLink.objects.filter(case=case).order_by("instrument")
    assert [(link.instrument, link.timepoint, link.channel) for link in links] == [
        ("swemwbs", "post_discharge", "sms"),
        ("ucla3", "post_discharge", "sms"),
    ]  # the same instruments as at baseline; never the needs screen
    assert all(link.created_by is None for link in links)
    assert len(sms_outbox) == 2
    to, body = sms_outbox[0]
    assert to == case.person.phone and "few months since you finished" in body
    events = Event.objects.filter(record_type="outcomes.OneTimeLink", verb="create")
    assert {e.actor_label for e in events} == {JOB}
    assert all(e.detail["timepoint"] == "post_discharge" for e in events)

    with django_capture_on_commit_callbacks(execute=True):
        assert "Sent 0 link(s)" in send(TODAY + dt.timedelta(days=1))
    assert OneTimeLink.objects.filter(case=case).count() == 2 and len(sms_outbox) == 2


def test_email_is_used_when_the_person_agreed_to_email_only(
    worker, django_capture_on_commit_callbacks
):
    case = discharged_case(worker, discharged_on=schedule.add_months(TODAY, -3))
    ConsentFactory(person=case.person, kind=Consent.Kind.EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        send(TODAY)
    assert set(OneTimeLink.objects.values_list("channel", flat=True)) == {"email"}
    assert len(mail.outbox) == 2 and mail.outbox[0].to == [case.person.email]


def test_no_link_without_consent_to_contact_and_the_worker_sees_it_due(client, worker):
    case = discharged_case(worker, discharged_on=schedule.add_months(TODAY, -3))
    # Consent to text messages, later withdrawn: the latest decision wins.
    ConsentFactory(person=case.person, kind=Consent.Kind.SMS)
    ConsentFactory(
        person=case.person,
        kind=Consent.Kind.SMS,
        given=False,
        recorded_at=timezone.now() + dt.timedelta(seconds=1),
    )
    assert "1 due but not agreed to be contacted" in send(TODAY)
    assert not OneTimeLink.objects.exists()

    client.force_login(worker)
    body = client.get("/outcomes/due/?when=week").content.decode()
    row = body.split(f'href="/outcomes/cases/{case.pk}/"', 1)[1].split("</tr>", 1)[0]
    assert "Months after discharge" in row and "SWEMWBS, UCLA3" in row


def test_a_teams_own_delay_and_none_at_all(worker, sms_outbox, django_capture_on_commit_callbacks):
    three = discharged_case(worker, discharged_on=schedule.add_months(TODAY, -3))
    ConsentFactory(person=three.person, kind=Consent.Kind.SMS)
    setting = TeamFollowUp.objects.create(team=worker.team, months_after_discharge=6)
    with django_capture_on_commit_callbacks(execute=True):
        assert "Sent 0 link(s)" in send(TODAY)
        assert "Sent 2 link(s)" in send(schedule.add_months(TODAY, 3))
    OneTimeLink.objects.all().delete()
    setting.months_after_discharge = 0
    setting.save()
    assert "Sent 0 link(s)" in send(schedule.add_months(TODAY, 3))


def test_a_discharge_long_past_is_never_followed_up(worker):
    """An imported history must not text people about a service they left years ago."""
    case = discharged_case(worker, discharged_on=schedule.add_months(TODAY, -3) - dt.timedelta(40))
    ConsentFactory(person=case.person, kind=Consent.Kind.SMS)
    assert "Sent 0 link(s)" in send(TODAY)
    assert not OneTimeLink.objects.exists()


def test_a_case_with_no_measures_owes_no_follow_up(worker):
    case = discharged_case(worker, discharged_on=schedule.add_months(TODAY, -3), instruments=())
    ConsentFactory(person=case.person, kind=Consent.Kind.SMS)
    assert "Sent 0 link(s) to 0 people; 0 due" in send(TODAY)


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError, match="not a date"):
        call_command("send_follow_up_links", "--date", "31/12/2026")


# --- Answering -----------------------------------------------------------------------------


def _url_in(body: str) -> str:
    return next(word for word in body.split() if "/outcomes/r/" in word)


def test_the_follow_up_link_is_answered_once_then_refused(
    client, worker, sms_outbox, django_capture_on_commit_callbacks
):
    case = discharged_case(worker, discharged_on=schedule.add_months(TODAY, -3))
    ConsentFactory(person=case.person, kind=Consent.Kind.SMS)
    with django_capture_on_commit_callbacks(execute=True):
        send(TODAY)
    urls = [_url_in(body) for _, body in sms_outbox]
    ucla = next(u for u in urls if client.get(u).context["instrument"].id == "ucla3")
    path = "/outcomes/r/" + token_of(ucla) + "/"

    page = client.get(path)
    assert page.status_code == 200 and case.person.given_name in page.content.decode()
    answered = client.post(path, {"companionship": "1", "left_out": "1", "isolated": "2"})
    assert answered.status_code == 200 and "Thank you" in answered.content.decode()
    response = Response.objects.get(case=case, timepoint="post_discharge")
    assert response.instrument == "ucla3" and response.raw == 4
    assert response.via == "one_time_link"

    again = client.post(path, {"companionship": "3", "left_out": "3", "isolated": "3"})
    assert again.status_code == 410
    assert Response.objects.filter(case=case, timepoint="post_discharge").count() == 1


def test_the_follow_up_link_expires(client, worker, sms_outbox, django_capture_on_commit_callbacks):
    case = discharged_case(worker, discharged_on=schedule.add_months(TODAY, -3))
    ConsentFactory(person=case.person, kind=Consent.Kind.SMS)
    with django_capture_on_commit_callbacks(execute=True):
        send(TODAY)
    OneTimeLink.objects.filter(case=case).update(expires_at=timezone.now() - dt.timedelta(1))
    path = "/outcomes/r/" + token_of(_url_in(sms_outbox[0][1])) + "/"
    assert client.get(path).status_code == 410
    assert client.post(path, {"companionship": "1"}).status_code == 410
    assert not Response.objects.filter(timepoint="post_discharge").exists()


def test_the_case_page_shows_the_follow_up_and_the_due_list_drops_it_once_answered(client, worker):
    case = discharged_case(worker, discharged_on=schedule.add_months(TODAY, -3))
    case.conversations.create(
        area=case.area,
        held_on=TODAY - dt.timedelta(days=200),
        what_matters="Getting out more",
        recorded_by=worker,
    )
    client.force_login(worker)
    page = client.get(f"/outcomes/cases/{case.pk}/")
    points = [(p.timepoint, p.instrument) for p, _ in page.context["due"]]
    assert ("post_discharge", "swemwbs") in points and ("post_discharge", "ucla3") in points
    for instrument, answers in (("swemwbs", [4] * 7), ("ucla3", [1, 1, 1])):
        actions.record_response(
            case,
            instrument_id=instrument,
            answers=answers,
            timepoint="post_discharge",
            by=worker,
            via="link_worker",
        )
    assert (
        f"/outcomes/cases/{case.pk}/" not in client.get("/outcomes/due/?when=week").content.decode()
    )
    assert "Sent 0 link(s) to 0 people; 0 due" in send(TODAY)
