"""Which answers are a safety disclosure is data in the instrument file, checked like the rest
of it, and recording such answers raises a safeguarding concern at once."""

import copy
import datetime as dt

import pytest
from django.utils import timezone
from django.utils.html import escape

from casework.models import SafeguardingConcern
from casework.tests.factories import CaseFactory
from outcomes import actions
from outcomes.instruments import get_instrument, validate_definition
from outcomes.scoring import disclosures
from people.models import Consent, Person
from people.tests.factories import ConsentFactory

NEVER = 1
FREQUENTLY = 5


def hrsn_answers(**safety):
    answers = {
        "safety_hurt": NEVER,
        "safety_insult": NEVER,
        "safety_threaten": NEVER,
        "safety_scream": NEVER,
        "lonely": 4,
    }
    return answers | safety


def test_being_physically_hurt_frequently_is_a_disclosure_though_the_screen_is_negative():
    hrsn = get_instrument("hrsn")
    assert disclosures(hrsn, hrsn_answers(safety_hurt=FREQUENTLY)) == ["physical_harm"]


def test_a_high_safety_score_is_a_disclosure_of_its_own():
    hrsn = get_instrument("hrsn")
    answers = hrsn_answers(safety_insult=5, safety_scream=5, safety_threaten=2)
    assert disclosures(hrsn, answers) == ["threatened", "safety_screen_positive"]


def test_no_harm_reported_is_no_disclosure():
    assert disclosures(get_instrument("hrsn"), hrsn_answers()) == []
    assert disclosures(get_instrument("swemwbs"), [3, 3, 3, 3, 3, 3, 3]) == []


def test_a_disclosure_rule_naming_an_unknown_question_or_answer_is_reported():
    definition = copy.deepcopy(get_instrument("hrsn").definition)
    definition["disclosures"].append(
        {"code": "odd", "label": "Odd", "answers": {"safety_kick": [2], "safety_hurt": [9]}}
    )
    problems = " ".join(validate_definition(definition))
    assert "safety_kick" in problems and "9" in problems


@pytest.fixture
def case(worker):
    case = CaseFactory(
        link_worker=worker,
        referral__person__team=worker.team,
        referral__person__given_name="Mary",
        referral__received_at=timezone.now() - dt.timedelta(days=30),
    )
    case.conversations.create(
        area=case.area,
        held_on=timezone.localdate() - dt.timedelta(days=20),
        what_matters="Feeling safe at home",
        recorded_by=worker,
    )
    return case


def screen_form(**safety):
    data = {"measure-instrument": "hrsn", "measure-timepoint": "baseline"}
    return data | {k: str(v) for k, v in hrsn_answers(**safety).items()}


def test_a_disclosure_on_the_screen_raises_a_concern_the_worker_and_supervisor_see_at_once(
    client, case, worker, supervisor
):
    client.force_login(worker)
    resp = client.post(
        f"/outcomes/cases/{case.pk}/record/", screen_form(safety_hurt=FREQUENTLY), follow=True
    )
    assert "Safeguarding concern raised" in resp.content.decode()
    concern = SafeguardingConcern.objects.get()
    assert concern.case == case and concern.person == case.person
    assert concern.reasons == ["physical_harm"] and concern.entered_by == worker
    assert concern.reviewed_at is None
    assert Person.objects.get(pk=case.person_id).safeguarding_flag

    home = client.get("/").content.decode()
    assert "Safeguarding concerns" in home and "Says someone physically hurts them" in home
    assert f"/cases/{case.pk}/safeguarding/" in home

    client.force_login(supervisor)
    home = client.get("/").content.decode()
    assert "Safeguarding concerns to review" in home
    assert escape(case.person.full_name) in home
    assert f"Raised by socialrx on answers entered by {escape(str(worker))}" in home


def test_a_disclosure_on_a_one_time_link_says_the_person_answered_it(
    client, case, worker, supervisor
):
    ConsentFactory(person=case.person, kind=Consent.Kind.EMAIL)
    _, url = actions.create_one_time_link(
        case, instrument_id="hrsn", timepoint="baseline", channel="email", by=worker
    )
    path = "/" + url.split("/", 3)[3]
    answers = {k: str(v) for k, v in hrsn_answers(safety_hurt=FREQUENTLY).items()}
    assert client.post(path, answers).status_code == 200
    concern = SafeguardingConcern.objects.get()
    assert concern.entered_by is None
    client.force_login(supervisor)
    assert "the person, on their one-time link" in client.get("/").content.decode()


def test_answers_without_a_disclosure_raise_nothing(client, case, worker):
    client.force_login(worker)
    client.post(f"/outcomes/cases/{case.pk}/record/", screen_form())
    assert not SafeguardingConcern.objects.exists()
    assert not Person.objects.get(pk=case.person_id).safeguarding_flag


def test_the_api_says_which_disclosures_raised_a_concern(api_client, case, worker):
    resp = api_client(worker).post(
        f"/api/v1/cases/{case.pk}/responses",
        {"instrument": "hrsn", "answers": hrsn_answers(safety_hurt=3), "timepoint": "baseline"},
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["safeguarding"] == ["physical_harm"]
    assert SafeguardingConcern.objects.get().reasons == ["physical_harm"]
