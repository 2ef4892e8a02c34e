"""The evaluation recovers what was planted in generated data, and hides small numbers."""

import datetime as dt

import pytest
from django.utils import timezone

from casework.tests.factories import CaseFactory
from directory.models import Attribute, TaxonomyTerm
from directory.taxonomy import load_taxonomy
from insight import evaluation, evaluation_text, measures
from insight.models import UnitCost
from insight.tests.generate import Plan, generate, measured_case
from outcomes.models import HealthcareUse
from people.rules import age_on
from referrals.models import Referral


def _inside(interval, value):
    low, high = interval
    return low <= value <= high


def _swemwbs(result):
    (measure,) = [m for m in result["measures"] if m["instrument"] == "swemwbs"]
    return measure


def _group(measure, subgroup, label):
    (entry,) = [g for g in measure["subgroups"][subgroup] if g["group"] == label]
    return entry


@pytest.fixture
def planted(team):
    UnitCost.objects.create(kind=HealthcareUse.Kind.GP_APPOINTMENT, cost=42)
    return generate(Plan(people=400, seed=7), team=team)


def test_it_recovers_the_planted_gain_and_the_comparison_strips_the_trend(planted):
    plan = Plan()
    measure = _swemwbs(evaluation.evaluate(Referral.objects.all()))
    assert measure["pairs"] == planted.pairs
    assert measure["lost_to_follow_up"] == planted.lost
    comparison = measure["comparison"]
    assert comparison["treated_pairs"] == planted.treated_pairs
    assert comparison["comparison_pairs"] == planted.comparison_pairs
    # The difference in differences holds the planted gain for those who attended...
    assert _inside(comparison["ci95"], planted.treated_gain)
    # ...and not the gain plus the trend everyone had (what a before-after alone shows).
    assert comparison["ci95"][1] < planted.treated_gain + plan.trend
    assert _inside(
        [comparison["treated_mean"] - 0.5, comparison["treated_mean"] + 0.5],
        planted.treated_gain + plan.trend,
    )
    # The comparison group changed by the trend alone.
    assert abs(comparison["comparison_mean"] - plan.trend) < 0.6


def test_the_larger_gain_shows_in_its_subgroup(planted):
    measure = _swemwbs(evaluation.evaluate(Referral.objects.all()))
    arts = _group(measure, "category", "Arts and creativity")
    walking = _group(measure, "category", "Physical activity")
    assert _inside(arts["change"]["ci95"], planted.by_category["Arts and creativity"])
    assert _inside(walking["change"]["ci95"], planted.by_category["Physical activity"])
    assert arts["change"]["ci95"][0] > walking["change"]["ci95"][1]


def test_with_nothing_planted_every_interval_holds_zero(team):
    # A 95% interval misses 0 one time in twenty: over seeds 1-20 the five intervals below
    # held 0 in 94 of 100 (docs/insight.md). This seed is one where all five do.
    nothing = Plan(people=300, seed=2, trend=0.0, gain=0.0, arts_gain=0.0, gp_fall=0.0)
    generate(nothing, team=team)
    UnitCost.objects.create(kind=HealthcareUse.Kind.GP_APPOINTMENT, cost=42)
    result = evaluation.evaluate(Referral.objects.all())
    measure = _swemwbs(result)
    assert _inside(measure["change"]["ci95"], 0)
    assert _inside(measure["comparison"]["ci95"], 0)
    assert _inside(measure["comparison"]["adjusted"]["ci95"], 0)
    assert _inside(result["healthcare_use"]["change_per_person"]["ci95"], 0)
    assert _inside(result["healthcare_use"]["cost_change_per_person"]["ci95"], 0)


def test_healthcare_use_and_its_cost_recover_the_planted_fall(planted):
    use = evaluation.evaluate(Referral.objects.all())["healthcare_use"]
    assert use["people"] == 400
    gp = next(k for k in use["by_kind"] if k["kind"] == HealthcareUse.Kind.GP_APPOINTMENT)
    assert _inside(gp["change"]["ci95"], -Plan().gp_fall)
    ae = next(k for k in use["by_kind"] if k["kind"] == HealthcareUse.Kind.AE_ATTENDANCE)
    assert _inside(ae["change"]["ci95"], 0)
    # Only GP appointments have a unit cost: £42 for each one fewer.
    assert _inside(use["cost_change_per_person"]["ci95"], -42 * Plan().gp_fall)
    assert use["cost_change_per_person"]["mean"] == pytest.approx(
        42 * gp["change"]["mean"], abs=0.25
    )
    assert HealthcareUse.Kind.AE_ATTENDANCE in use["kinds_without_unit_cost"]


