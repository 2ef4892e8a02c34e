"""The evaluation's monthly sums (insight.pair_rollup): a Selection read from whole months
and the facts of its edge days gives exactly what adding up every fact gives and what
Python gives from the records; the months follow every change in the same transaction;
the regression from age moments is the regression on the rows. SQLite and PostgreSQL."""

import datetime as dt
import io
import random

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.tests.factories import TeamFactory
from casework.models import Connection
from directory.actions import announce_bulk_write
from directory.models import Attribute, TaxonomyTerm
from insight import (
    evaluation,
    evaluation_reference,
    evaluation_sql,
    facts,
    months,
    stats,
    summaries,
)
from insight.measures import MEASURES, SCALE
from insight.models import FactCategory, PairFact, PairMonth
from insight.selection import Selection
from insight.tests.test_evaluation_sql import T0, _messy_world, _response
from outcomes.models import Response
from referrals.models import Referral

D = dt.date


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        (None, None, (None, None)),
        (D(2025, 3, 1), D(2025, 5, 31), (D(2025, 3, 1), D(2025, 6, 1))),
        (D(2025, 3, 2), D(2025, 5, 30), (D(2025, 4, 1), D(2025, 5, 1))),
        (D(2025, 3, 2), None, (D(2025, 4, 1), None)),
        (None, D(2025, 2, 28), (None, D(2025, 3, 1))),
        (D(2024, 12, 31), D(2025, 1, 1), (D(2025, 1, 1), D(2025, 1, 1))),  # no whole month
    ],
)
def test_whole_months_of_a_period(date_from, date_to, expected):
    assert months.whole_months(date_from, date_to) == expected


@pytest.fixture
def world(db):
    first, second = TeamFactory(), TeamFactory()
    _messy_world(first, 21)
    _messy_world(second, 22)
    return first, second


def _days() -> list[dt.date]:
    days = {timezone.localdate(at) for at in Referral.objects.values_list("received_at", flat=True)}
    starts = {day.replace(day=1) for day in days}
    ends = {months.next_month(day) - dt.timedelta(days=1) for day in days}
    return sorted(days | starts | ends)


def test_any_selection_adds_up_to_what_every_fact_gives(world):
    first, second = world
    assert PairMonth.objects.exists()
    days = _days()
    rng = random.Random(5)
    selections = [Selection(), Selection(team_id=first.pk), Selection(area_id=second.area_id)]
    for _ in range(14):
        a, b = sorted(rng.sample(days, 2))
        team = rng.choice([None, first, second])
        selections.append(
            Selection(
                area_id=team.area_id if team else None,
                team_id=team.pk if team else None,
                date_from=rng.choice([a, None]) if rng.random() < 0.2 else a,
                date_to=b,
            )
        )
    selections.append(Selection(date_from=days[3], date_to=days[3]))  # one day
    for selection in selections:
        by_months = evaluation_sql.measure_sums(selection)
        by_facts = evaluation_sql.measure_sums(selection.referrals())
        assert by_months == by_facts, selection
        assert by_months == evaluation_reference.measure_sums(selection.referrals()), selection
    assert len(evaluation_sql.measure_sums(Selection()).main) > 50  # not trivially equal


def _case_with_responses(team):
    fact = PairFact.objects.filter(team=team, change__isnull=False).order_by("case_id").first()
    return fact.case


def test_the_months_follow_every_kind_of_change(world):
    first, second = world
    assert facts.differences() == []
    case = _case_with_responses(first)
    response = Response.objects.filter(case=case).order_by("completed_at").first()
    response.score = response.score + 1 if isinstance(response.score, int) else 5
    response.save()
    assert facts.differences() == []
    _response(case, "ucla3", 7, T0).save()  # a new baseline, long before
    assert facts.differences() == []
    referral = case.referral
    referral.received_at -= dt.timedelta(days=40)  # into another month
    referral.save()
    assert facts.differences() == []
    referral.team, referral.area = second, second.area  # to another team
    referral.save()
    assert facts.differences() == []
    Response.objects.filter(case=case).first().delete()
    assert facts.differences() == []
    person = case.person
    person.birth_date = dt.date(1950, 6, 1)
    person.save()
    assert facts.differences() == []


def _attended_service(team):
    connection = Connection.objects.filter(
        case__team=team, first_attended_on__isnull=False, case__in=PairFact.objects.values("case")
    ).first()
    return connection.service


