"""The randomised estimate from trial mode: definitions, a planted effect recovered, nothing
planted holds 0, small numbers suppressed, and the same numbers on the page and in JSON."""

from __future__ import annotations

import datetime as dt
import json
import random
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from casework.tests.factories import CaseFactory
from insight import evaluation, randomised
from outcomes.models import Response
from referrals.models import Referral
from trials import actions
from trials.tests.factories import TrialFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)


# --- Pairing rule (pure) --------------------------------------------------------------------


ALLOCATED = at(dt.date(2026, 1, 5))
WAIT_ENDS = dt.date(2026, 3, 2)  # 8 weeks after 5 January


def pair(rows):
    return randomised.trial_pair(rows, allocated_at=ALLOCATED, wait_ends_on=WAIT_ENDS, min_days=28)


def test_the_follow_up_is_the_response_nearest_the_end_of_the_wait():
    rows = [
        (ALLOCATED, 40.0),
        (at(dt.date(2026, 1, 20)), 99.0),  # under 28 days after the baseline: not a follow-up
        (at(dt.date(2026, 2, 20)), 42.0),  # 10 days before the end of the wait
        (at(dt.date(2026, 3, 5)), 44.0),  # 3 days after: the nearest
        (at(dt.date(2026, 3, 25)), 99.0),  # more than 14 days after the wait: outside
    ]
    assert pair(rows) == (40.0, 44.0)


def test_two_as_near_take_the_later_one():
    rows = [(ALLOCATED, 40.0), (at(dt.date(2026, 2, 27)), 41.0), (at(dt.date(2026, 3, 5)), 45.0)]
    assert pair(rows) == (40.0, 45.0)


def test_no_follow_up_in_the_window_and_a_late_baseline():
    assert pair([(ALLOCATED, 40.0), (at(dt.date(2026, 3, 20)), 50.0)]) is False
    late = ALLOCATED + dt.timedelta(days=15)
    assert pair([(late, 40.0), (at(dt.date(2026, 3, 2)), 50.0)]) is None
    assert pair([]) is None
    # The window's last day is the end of the wait + 14 days, inclusive.
    assert pair([(ALLOCATED, 40.0), (at(dt.date(2026, 3, 16)), 47.0)]) == (40.0, 47.0)


def test_the_estimate_is_suppressed_when_an_arm_is_small():
    result = randomised.estimate([1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 4.0])
    assert result["wait_pairs"] == "<5" and result["now_pairs"] == 5
    assert result["estimate"] is None and result["ci95"] is None
    assert randomised.sentence({"title": "wellbeing", "higher_is_better": True}, result) is None


# --- A generated trial ----------------------------------------------------------------------


def trial_world(team, worker, monkeypatch, *, people=90, gain=0.0, trend=1.5, noise=2.0, seed=1):
    """`people` consenting referrals allocated by the real action (seeded), with SWEMWBS at
    allocation and near the end of the wait: baseline + trend + (gain if allocated to start
    now) + noise, plus responses the definitions must leave out, and two people who declined.
    Returns the number allocated to each arm."""
    source = random.Random(seed)
    monkeypatch.setattr(actions, "random_source", lambda: source)
    rng = np.random.default_rng(seed)
    trial = TrialFactory(team=team, stratify_by=["sex"], delay_weeks=8)
    arms = {"now": 0, "wait": 0}
    for i in range(people + 2):
        case = CaseFactory(
            referral__person__team=team,
            referral__person__sex="female" if i % 3 else "male",
            link_worker=worker,
        )
        if i >= people:  # declined: normal care, measured, but not in the comparison
            actions.record_consent(case, trial=trial, consented=False, by=worker)
            _respond(case, timezone.now(), 30.0)
            _respond(case, at(timezone.localdate() + dt.timedelta(weeks=8)), 60.0)
            continue
        p = actions.record_consent(case, trial=trial, consented=True, by=worker)
        arms[p.arm] += 1
        baseline = float(rng.normal(40, 5))
        follow_up = (
            baseline + trend + (gain if p.arm == "now" else 0.0) + float(rng.normal(0, noise))
        )
        _respond(case, p.recorded_at, baseline)
        _respond(case, p.recorded_at + dt.timedelta(days=14), baseline + 20)  # too soon
        offset = int(rng.integers(-6, 12))
        _respond(case, at(p.wait_ends_on + dt.timedelta(days=offset)), follow_up)
        _respond(case, at(p.wait_ends_on + dt.timedelta(days=60)), baseline - 20)  # too late
    return arms


