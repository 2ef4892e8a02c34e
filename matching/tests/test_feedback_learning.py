"""Feedback that learns (issue #17): a team's repeated "not what they want" for a kind of
need sinks that service for that need, by a bounded amount, and never admits a service."""

import pytest

from casework.tests.factories import CaseFactory
from matching import scoring
from matching.documents import Need
from matching.engine import suggest
from matching.index import MatchingIndex
from matching.models import SuggestionFeedback
from matching.profiles import profile_for_case
from matching.queries import not_wanted_by_team
from matching.tests.builders import TODAY, make_doc, make_profile
from matching.tests.factories import SuggestionFeedbackFactory
from referrals.reasons import Reason

LONELY = Reason.LONELINESS.value
WALKS = make_doc(name="Befriending walks", description="Befriending walks for lonely people")
CALLS = make_doc(name="Befriending calls", description="Befriending phone calls every week")
BIKES = make_doc(name="Bike repair", description="Fix your bicycle with our mechanics", free=True)
INDEX = MatchingIndex.build([(d, None) for d in (WALKS, CALLS, BIKES)])


def ranked(not_wanted=frozenset(), kind=LONELY):
    profile = make_profile(
        needs=(Need(text="befriending", label="the referral for loneliness", kind=kind),),
        not_wanted=frozenset(not_wanted),
    )
    return suggest(INDEX, profile, today=TODAY).results


def names(results):
    return [r.doc.name for r in results]


def test_a_service_marked_not_wanted_repeatedly_sinks_for_that_kind_of_need():
    assert names(ranked())[0] == "Befriending walks"
    sunk = ranked({(WALKS.id, LONELY, 3)})
    assert names(sunk) == ["Befriending calls", "Befriending walks"]
    assert "not what they want" in sunk[1].explanation()


def test_once_is_not_repeatedly_and_another_kind_of_need_is_not_affected():
    assert names(ranked({(WALKS.id, LONELY, 1)}))[0] == "Befriending walks"
    assert names(ranked({(WALKS.id, Reason.MONEY.value, 5)}))[0] == "Befriending walks"
    assert names(ranked({(WALKS.id, LONELY, 5)}, kind=""))[0] == "Befriending walks"


def test_the_sink_is_bounded():
    before = {r.doc.name: r.score for r in ranked()}
    after = {r.doc.name: r.score for r in ranked({(WALKS.id, LONELY, 50)})}
    drop = before["Befriending walks"] - after["Befriending walks"]
    assert drop == pytest.approx(scoring.FEEDBACK_SINK)
    assert scoring.feedback_sink(10_000) == scoring.FEEDBACK_SINK
    assert scoring.feedback_sink(1) == 0.0


def test_feedback_cannot_push_an_irrelevant_service_up():
    everything_marked = {(d.id, LONELY, 20) for d in (WALKS, CALLS)}
    found = names(ranked(everything_marked))
    assert "Bike repair" not in found
    assert set(found) == {"Befriending walks", "Befriending calls"}


@pytest.mark.django_db
def test_the_counts_are_the_teams_own_and_only_not_what_they_want():
    case = CaseFactory()
    service = SuggestionFeedbackFactory(
        case=case, reason=SuggestionFeedback.Reason.NOT_WHAT_THEY_WANT
    ).service
    same_team = CaseFactory(referral__person__team=case.team)
    SuggestionFeedbackFactory(
        case=same_team, service=service, reason=SuggestionFeedback.Reason.NOT_WHAT_THEY_WANT
    )
    SuggestionFeedbackFactory(case=same_team, service=service, reason="too_far")
    SuggestionFeedbackFactory(  # another team's view does not move this team's list
        case=CaseFactory(), service=service, reason=SuggestionFeedback.Reason.NOT_WHAT_THEY_WANT
    )
    counts = not_wanted_by_team(case.area_id, case.team_id, [LONELY])
    assert counts == frozenset({(str(service.pk), LONELY, 2)})
    assert not_wanted_by_team(case.area_id, case.team_id, []) == frozenset()
    assert profile_for_case(case).not_wanted == counts