def _category_names() -> set[str]:
    return set(FactCategory.objects.values_list("category", flat=True))


def test_the_categories_follow_the_directory_once_it_commits(
    world, django_capture_on_commit_callbacks
):
    """The task worker (immediate in the tests) rewrites them after the change commits."""
    first, _ = world
    service = _attended_service(first)
    with django_capture_on_commit_callbacks(execute=True):
        new_top = TaxonomyTerm.objects.create(code="new-top", name="Brand new", taxonomy="t")
    with django_capture_on_commit_callbacks(execute=True):
        attribute = Attribute.objects.create(
            link_id=service.pk, taxonomy_term=new_top, link_entity="service", link_type="x"
        )
    assert "Brand new" in _category_names()
    assert facts.differences() == []
    with django_capture_on_commit_callbacks(execute=True):
        new_top.name = "Renamed"
        new_top.save()
    assert _category_names() >= {"Renamed"} and "Brand new" not in _category_names()
    assert facts.differences() == []
    with django_capture_on_commit_callbacks(execute=True):
        attribute.delete()
    assert "Renamed" not in _category_names()
    assert facts.differences() == []
    # A bulk write past the models announces itself (as the HSDS import does).
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        made = Attribute.objects.bulk_create(
            [Attribute(link_id=service.pk, taxonomy_term=new_top, link_entity="service")]
        )
        announce_bulk_write({"directory.Attribute": [str(a.pk) for a in made]})
        assert "Renamed" not in _category_names()  # not before the commit
    assert len(callbacks) == 1
    assert "Renamed" in _category_names()
    assert facts.differences() == []


def test_a_rolled_back_change_leaves_the_months_as_they_were(world):
    first, _ = world
    before = sorted(PairMonth.objects.values_list("month", "section", "measure", "n", "sy"))
    case = _case_with_responses(first)
    with pytest.raises(RuntimeError), transaction.atomic():
        _response(case, "ucla3", 3, T0).save()
        assert facts.differences() == []
        raise RuntimeError("rolled back")
    after = sorted(PairMonth.objects.values_list("month", "section", "measure", "n", "sy"))
    assert after == before


def test_a_full_refresh_adds_every_month_up_again(world):
    PairMonth.objects.all().delete()
    facts.refresh()
    assert facts.differences() == []
    assert PairMonth.objects.exists()


def test_the_adjusted_estimate_is_the_regression_on_the_rows(world):
    """From the age moments, the coefficient of attended is what an ordinary least-squares
    fit on the pairs themselves gives (pairs whose age is known)."""
    result = evaluation.measure_results(Selection())
    i = next(i for i, m in enumerate(MEASURES) if m.instrument == "ucla3")
    (found,) = [r for r in result if r["instrument"] == "ucla3"]
    rows = PairFact.objects.filter(
        measure=MEASURES[i].key, change__isnull=False, age__isnull=False
    ).values_list("change", "attended", "age", "sex", "baseline")
    sexes = sorted({evaluation._sex_label(sex) for *_, sex, _ in rows})[1:]
    y = [change / SCALE for change, *_ in rows]
    x = [
        [1, int(attended), age, baseline / SCALE]
        + [int(evaluation._sex_label(sex) == s) for s in sexes]
        for _, attended, age, sex, baseline in rows
    ]
    fit = stats.ols_coefficient(y, x, column=1)
    adjusted = found["comparison"]["adjusted"]
    assert adjusted is not None
    assert adjusted["pairs"] == len(rows)
    assert adjusted["estimate"] == pytest.approx(round(fit.estimate, 2), abs=0.011)
    assert adjusted["ci95"][0] == pytest.approx(round(fit.ci95[0], 2), abs=0.011)


def test_refresh_insight_facts_checks_and_rebuilds_every_summary(world):
    out = io.StringIO()
    call_command("refresh_insight_facts", "--check", stdout=out)
    assert "match the records" in out.getvalue()
    PairMonth.objects.filter(section="main").update(n=F("n") + 1)  # drift, past the models
    with pytest.raises(CommandError, match="differ from the records"):
        call_command("refresh_insight_facts", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("refresh_insight_facts", stdout=out)
    assert "Rebuilt the evaluation's facts" in out.getvalue()
    assert summaries.differences() == []
