"""Scoring reproduces the published rules (sources are cited in each instrument file)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes.instruments import all_instruments, get_instrument, validate_definition
from outcomes.scoring import ScoringError, score, score_range

# Warwick Medical School's SWEMWBS raw-to-metric conversion table, entry for entry.
SWEMWBS_TABLE = {
    7: 7.00,
    8: 9.51,
    9: 11.25,
    10: 12.40,
    11: 13.33,
    12: 14.08,
    13: 14.75,
    14: 15.32,
    15: 15.84,
    16: 16.36,
    17: 16.88,
    18: 17.43,
    19: 17.98,
    20: 18.59,
    21: 19.25,
    22: 19.98,
    23: 20.73,
    24: 21.54,
    25: 22.35,
    26: 23.21,
    27: 24.11,
    28: 25.03,
    29: 26.02,
    30: 27.03,
    31: 28.13,
    32: 29.31,
    33: 30.70,
    34: 32.55,
    35: 35.00,
}


def answers_summing_to(total: int, items: int = 7, lo: int = 1, hi: int = 5) -> list[int]:
    answers = [lo] * items
    remaining = total - lo * items
    for i in range(items):
        step = min(hi - lo, remaining)
        answers[i] += step
        remaining -= step
    return answers


@pytest.mark.parametrize(("raw", "metric"), sorted(SWEMWBS_TABLE.items()))
def test_swemwbs_converts_every_raw_score_by_the_published_table(raw, metric):
    result = score(get_instrument("swemwbs"), answers_summing_to(raw))
    assert result.raw == raw
    assert result.score == metric


def test_swemwbs_is_not_scored_with_an_item_missing():
    with pytest.raises(ScoringError, match="question 3 \\(relaxed\\) is missing"):
        score(get_instrument("swemwbs"), [3, 4, None, 5, 3, 3, 4])


def test_swemwbs_rejects_an_out_of_range_answer_naming_the_question():
    with pytest.raises(ScoringError) as exc:
        score(get_instrument("swemwbs"), [3, 4, 2, 5, 3, 3, 6])
    assert exc.value.item == "own_mind"
    assert "must be answered with 1–5" in exc.value.message


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "low"),
        (4, "low"),
        (5, "medium"),
        (6, "medium"),
        (7, "high"),
        (8, "high"),
        (9, "very high"),
        (10, "very high"),
    ],
)
def test_ons4_positive_items_use_the_ons_thresholds(value, band):
    result = score(get_instrument("ons4"), [value, value, value, None])
    assert result.band == {"life_satisfaction": band, "worthwhile": band, "happiness": band}


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "very low"),
        (1, "very low"),
        (2, "low"),
        (3, "low"),
        (4, "medium"),
        (5, "medium"),
        (6, "high"),
        (10, "high"),
    ],
)
def test_ons4_anxiety_is_banded_the_other_way_round(value, band):
    result = score(get_instrument("ons4"), {"anxiety": value})
    assert result.band == {"anxiety": band}
    assert result.score == {"anxiety": value}


def test_ons4_scores_each_item_separately_and_keeps_answered_ones():
    result = score(get_instrument("ons4"), [7, None, 6, 3])
    assert result.score == {"life_satisfaction": 7, "happiness": 6, "anxiety": 3}


@pytest.mark.parametrize(("answers", "total"), [([1, 1, 1], 3), ([2, 3, 1], 6), ([3, 3, 3], 9)])
def test_ucla3_sums_three_items_from_3_to_9(answers, total):
    assert score(get_instrument("ucla3"), answers).raw == total


def test_ucla3_bands_six_and_over_as_higher_loneliness():
    assert score(get_instrument("ucla3"), [2, 2, 1]).band == "lower loneliness"
    assert score(get_instrument("ucla3"), [2, 2, 2]).band == "higher loneliness"


def test_hrsn_flags_each_domain_by_its_own_rule():
    result = score(
        get_instrument("hrsn"),
        {
            "living_situation": 2,
            "housing_problems": 1,
            "food_worry": 3,
            "food_ran_out": 3,
            "transport": 2,
            "utilities": 3,
            "money": 3,
            "lonely": 4,
            "safety_hurt": 3,
            "safety_insult": 3,
            "safety_threaten": 3,
            "safety_scream": 1,
        },
    )
    assert result.domains == {
        "housing": "positive",
        "food": "negative",
        "transport": "negative",
        "utilities": "positive",
        "safety": "negative",
        "money": "negative",
        "isolation": "positive",
    }
    assert result.score == 3


def test_hrsn_safety_is_positive_above_ten():
    base = {"safety_hurt": 3, "safety_insult": 3, "safety_threaten": 3, "safety_scream": 2}
    assert score(get_instrument("hrsn"), base).domains["safety"] == "positive"


def test_hrsn_marks_unanswered_domains_incomplete_not_negative():
    result = score(get_instrument("hrsn"), {"transport": 2})
    assert result.domains["transport"] == "negative"
    assert result.domains["food"] == "incomplete"


def test_every_shipped_instrument_definition_is_valid():
    import json

    from outcomes.instruments import DIRECTORY

    for path in DIRECTORY.glob("*.json"):
        assert validate_definition(json.loads(path.read_text())) == [], path.name


def test_a_broken_definition_is_explained():
    problems = validate_definition(
        {
            "id": "x",
            "version": "1",
            "title": "X",
            "source": "s",
            "licence": "l",
            "scoring": "sum_convert",
            "missing": "no_score_if_any_missing",
            "options": [{"value": 1, "label": "a"}, {"value": 2, "label": "b"}],
            "items": [{"id": "a", "text": "A"}],
            "conversion": {"1": 1},
        }
    )
    assert problems == ["The conversion table has no entry for raw scores [2]."]


ANY_ANSWER = st.one_of(
    st.none(),
    st.integers(-3, 12),
    st.text(max_size=3),
    st.booleans(),
    st.floats(allow_nan=True),
    st.just("-"),
)


@settings(max_examples=300)
@given(instrument_id=st.sampled_from(sorted(all_instruments())), data=st.data())
def test_any_answers_score_within_range_or_are_refused_with_a_message(instrument_id, data):
    instrument = get_instrument(instrument_id)
    n = len(instrument.items)
    answers = data.draw(
        st.one_of(
            st.lists(ANY_ANSWER, min_size=max(0, n - 1), max_size=n + 1),
            st.dictionaries(st.sampled_from([*instrument.item_ids, "bogus"]), ANY_ANSWER),
        )
    )
    try:
        result = score(instrument, answers)
    except ScoringError as exc:
        assert exc.message.strip()
        return
    bounds = score_range(instrument)
    if bounds is not None:
        assert bounds[0] <= result.score <= bounds[1]
    elif instrument.scoring == "per_item":
        for item_id, value in result.score.items():
            item = instrument.item(item_id)
            assert min(item.values) <= value <= max(item.values)
    else:
        assert set(result.domains.values()) <= {"positive", "negative", "incomplete"}


def test_non_ascii_digits_are_refused_with_a_message():
    # Found by hypothesis: "¹".isdigit() is True but int("¹") raises.
    with pytest.raises(ScoringError, match="must be answered with"):
        score(get_instrument("ucla3"), ["¹", 1, 1])
