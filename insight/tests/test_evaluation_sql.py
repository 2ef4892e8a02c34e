"""The evaluation's SQL (insight.evaluation_sql) gives exactly what loading the rows into
Python and pairing them in a loop gives (insight.evaluation_reference), on a seeded random
world with the awkward cases in it; and its pairing rule, case by case. Runs on SQLite and
on PostgreSQL (DATABASE_URL)."""

import datetime as dt
import random
from fractions import Fraction
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.utils import timezone

from casework.models import Case, Connection, Contact
from casework.tests.factories import CaseFactory
from directory.models import Attribute, Service, TaxonomyTerm
from directory.tests.factories import ServiceFactory
from insight import evaluation, evaluation_reference, evaluation_sql, stats, summaries
from insight.models import UnitCost
from insight.tests.generate import Plan, generate
from outcomes.models import HealthcareUse, Response
from people.models import Person
from referrals.models import Referral

LONDON = ZoneInfo("Europe/London")
SEXES = ["female", "male", "other", "unknown", ""]
ETHNIC = ["A", "B", "H", "M", "Z", "99", ""]


def _response(case, instrument, score, at):
    return Response(
        area_id=case.area_id,
        person_id=case.person_id,
        case=case,
        instrument=instrument,
        instrument_version="1",
        answers={},
        score=score,
        via=Response.Via.LINK_WORKER,
        completed_at=at,
    )


def _ons4(rng):
    items = ["life_satisfaction", "worthwhile", "happiness", "anxiety"]
    return {k: rng.randint(0, 10) for k in items if rng.random() < 0.85}


def _taxonomy_oddities():
    """A grandchild term, a term whose parent is not stored, and two terms in a cycle: the
    category rule must climb, stop, and give up the same way in SQL as in Python."""

    def term(code, name, parent=None):
        return TaxonomyTerm.objects.create(
            code=code, name=name, parent_id=parent, taxonomy="test-oddities"
        )

    top = term("odd", "Odd things")
    child = term("odd.a", "A", top.pk)
    grandchild = term("odd.a.b", "B", child.pk)
    orphan = term("orphan", "Orphan", "00000000-0000-0000-0000-000000000001")
    one = term("loop.1", "Loop one")
    two = term("loop.2", "Loop two", one.pk)
    TaxonomyTerm.objects.filter(pk=one.pk).update(parent_id=two.pk)
    services = []
    for terms in ([grandchild], [orphan], [one], [grandchild, child]):
        service = ServiceFactory()
        for term in terms:
            Attribute.objects.create(
                link_id=service.pk, taxonomy_term=term, link_entity="service", link_type="x"
            )
        services.append(service)
    return services