def _respond(case, completed_at, value):
    Response.objects.create(
        area_id=case.area_id,
        person_id=case.person_id,
        case=case,
        instrument="swemwbs",
        instrument_version="1",
        answers=[],
        score={"metric": round(value, 2)},
        via=Response.Via.LINK_WORKER,
        completed_at=completed_at,
    )


def _swemwbs(result):
    return next(m for m in result["measures"] if m["instrument"] == "swemwbs")


def test_a_planted_gain_for_starting_now_is_recovered(team, worker, monkeypatch):
    arms = trial_world(team, worker, monkeypatch, gain=3.0, trend=1.5)
    result = evaluation.evaluate(Referral.objects.all())
    r = _swemwbs(result)["randomised"]
    assert r["method"] == "randomised_waiting_list"
    assert (r["now_pairs"], r["wait_pairs"]) == (arms["now"], arms["wait"])
    low, high = r["ci95"]
    assert low <= 3.0 <= high
    assert low > 0  # clearly not nothing
    assert r["now_mean"] == pytest.approx(4.5, abs=1.0)  # trend + gain
    assert r["wait_mean"] == pytest.approx(1.5, abs=1.0)  # the trend alone
    assert f"changed by {r['estimate']:.1f} points more than" in r["sentence"]
    assert "which could be no difference" not in r["sentence"]
    assert result["randomised"]["consented"] == 90
    assert result["randomised"]["declined"] == "<5"


def test_with_nothing_planted_the_interval_holds_zero(team, worker, monkeypatch):
    trial_world(team, worker, monkeypatch, gain=0.0, trend=2.0, seed=7)
    r = _swemwbs(evaluation.evaluate(Referral.objects.all()))["randomised"]
    low, high = r["ci95"]
    assert low <= 0 <= high
    assert "which could be no difference at all" in r["sentence"]


def test_small_trials_are_suppressed_everywhere(client, commissioner, team, worker, monkeypatch):
    trial_world(team, worker, monkeypatch, people=6, gain=3.0)
    r = _swemwbs(evaluation.evaluate(Referral.objects.all()))["randomised"]
    assert "<5" in (r["now_pairs"], r["wait_pairs"])
    assert r["estimate"] is None and r["now_mean"] is None and r["wait_mean"] is None
    client.force_login(commissioner)
    page = client.get(reverse("insight:evaluation")).content.decode()
    assert "no randomised estimate is shown" in page


def test_no_trial_leaves_the_evaluation_as_it_was(team, worker):
    case = CaseFactory(referral__person__team=team, link_worker=worker)
    _respond(case, timezone.now() - dt.timedelta(days=60), 40.0)
    _respond(case, timezone.now(), 44.0)
    result = evaluation.evaluate(Referral.objects.all())
    assert result["randomised"] is None
    assert _swemwbs(result)["randomised"] is None


def test_the_page_and_the_json_show_the_same_randomised_estimate(
    client, commissioner, team, worker, monkeypatch
):
    trial_world(team, worker, monkeypatch, gain=3.0)
    out = StringIO()
    call_command("evaluate", "--json", stdout=out)
    from_json = _swemwbs(json.loads(out.getvalue()))["randomised"]
    client.force_login(commissioner)
    page = client.get(reverse("insight:evaluation")).content.decode()
    assert "Randomised waiting-list comparison (trial mode)" in page
    assert from_json["sentence"].replace("'", "&#x27;") in page
    assert f"{from_json['estimate']} ({from_json['ci95'][0]} to {from_json['ci95'][1]})" in page
    assert "sequence" not in out.getvalue() and "stratum" not in out.getvalue()


def test_a_commissioner_of_another_area_does_not_see_the_trial(
    client, team, worker, other_team, monkeypatch
):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    trial_world(team, worker, monkeypatch, people=20, gain=3.0)
    south = UserFactory(username="south_commissioner", role=Role.COMMISSIONER, team=other_team)
    client.force_login(south)
    page = client.get(reverse("insight:evaluation")).content.decode()
    assert "Randomised waiting-list comparison" not in page