def test_healthcare_use_leaves_out_referrals_whose_six_months_after_have_not_passed(team):
    case = CaseFactory(referral__team=team, referral__person__team=team)
    HealthcareUse.objects.create(
        area=case.area,
        person=case.person,
        kind="gp_appointment",
        occurred_on=timezone.localdate() - dt.timedelta(days=30),
        count=3,
    )
    use = evaluation.healthcare_use(Referral.objects.all(), today=timezone.localdate())
    assert use["people"] == 0
    assert use["change_per_person"] is None


# --- Pairs, one referral at a time ----------------------------------------------------------


def _at(days):
    return dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC) + dt.timedelta(days=days)


def test_a_pair_is_the_first_response_and_the_last_at_least_28_days_later():
    rows = [(_at(0), 20.0), (_at(14), 30.0), (_at(40), 22.0), (_at(90), 25.0)]
    assert measures.pair_change(rows) == (20.0, 25.0)


def test_a_response_27_days_after_baseline_is_not_a_follow_up():
    assert measures.pair_change([(_at(0), 20.0), (_at(27), 30.0)]) is False
    assert measures.pair_change([(_at(0), 20.0), (_at(28), 30.0)]) == (20.0, 30.0)


def test_no_response_is_no_baseline():
    assert measures.pair_change([]) is None


@pytest.mark.parametrize(
    ("age", "label"),
    [
        (0, "0-17"),
        (17, "0-17"),
        (18, "18-24"),
        (34, "25-34"),
        (74, "65-74"),
        (75, "75+"),
        (None, "Not known"),
    ],
)
def test_age_bands(age, label):
    assert evaluation.band(age, evaluation.AGE_BANDS) == label


@pytest.mark.parametrize(
    ("n", "label"), [(0, "0-2"), (2, "0-2"), (3, "3-5"), (9, "6-9"), (10, "10+")]
)
def test_contact_bands(n, label):
    assert evaluation.band(n, evaluation.CONTACT_BANDS) == label


def test_age_is_counted_on_the_day_the_referral_was_received():
    born = dt.date(1960, 6, 15)
    assert age_on(born, dt.date(2025, 6, 14)) == 64
    assert age_on(born, dt.date(2025, 6, 15)) == 65


def test_each_ons4_item_is_its_own_measure_and_ucla3_is_its_total():
    by_score = {(m.instrument, m.score): m for m in evaluation.MEASURES}
    ons4 = {"life_satisfaction": 7, "worthwhile": 6, "happiness": 5, "anxiety": 3}
    assert by_score[("ons4", "anxiety")].value(ons4) == 3.0
    assert by_score[("ons4", "happiness")].value({"anxiety": 2}) is None  # not answered
    assert by_score[("ucla3", "total")].value(6) == 6.0
    assert by_score[("swemwbs", "metric")].value(21.54) == 21.54


# --- Small numbers ---------------------------------------------------------------------------


def test_a_group_of_fewer_than_five_pairs_shows_under_five_and_no_change(team, service):
    for i in range(6):
        measured_case(team, change=1.0 + i, attended=service)
    for i in range(3):  # never connected: too few to compare
        measured_case(team, change=0.5 * i, reasons=("money",))
    measure = _swemwbs(evaluation.evaluate(Referral.objects.all()))
    assert measure["pairs"] == 9
    money = _group(measure, "reason", "Money or debt")
    assert money == {"group": "Money or debt", "pairs": "<5", "change": None}
    lonely = _group(measure, "reason", "Loneliness or social isolation")
    assert lonely["pairs"] == 6 and lonely["change"]["mean"] == 3.5
    comparison = measure["comparison"]
    assert comparison["treated_pairs"] == 6
    assert comparison["comparison_pairs"] == "<5"
    assert comparison["estimate"] is None and comparison["ci95"] is None
    assert comparison["comparison_mean"] is None


def test_a_measure_with_fewer_than_five_pairs_shows_no_change_at_all(team):
    for i in range(4):
        measured_case(team, change=float(i))
    measure = _swemwbs(evaluation.evaluate(Referral.objects.all()))
    assert measure["pairs"] == "<5"
    assert measure["change"] is None
    assert all(
        g["pairs"] == "<5" and g["change"] is None
        for groups in measure["subgroups"].values()
        for g in groups
    )
    assert evaluation_text.sentences(measure) == []


