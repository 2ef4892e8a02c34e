"""The evaluation beside the outcome measures: whether gains last months after discharge,
how people and referrers rated the service, and change by equity group; on the page and in
`manage.py evaluate --json`, with groups under five suppressed."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from casework.tests.factories import CaseFactory
from insight.experience_summary import wilson
from outcomes.models import ReferrerFeedback, Response
from places.models import Deprivation, Postcode

URL = reverse("insight:evaluation")


def _respond(case, instrument, score, day, timepoint):
    Response.objects.create(
        area=case.area,
        person=case.person,
        case=case,
        instrument=instrument,
        instrument_version="1",
        answers={},
        score=score,
        timepoint=timepoint,
        via="link_worker",
        completed_at=timezone.now() - dt.timedelta(days=200 - day),
    )


def followed_up_case(team, *, gain, since, ethnic="A", postcode="TN23 1AA", conditions=2):
    """SWEMWBS 20 at baseline, 20+gain at discharge (day 40), 20+gain+since three months
    after discharge (day 130)."""
    case = CaseFactory(
        referral__team=team,
        referral__person__team=team,
        referral__person__ethnic_category=ethnic,
        referral__person__postcode=postcode,
        referral__person__long_term_conditions=conditions,
    )
    _respond(case, "swemwbs", 20.0, 0, "baseline")
    _respond(case, "swemwbs", 20.0 + gain, 40, "discharge")
    _respond(case, "swemwbs", 20.0 + gain + since, 130, "post_discharge")
    return case


def _evaluate():
    out = io.StringIO()
    call_command("evaluate", "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def deprived_postcode(db):
    Postcode.objects.create(
        postcode="TN23 1AA", outward="TN23", latitude=51.14, longitude=0.87, lsoa11="E01024001"
    )
    Deprivation.objects.create(lsoa="E01024001", census=2011, imd_decile=2)


@pytest.fixture
def followed_up(team, deprived_postcode):
    """Six White people, most deprived quintile, 2+ conditions: gained 4 by discharge and
    kept 3 of it (since discharge −1, varying ±1). Two Asian people from an unknown
    postcode: too few to show."""
    for since in (-2, -1, -1, -1, 0, -1):
        followed_up_case(team, gain=4.0, since=float(since))
    for _ in range(2):
        followed_up_case(team, gain=1.0, since=0.0, ethnic="H", postcode="ZZ1 1ZZ", conditions=0)


def test_gains_months_after_discharge_with_intervals(followed_up):
    section = _evaluate()["post_discharge"]
    (swemwbs,) = section["measures"]
    assert swemwbs["instrument"] == "swemwbs" and swemwbs["score"] == "metric"
    assert swemwbs["pairs"] == 8
    # Six changes of 2, 3, 3, 3, 4, 3 and two of 1: mean 20/8.
    assert swemwbs["change"]["mean"] == 2.5
    low, high = swemwbs["change"]["ci95"]
    assert low < 2.5 < high and swemwbs["change"]["effect_size"] > 0
    assert swemwbs["at_discharge"] == {
        "pairs": 8,
        "change": swemwbs["at_discharge"]["change"],
    }
    assert swemwbs["at_discharge"]["change"]["mean"] == 3.25
    since = swemwbs["since_discharge"]["change"]
    assert since["mean"] == -0.75 and since["ci95"][0] < -0.75 < since["ci95"][1]
    assert section["people_who_answered"] == 8


def test_gains_after_discharge_are_suppressed_under_five(team):
    for _ in range(4):
        followed_up_case(team, gain=4.0, since=-1.0)
    (swemwbs,) = _evaluate()["post_discharge"]["measures"]
    assert swemwbs["pairs"] == "<5" and swemwbs["change"] is None
    assert swemwbs["at_discharge"]["change"] is None
    assert swemwbs["since_discharge"] == {"pairs": "<5", "change": None}


def test_change_by_equity_group_in_json_suppressed_under_five(followed_up):
    (measure,) = _evaluate()["measures"]
    groups = measure["subgroups"]
    ethnicity = {g["group"]: g for g in groups["ethnicity"]}
    assert ethnicity["White"]["pairs"] == 6 and ethnicity["White"]["change"]["mean"] == 3.0
    assert ethnicity["Asian or Asian British"] == {
        "group": "Asian or Asian British",
        "pairs": "<5",
        "change": None,
    }
    deprivation = {g["group"]: g for g in groups["deprivation"]}
    assert deprivation["1 (most deprived)"]["pairs"] == 6
    assert deprivation["Not known"] == {"group": "Not known", "pairs": "<5", "change": None}
    conditions = {g["group"]: g for g in groups["long_term_conditions"]}
    assert conditions["2 or more"]["pairs"] == 6 and conditions["None"]["change"] is None


def _experience(case, answers):
    _respond(case, "experience", dict(zip(EXPERIENCE_ITEMS, answers, strict=True)), 40, "discharge")


EXPERIENCE_ITEMS = ("overall", "listened", "plan", "activities", "next_time")


def test_experience_shares_with_wilson_intervals_and_suppression(team, referrer):
    cases = [CaseFactory(referral__team=team, referral__person__team=team) for _ in range(6)]
    # Overall: very good ×2, good ×2, poor, don't know (not counted): 4 of 5 positive.
    for case, overall in zip(cases, (1, 1, 2, 2, 4, 6), strict=True):
        _experience(case, [overall, 1, 2, 3, 5])
    for case in cases[:3]:
        ReferrerFeedback.objects.create(
            area=case.area,
            referral=case.referral,
            answers={"overall": 1},
            version="1",
            given_by=referrer,
            given_at=timezone.now(),
        )
    experience = _evaluate()["experience"]
    people = {q["question"]: q for q in experience["people"]["questions"]}
    overall = people["overall"]
    assert overall["answered"] == 5 and overall["positive_percent"] == 80.0
    assert overall["positive"] == "<5" and overall["negative"] == "<5"
    low, high = wilson(4, 5)
    assert overall["ci95"] == [round(100 * low, 1), round(100 * high, 1)]
    assert people["listened"]["positive"] == 6 and people["listened"]["positive_percent"] == 100.0
    assert people["next_time"]["negative"] == 6 and people["next_time"]["positive"] == 0
    referrers = experience["referrers"]
    assert referrers["responses"] == "<5"
    assert all(q["positive_percent"] is None for q in referrers["questions"])
    assert referrers["questions"][0]["answered"] == "<5"


def test_wilson_interval_matches_the_published_formula():
    low, high = wilson(8, 10)
    assert round(low, 4) == 0.4902 and round(high, 4) == 0.9433
    assert wilson(0, 5)[0] == 0.0 and wilson(5, 5)[1] == 1.0


def test_the_page_shows_gains_experience_and_equity_groups(client, supervisor, followed_up):
    client.force_login(supervisor)
    response = client.get(URL)
    body = response.content.decode()
    assert "Do gains last? Measured months after discharge" in body
    assert "Months after discharge, people&#x27;s wellbeing (SWEMWBS) was 2.5 points higher" in body
    assert "End of support to months after discharge" in body
    assert "Experience of the service" in body and "Not shown: fewer than 5 answered" in body
    assert "Wellbeing (SWEMWBS) by ethnic group" in body
    assert "Wellbeing (SWEMWBS) by deprivation of where they live (imd quintile)" in body
    shown = response.context["result"]["post_discharge"]["measures"][0]
    assert shown["pairs"] == _evaluate()["post_discharge"]["measures"][0]["pairs"] == 8