def _messy_world(team, seed: int) -> None:
    """generate()'s world, then awkward people, reasons, responses and healthcare use."""
    generate(Plan(people=120, seed=seed), team=team)
    rng = random.Random(seed)
    odd = Attribute.objects.filter(taxonomy_term__taxonomy="test-oddities")
    if odd.exists():
        services = list(Service.objects.filter(pk__in=odd.values("link_id")))
    else:
        services = _taxonomy_oddities()
    now = timezone.now().replace(microsecond=0)
    people = list(Person.objects.filter(team=team))
    for person in people:
        person.sex = rng.choice(SEXES)
        person.ethnic_category = rng.choice(ETHNIC)
        person.long_term_conditions = rng.choice([None, 0, 1, 2, 5])
        roll = rng.random()
        if roll < 0.1:
            person.birth_date = None
        elif roll < 0.15:
            person.birth_date = dt.date(1960, 2, 29)
    Person.objects.bulk_update(
        people, ["sex", "ethnic_category", "long_term_conditions", "birth_date"]
    )
    referrals = list(Referral.objects.filter(team=team))
    for referral in referrals:
        roll = rng.random()
        if roll < 0.1:
            referral.reasons = ["loneliness", "loneliness"]  # counted once per pair
        elif roll < 0.15:
            referral.reasons = ["a_code_no_longer_listed"]
        elif roll < 0.2:
            referral.reasons = []
        if rng.random() < 0.1:  # on a 29 February birthday's edge
            month, day = rng.choice([2, 3]), rng.choice([1, 28])
            referral.received_at = dt.datetime(2025, month, day, 23, 30, tzinfo=LONDON)
    Referral.objects.bulk_update(referrals, ["reasons", "received_at"])
    responses, connections, contacts, use = [], [], [], []
    for case in Case.objects.filter(team=team).select_related("referral"):
        start = now - dt.timedelta(days=rng.randint(60, 300), microseconds=rng.randint(0, 10**6))
        if rng.random() < 0.5:
            for _ in range(rng.randint(1, 4)):
                at = start + dt.timedelta(days=rng.choice([0, 0, 14, 27, 28, 29, 60]))
                responses.append(_response(case, "ons4", _ons4(rng), at))
        if rng.random() < 0.5:
            responses.append(_response(case, "ucla3", rng.randint(3, 9), start))
            edge = rng.choice([dt.timedelta(days=28), dt.timedelta(days=28, microseconds=-1)])
            responses.append(_response(case, "ucla3", rng.randint(3, 9), start + edge))
            if rng.random() < 0.3:  # a tie: two responses at the same moment
                responses.append(_response(case, "ucla3", rng.randint(3, 9), start + edge))
        if rng.random() < 0.1:
            responses.append(_response(case, "ucla3", True, start))  # not a number
            responses.append(_response(case, "ucla3", None, start + dt.timedelta(days=40)))
        if rng.random() < 0.3:
            service = rng.choice(services)
            connections.append(
                Connection(
                    area_id=case.area_id,
                    case=case,
                    service=service,
                    organization=service.organization,
                    status=Connection.Status.ONGOING,
                    proposed_at=start,
                    first_attended_on=start.date(),
                )
            )
        for _ in range(rng.choice([0, 0, 3, 11])):
            contacts.append(
                Contact(
                    area_id=case.area_id,
                    case=case,
                    happened_on=start.date(),
                    mode=Contact.Mode.PHONE,
                    minutes=15,
                    recorded_by=case.link_worker,
                )
            )
        day = timezone.localdate(case.referral.received_at)
        for offset in rng.sample([-183, -182, -1, 0, 181, 182], 2):
            use.append(
                HealthcareUse(
                    area_id=case.area_id,
                    person_id=case.person_id,
                    kind=rng.choice(HealthcareUse.Kind.values),
                    occurred_on=day + dt.timedelta(days=offset),
                    count=rng.randint(1, 3),
                    source="edge",
                )
            )
    Response.objects.bulk_create(responses)
    Connection.objects.bulk_create(connections)
    Contact.objects.bulk_create(contacts)
    HealthcareUse.objects.bulk_create(use, ignore_conflicts=True)
    UnitCost.objects.update_or_create(kind=HealthcareUse.Kind.GP_APPOINTMENT, cost="41.37")
    UnitCost.objects.update_or_create(kind=HealthcareUse.Kind.EMERGENCY_ADMISSION, cost="1650.10")
    summaries.rebuild_all()  # bulk_create sends no signals: every summary from the records


def _both(referrals):
    today = timezone.localdate()
    return [
        (
            evaluation.measure_results(referrals, source=source),
            evaluation.healthcare_use(referrals, today=today, source=source),
        )
        for source in (evaluation_sql, evaluation_reference)
    ]


@pytest.mark.parametrize("seed", [3, 8])
def test_sql_gives_exactly_what_python_gives_on_a_seeded_random_world(team, seed):
    _messy_world(team, seed)
    everything = Referral.objects.all()
    by_sql = evaluation_sql.measure_sums(everything)
    by_python = evaluation_reference.measure_sums(everything)
    assert by_sql == by_python
    assert len(by_sql.main) > 50 and by_sql.category and by_sql.reason  # not trivially equal
    (sql_measures, sql_use), (py_measures, py_use) = _both(everything)
    assert sql_measures == py_measures
    assert sql_use == py_use
    assert {m["instrument"] for m in sql_measures} == {"swemwbs", "ons4", "ucla3"}
    assert sql_use["change_per_person"] is not None