def test_healthcare_use_of_fewer_than_five_people_is_suppressed(team):
    for _ in range(3):
        case = CaseFactory(
            referral__team=team,
            referral__person__team=team,
            referral__received_at=timezone.now() - dt.timedelta(days=300),
        )
        HealthcareUse.objects.create(
            area=case.area,
            person=case.person,
            kind="gp_appointment",
            occurred_on=timezone.localdate() - dt.timedelta(days=320),
            count=2,
        )
    use = evaluation.healthcare_use(Referral.objects.all(), today=timezone.localdate())
    assert use["people"] == "<5"
    assert use["change_per_person"] is None and use["by_kind"] == []
    assert use["cost_change_per_person"] is None


# --- Categories ------------------------------------------------------------------------------


def test_a_service_counts_under_its_top_level_category(team, service):
    load_taxonomy()
    Attribute.objects.create(
        link_id=service.pk,
        link_entity="service",
        link_type="category",
        taxonomy_term=TaxonomyTerm.objects.get(code="srx:creative.music"),
    )
    for i in range(5):
        measured_case(team, change=float(i), attended=service, contacts=i)
    measure = _swemwbs(evaluation.evaluate(Referral.objects.all()))
    assert [g["group"] for g in measure["subgroups"]["category"]] == ["Arts and creativity"]
    assert [(g["group"], g["pairs"]) for g in measure["subgroups"]["contacts"]] == [
        ("0-2", "<5"),
        ("3-5", "<5"),
    ]


# --- Sentences -------------------------------------------------------------------------------


def test_the_sentence_gives_the_change_its_interval_and_the_share_that_happens_anyway():
    result = {
        "title": "wellbeing (SWEMWBS)",
        "higher_is_better": True,
        "change": {"mean": 2.31, "ci95": [1.98, 2.64], "effect_size": 0.5},
        "comparison": {
            "treated_mean": 3.0,
            "comparison_mean": 0.77,
            "estimate": 2.23,
            "ci95": [1.5, 2.9],
        },
    }
    first, second = evaluation_text.sentences(result)
    assert first == (
        "People's wellbeing (SWEMWBS) rose by 2.3 points on average (95% CI 2.0 to 2.6; "
        "higher is better); about a third of that may be change that happens anyway, judging "
        "by people referred but not connected."
    )
    assert "2.2 points larger (95% CI 1.5 to 2.9)" in second


def test_the_sentence_says_when_the_interval_holds_no_change():
    result = {
        "title": "loneliness (UCLA-3)",
        "higher_is_better": False,
        "change": {"mean": -0.21, "ci95": [-0.5, 0.1], "effect_size": -0.1},
        "comparison": {
            "treated_mean": None,
            "comparison_mean": None,
            "estimate": None,
            "ci95": None,
        },
    }
    (sentence,) = evaluation_text.sentences(result)
    assert sentence.startswith("People's loneliness (UCLA-3) fell by 0.2 points")
    assert "lower is better" in sentence
    assert "not clearly different from no change" in sentence


# --- The adjusted estimate -------------------------------------------------------------------


def test_adjusting_for_baseline_removes_the_bias_when_low_scorers_attend_more(team):
    # People who start low are likelier to attend, and low scores drift back up anyway, so
    # the plain comparison overstates the gain; the regression on baseline does not.
    confounded = Plan(people=500, seed=3, confounding=0.08, regression_to_mean=0.5)
    planted = generate(confounded, team=team)
    comparison = _swemwbs(evaluation.evaluate(Referral.objects.all()))["comparison"]
    assert comparison["ci95"][0] > planted.treated_gain  # the plain estimate is biased
    adjusted = comparison["adjusted"]
    assert adjusted["pairs"] == planted.pairs
    assert _inside(adjusted["ci95"], planted.treated_gain)


def test_no_adjusted_estimate_when_an_arm_is_small(team, service):
    for i in range(6):
        measured_case(team, change=1.0 + i, attended=service)
    for i in range(4):
        measured_case(team, change=float(i))
    comparison = _swemwbs(evaluation.evaluate(Referral.objects.all()))["comparison"]
    assert comparison["adjusted"] is None


def test_the_healthcare_sentence_gives_the_change_and_its_cost():
    use = {
        "change_per_person": {"mean": -0.94, "ci95": [-1.33, -0.57]},
        "cost_change_per_person": {"mean": -39.6, "ci95": [-56.0, -24.2]},
    }
    first, second = evaluation_text.healthcare_sentences(use)
    assert "0.9 times fewer each" in first and "(95% CI −1.3 to −0.6)" in first
    assert second == (
        "At the unit costs set here, that is about £40 less per person (95% CI −£56 to −£24)."
    )
