"""Each soft signal, how they add up, honest explanations, and diversity."""

import datetime as dt

import pytest

from matching import scoring
from matching.documents import Need
from matching.tests.builders import ASHFORD, TODAY, make_doc, make_profile


def score(doc=None, profile=None, **kw):
    profile = profile or make_profile("walking")
    args = {"today": TODAY, "need_index": 0, "cosine": 0.5, "bm25": 0.5, "matched_words": ["walk"]}
    args |= {"km": 1.0}
    args |= kw
    return scoring.score_service(doc or make_doc(), profile, **args)


def signal(item, name):
    return next((s for s in item.signals if s.name == name), None)


def test_semantic_signal_rises_with_cosine_and_names_the_need():
    low, high = scoring.semantic_signal(0.3, "“x”"), scoring.semantic_signal(0.5, "“x”")
    assert 0 < low.value < high.value <= 1
    assert scoring.semantic_signal(scoring.SEMANTIC_FLOOR - 0.05, "n").value == 0
    assert scoring.semantic_signal(scoring.SEMANTIC_CEILING, "n").value == 1
    assert high.text == "matches “x”"


def test_lexical_signal_quotes_the_matched_words():
    s = scoring.lexical_signal(0.8, ["walking", "park"])
    assert s.value == 0.8
    assert s.text == "mentions “walking”, “park”"


def test_without_the_model_the_lexical_signal_carries_all_the_text_weight():
    alone = scoring.lexical_signal(1.0, ["walk"], alone=True)
    assert alone.contribution == pytest.approx(
        scoring.WEIGHTS["lexical"] + scoring.WEIGHTS["semantic"]
    )


def test_distance_decays_and_decays_faster_when_travel_is_hard():
    doc, profile = make_doc(), make_profile()
    near = scoring.distance_signal(0.5, doc, profile)
    far = scoring.distance_signal(8.0, doc, profile)
    assert near.value > far.value
    assert near.text == "under 1 km away"
    assert far.text == "8.0 km away"
    harder = scoring.distance_signal(8.0, doc, make_profile(transport_barrier=True))
    assert harder.value < far.value


def test_remote_services_get_a_no_travel_signal_unless_the_person_wants_in_person():
    doc = make_doc(points=(), remote=True)
    assert scoring.distance_signal(None, doc, make_profile()).text.startswith("by phone or online")
    assert scoring.distance_signal(None, doc, make_profile(mode="in_person")) is None


def test_schedule_overlap_names_the_shared_times():
    doc = make_doc(schedule=frozenset({("tue", "morning"), ("fri", "evening")}))
    free = make_profile(free_slots=frozenset({("tue", "morning"), ("wed", "morning")}))
    s, caveat = scoring.schedule_signal(doc, free)
    assert s.value == 1 and caveat is None
    assert s.text == "meets Tuesday mornings, when you are free"
    busy = make_profile(free_slots=frozenset({("mon", "morning")}))
    s, caveat = scoring.schedule_signal(doc, busy)
    assert s.value == 0 and caveat == "meets only at times the person is not free"
    assert scoring.schedule_signal(make_doc(), free) == (None, None)


def test_cost_signal_rewards_free_and_warns_about_fees_when_cost_is_a_barrier():
    assert scoring.cost_signal(make_doc(free=True), make_profile())[0].text == "free"
    paid, caveat = scoring.cost_signal(make_doc(free=False), make_profile(cost_barrier=True))
    assert paid.value == 0 and caveat == "charges a fee"
    assert scoring.cost_signal(make_doc(free=False), make_profile())[1] is None
    assert scoring.cost_signal(make_doc(free=None), make_profile()) == (None, None)


def test_access_fit_is_the_share_of_needs_met_and_names_what_is_missing():
    doc = make_doc(accessibility=frozenset({"step_free"}), languages=frozenset({"polish"}))
    profile = make_profile(
        access_needs=frozenset({"step_free", "hearing_loop"}), languages=frozenset({"polish"})
    )
    s, caveats = scoring.access_signal(doc, profile)
    assert s.value == pytest.approx(2 / 3)
    assert s.text == "step-free access; in Polish"
    assert caveats == ["a hearing loop not listed"]
    assert scoring.access_signal(doc, make_profile()) == (None, [])