def test_sql_and_python_agree_on_a_filtered_subset(team, other_team):
    _messy_world(team, 5)
    _messy_world(other_team, 6)
    first = Referral.objects.order_by("received_at").values_list("received_at", flat=True)[40]
    subset = evaluation.filtered(
        Referral.objects.all(), team=team, date_from=timezone.localdate(first)
    )
    (sql_measures, sql_use), (py_measures, py_use) = _both(subset)
    assert sql_measures == py_measures and sql_use == py_use
    # The page's way: the same referrals said as a Selection, read from the facts alone.
    selection = evaluation.filtered(
        evaluation.Selection(), team=team, date_from=timezone.localdate(first)
    )
    assert evaluation_sql.measure_sums(selection) == evaluation_sql.measure_sums(subset)
    assert evaluation.evaluate(selection) == evaluation.evaluate(subset)
    assert list(selection.referrals()) == list(subset)
    elsewhere = evaluation.filtered(selection, team=other_team)  # a team outside the scope
    assert evaluation_sql.measure_sums(elsewhere) == evaluation_sql.MeasureSums(
        dims={name: {} for name in evaluation.DIMENSIONS}
    )
    assert sql_measures[0]["pairs"] != _both(Referral.objects.all())[0][0][0]["pairs"]


# --- The pairing rule, case by case ------------------------------------------------------------


def _sums(case):
    return evaluation_sql.measure_sums(Referral.objects.filter(pk=case.referral_id))


def _pair(case, instrument="ucla3"):
    """(baselines, pairs, change) for the case's one measure, from the SQL."""
    index = [m.instrument for m in evaluation.MEASURES].index(instrument)
    found = [m for key, m in _sums(case).main.items() if key[0] == index]
    if not found:
        return None
    (m,) = found
    return m.baselines, m.n, Fraction(m.sy, evaluation_sql.SCALE)


@pytest.fixture
def case(db):
    return CaseFactory()


T0 = dt.datetime(2025, 3, 20, 9, 15, 30, 250000, tzinfo=dt.UTC)


def _add(case, *rows, instrument="ucla3"):
    for at, score in rows:
        _response(case, instrument, score, at).save()


def test_the_last_response_at_least_28_days_after_the_first_is_the_follow_up(case):
    day = dt.timedelta(days=1)
    _add(case, (T0, 6), (T0 + 30 * day, 4), (T0 + 60 * day, 3), (T0 + 10 * day, 9))
    assert _pair(case) == (1, 1, -3)


def test_exactly_28_days_counts_and_a_microsecond_less_does_not(case, db):
    _add(case, (T0, 6), (T0 + dt.timedelta(days=28), 8))
    assert _pair(case) == (1, 1, 2)
    other = CaseFactory()
    _add(other, (T0, 6), (T0 + dt.timedelta(days=28, microseconds=-1), 8))
    assert _pair(other) == (1, 0, 0)  # lost to follow-up


def test_across_the_clock_change_28_days_are_28_times_24_hours(case, db):
    # 29 March 2025 is when British Summer Time starts: 28 calendar days later at the same
    # wall-clock time is an hour short of 28 days.
    start = dt.datetime(2025, 3, 10, 12, 0, tzinfo=LONDON)
    _add(case, (start, 6), (start.astimezone(dt.UTC) + dt.timedelta(days=28), 7))
    assert _pair(case) == (1, 1, 1)
    other = CaseFactory()
    same_time_of_day = dt.datetime(2025, 4, 7, 12, 0, tzinfo=LONDON)
    _add(other, (start, 6), (same_time_of_day, 7))
    assert _pair(other) == (1, 0, 0)


