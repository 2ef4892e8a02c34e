import datetime as dt

import pytest
from django.utils import timezone

from casework.tests.factories import CaseFactory
from outcomes import actions
from outcomes.models import Response


@pytest.fixture
def case(worker):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    case.conversations.create(
        area=case.area,
        held_on=timezone.localdate() - dt.timedelta(50),
        what_matters="Singing again",
        recorded_by=worker,
    )
    return case


def test_recording_swemwbs_through_the_page(client, worker, case):
    client.force_login(worker)
    url = f"/outcomes/cases/{case.pk}/record/?measure-instrument=swemwbs&measure-timepoint=baseline"
    assert "I&#x27;ve been feeling useful" in client.get(url).content.decode()
    data = {"measure-instrument": "swemwbs", "measure-timepoint": "baseline"}
    data |= dict(
        zip(
            ["optimistic", "useful", "relaxed", "problems", "clearly", "close", "own_mind"],
            ["3", "4", "2", "5", "3", "3", "4"],
            strict=True,
        )
    )
    resp = client.post(f"/outcomes/cases/{case.pk}/record/", data)
    assert resp.status_code == 302
    assert Response.objects.get().score == 21.54


def test_a_missing_swemwbs_answer_is_shown_on_the_question(client, worker, case):
    client.force_login(worker)
    resp = client.post(
        f"/outcomes/cases/{case.pk}/record/",
        {"measure-instrument": "swemwbs", "measure-timepoint": "baseline", "optimistic": "3"},
    )
    assert resp.status_code == 400
    assert resp.content.decode().count("Answer this question.") >= 6
    assert not Response.objects.exists()


def test_the_outcomes_page_charts_change_since_baseline(client, worker, case):
    for answers, days_ago in (([2, 2, 2, 2, 2, 2, 2], 40), ([4, 4, 4, 4, 4, 4, 4], 1)):
        r = actions.record_response(
            case,
            instrument_id="swemwbs",
            answers=answers,
            timepoint="other",
            by=worker,
            via="link_worker",
        )
        Response.objects.filter(pk=r.pk).update(
            completed_at=timezone.now() - dt.timedelta(days=days_ago)
        )
    client.force_login(worker)
    body = client.get(f"/outcomes/cases/{case.pk}/").content.decode()
    assert "<svg" in body and 'role="img"' in body
    assert "+9.71" in body and "(better)" in body  # raw 14 -> 28: 15.32 -> 25.03


def test_overdue_measures_appear_on_the_link_workers_home(client, worker, case):
    client.force_login(worker)
    body = client.get("/").content.decode()
    assert "Outcome measures due" in body and "SWEMWBS" in body and "Overdue" in body


def test_a_flagged_need_suggests_the_directory(client, worker, case):
    actions.record_response(
        case,
        instrument_id="hrsn",
        answers={"money": 1, "lonely": 5},
        timepoint="baseline",
        by=worker,
        via="link_worker",
    )
    client.force_login(worker)
    body = client.get(f"/outcomes/cases/{case.pk}/").content.decode()
    assert "find debt advice services" in body and "find befriending services" in body


def test_a_used_or_unknown_link_shows_the_gone_page(client, db):
    resp = client.get("/outcomes/r/made-up-token/")
    assert resp.status_code == 410
    assert "This link no longer works" in resp.content.decode()


def test_sending_a_link_from_the_page_needs_consent(client, worker, case):
    client.force_login(worker)
    data = {"link-instrument": "ucla3", "link-timepoint": "week_6", "link-channel": "email"}
    resp = client.post(f"/outcomes/cases/{case.pk}/link/", data)
    assert resp.status_code == 400
    assert "has not agreed to email" in resp.content.decode()
    from people.models import Consent
    from people.tests.factories import ConsentFactory

    ConsentFactory(person=case.person, kind=Consent.Kind.EMAIL)
    resp = client.post(f"/outcomes/cases/{case.pk}/link/", data)
    assert resp.status_code == 200 and "Link sent." in resp.content.decode()


def test_healthcare_use_is_compared_six_months_either_side_of_referral(client, worker, case):
    from outcomes.models import HealthcareUse

    referred = case.referral.received_at.date()
    for days, kind in (
        (-30, "gp_appointment"),
        (-100, "gp_appointment"),
        (-400, "gp_appointment"),
        (-10, "ae_attendance"),
        (20, "gp_appointment"),
    ):
        HealthcareUse.objects.create(
            area=case.area,
            person=case.person,
            kind=kind,
            occurred_on=referred + dt.timedelta(days=days),
        )
    from outcomes.queries import healthcare_use_around_referral

    rows = {r["label"]: (r["before"], r["after"]) for r in healthcare_use_around_referral(case)}
    assert rows["GP appointment"] == (2, 1)
    assert rows["A&E attendance"] == (1, 0)
    assert rows["Emergency admission"] == (0, 0)