def test_group_or_one_to_one_preference_counts_when_the_service_says():
    doc = make_doc(setting="group")
    assert scoring.access_signal(doc, make_profile(setting="group"))[0].value == 1
    assert scoring.access_signal(doc, make_profile(setting="one_to_one"))[0].value == 0


def test_freshness_is_high_when_recently_checked_and_warns_when_old():
    recent = make_doc(last_verified_at=dt.datetime(2025, 5, 20, tzinfo=dt.UTC))
    s, caveat = scoring.freshness_signal(recent, TODAY)
    assert s.value == 1 and caveat is None
    old = make_doc(last_verified_at=dt.datetime(2024, 8, 20, tzinfo=dt.UTC))
    s, caveat = scoring.freshness_signal(old, TODAY)
    assert s.value < 0.5 and caveat == "details last checked 9 months ago"
    assert scoring.freshness_signal(make_doc(last_verified_at=None), TODAY) == (
        None,
        "details not yet verified",
    )


def test_completion_needs_a_few_cases_and_is_smoothed():
    assert scoring.completion_signal(2, 2) is None
    s = scoring.completion_signal(3, 3)
    assert s.value == pytest.approx(0.8)
    assert s.text == "3 of 3 people connected completed it"


def test_a_waiting_list_costs_a_little_and_is_said():
    open_, waiting = score(), score(make_doc(capacity="waiting_list"))
    assert open_.score - waiting.score == pytest.approx(scoring.WAITING_LIST_PENALTY, abs=1e-6)
    assert waiting.caveats[0] == "has a waiting list"


def test_score_is_the_sum_of_contributions_less_penalties():
    item = score(make_doc(free=True, capacity="waiting_list"))
    total = sum(scoring.WEIGHTS[s.name] * s.value for s in item.signals)
    assert item.score == pytest.approx(total - scoring.WAITING_LIST_PENALTY)


def test_explanation_names_exactly_the_signals_that_ranked_the_item():
    item = score(make_doc(free=True), bm25=0.01, km=30.0)
    named = {s.name for s in item.explained()}
    assert named == {s.name for s in item.signals if s.contribution >= scoring.EXPLAIN_AT}
    text = item.explanation()
    for s in item.signals:
        if s.name in named:
            assert s.text in text.lower() or s.text[0].upper() + s.text[1:] in text
    # a tiny BM25 match and a far distance did not rank it, so they are not claimed
    assert "lexical" not in named and "distance" not in named
    assert "mentions" not in text and "km away" not in text


def test_removing_a_named_signal_lowers_the_score_by_its_contribution():
    item = score(make_doc(free=True))
    for s in item.explained():
        without = sum(x.contribution for x in item.signals if x is not s) - item.penalty
        assert item.score - without == pytest.approx(s.contribution)
        assert s.contribution >= scoring.EXPLAIN_AT


def _scored(name, value, need):
    profile = make_profile("walking", "debt")
    return score(make_doc(name=name), profile, need_index=need, cosine=value, bm25=0.0)


def test_diversify_holds_back_near_copies():
    items = [_scored("walk A", 0.6, 0), _scored("walk B", 0.59, 0), _scored("choir", 0.58, 0)]
    sim = [[1, 0.95, 0.2], [0.95, 1, 0.2], [0.2, 0.2, 1]]
    picked = scoring.diversify(items, 2, sim)
    assert [p.doc.name for p in picked] == ["walk A", "choir"]


def test_diversify_covers_each_need_before_a_second_of_the_same():
    items = [_scored("walk A", 0.6, 0), _scored("walk B", 0.58, 0), _scored("debt advice", 0.57, 1)]
    picked = scoring.diversify(items, 2, None, ["“walking”", "“debt”"])
    assert [p.doc.name for p in picked] == ["walk A", "debt advice"]
    assert picked[1].picked_for_need == "“debt”"
    assert "the best match for “debt”" in picked[1].explanation()


def test_profile_needs_carry_their_labels_into_the_explanation():
    profile = make_profile(needs=(Need("gardening", "your interest in gardening"),))
    item = score(profile=profile, cosine=0.6, km=0.5, doc=make_doc(points=(ASHFORD,)))
    assert item.explanation().startswith("Matches your interest in gardening")