def test_responses_at_the_same_moment_are_ordered_by_id(case):
    later = T0 + dt.timedelta(days=40)
    _add(case, (T0, 5), (later, 7), (later, 9))
    last = Response.objects.filter(case=case, completed_at=later).order_by("-id").first()
    assert _pair(case) == (1, 1, last.score - 5)


def test_a_response_without_the_measures_number_is_skipped(case):
    day = dt.timedelta(days=1)
    _add(
        case,
        (T0, {"worthwhile": 5}),  # no anxiety answered: not anxiety's baseline
        (T0 + 5 * day, {"anxiety": 7, "worthwhile": 6}),
        (T0 + 40 * day, {"anxiety": 3, "worthwhile": True}),
        instrument="ons4",
    )
    anxiety = evaluation.MEASURES.index(
        next(m for m in evaluation.MEASURES if m.score == "anxiety")
    )
    worthwhile = evaluation.MEASURES.index(
        next(m for m in evaluation.MEASURES if m.score == "worthwhile")
    )
    sums = _sums(case)
    (a,) = [m for key, m in sums.main.items() if key[0] == anxiety]
    (w,) = [m for key, m in sums.main.items() if key[0] == worthwhile]
    assert (a.baselines, a.n, a.sy) == (1, 1, -4 * evaluation_sql.SCALE)
    assert (w.baselines, w.n) == (1, 0)  # a true/false is not a score


def test_a_case_with_one_response_is_a_baseline_lost_to_follow_up(case):
    _add(case, (T0, 6))
    assert _pair(case) == (1, 0, 0)


def test_a_case_with_no_responses_has_no_baseline(case):
    assert _pair(case) is None


def test_swemwbs_metric_scores_keep_their_decimals(case):
    _add(case, (T0, 19.98), (T0 + dt.timedelta(days=30), 21.54), instrument="swemwbs")
    assert _pair(case, "swemwbs") == (1, 1, Fraction(156, 100))


# --- The statistics from sums match the statistics from values --------------------------------


def test_statistics_from_sums_match_those_from_values():
    rng = np.random.default_rng(4)
    a = [round(x * 100) for x in rng.normal(2.0, 3.0, 80)]
    b = [round(x * 100) for x in rng.normal(0.5, 2.0, 50)]
    sa, sb = stats.Sums.of(a, 100), stats.Sums.of(b, 100)
    assert sa + sb == stats.Sums.of(a + b, 100)
    from_values = stats.mean_change([x / 100 for x in a])
    from_sums = stats.mean_change_from(sa)
    assert from_sums.mean == pytest.approx(from_values.mean, abs=1e-12)
    assert from_sums.ci95 == pytest.approx(from_values.ci95, abs=1e-12)
    assert from_sums.effect_size == pytest.approx(from_values.effect_size, abs=1e-12)
    welch = stats.welch_difference([x / 100 for x in a], [x / 100 for x in b])
    assert stats.welch_from(sa, sb).ci95 == pytest.approx(welch.ci95, abs=1e-12)
    x = [[1, float(i % 2), float(rng.integers(20, 80)), float(rng.normal())] for i in range(60)]
    y = [2 * row[1] + 0.1 * row[2] + rng.normal() for row in x]
    xtx = [[Fraction(sum(r[i] * r[j] for r in x)) for j in range(4)] for i in range(4)]
    xty = [Fraction(sum(r[i] * v for r, v in zip(x, y, strict=True))) for i in range(4)]
    yty = Fraction(sum(v * v for v in y))
    exact = stats.ols_from_moments(xtx, xty, yty, len(y), column=1)
    numeric = stats.ols_coefficient(y, x, column=1)
    assert exact.estimate == pytest.approx(numeric.estimate, abs=1e-9)
    assert exact.ci95 == pytest.approx(numeric.ci95, abs=1e-9)


def test_a_regression_whose_columns_are_not_independent_is_refused():
    with pytest.raises(ValueError, match="not independent"):
        stats.ols_from_moments([[2, 2], [2, 2]], [1, 1], 1, 10, column=1)
