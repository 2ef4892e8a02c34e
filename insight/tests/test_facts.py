"""The evaluation's facts (insight.facts) follow the records: every ordinary change through
the models rewrites the cases it touches, in the same transaction, so the stored facts are
always what a rebuild from the records would give (`differences()` is empty) and the
evaluation adds up the same pairs as pairing the responses afresh."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from casework.models import Case
from casework.tests.factories import CaseFactory, ConnectionFactory, ContactFactory
from directory.tests.factories import ServiceFactory
from insight import evaluation_reference, evaluation_sql, facts
from insight.measures import SCALE
from insight.models import FactReason, PairFact
from insight.tests.generate import measured_case
from outcomes.models import Response
from people.actions import merge_people
from people.models import Person
from people.rules import age_on
from places.deprivation import import_imd
from places.models import Postcode
from referrals.models import Referral

pytestmark = pytest.mark.django_db


def _respond(case, value, days_ago):
    return Response.objects.create(
        area=case.area,
        person=case.person,
        case=case,
        instrument="ucla3",
        instrument_version="1",
        answers={},
        score=value,
        via="link_worker",
        completed_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def _fact(case):
    return PairFact.objects.get(case=case, measure="ucla3:total")


def _consistent():
    assert facts.differences() == []
    everything = Referral.objects.all()
    assert evaluation_sql.measure_sums(everything) == evaluation_reference.measure_sums(everything)


@pytest.fixture
def case():
    return CaseFactory(referral__reasons=["loneliness", "money"])


def test_a_response_writes_its_cases_fact_and_a_later_one_pairs_it(case):
    _respond(case, 7, 60)
    fact = _fact(case)
    assert (fact.baseline, fact.change, fact.attended, fact.contacts) == (7 * SCALE, None, False, 0)
    assert set(FactReason.objects.filter(case=case).values_list("code", flat=True)) == {
        "loneliness",
        "money",
    }
    _respond(case, 4, 10)
    assert _fact(case).change == -3 * SCALE
    _consistent()


def test_contacts_connections_and_deletions_are_followed(case):
    _respond(case, 7, 60)
    follow_up = _respond(case, 5, 10)
    ContactFactory(case=case)
    ContactFactory(case=case)
    connection = ConnectionFactory(
        case=case, service=ServiceFactory(), first_attended_on=timezone.localdate()
    )
    assert (_fact(case).contacts, _fact(case).attended) == (2, True)
    connection.delete()
    follow_up.delete()
    assert (_fact(case).attended, _fact(case).change) == (False, None)
    _consistent()


def test_the_person_and_the_referral_are_followed(case):
    _respond(case, 7, 60)
    person = case.person
    person.birth_date = dt.date(1950, 1, 1)
    person.sex = "female"
    person.ethnic_category = "A"
    person.long_term_conditions = 2
    person.save()
    fact = _fact(case)  # the person's own save rewrites their cases
    assert (fact.sex, fact.ethnicity, fact.long_term_conditions) == ("female", "A", 2)
    referral = case.referral
    referral.reasons = ["grief"]
    referral.save()
    fact = _fact(case)
    assert (fact.sex, fact.ethnicity, fact.long_term_conditions) == ("female", "A", 2)
    assert fact.age == age_on(dt.date(1950, 1, 1), timezone.localdate(referral.received_at))
    assert list(FactReason.objects.filter(case=case).values_list("code", flat=True)) == ["grief"]
    _consistent()


def test_a_rolled_back_change_leaves_the_facts_as_they_were(case):
    _respond(case, 7, 60)
    with pytest.raises(RuntimeError), transaction.atomic():
        _respond(case, 3, 10)
        assert _fact(case).change == -4 * SCALE
        raise RuntimeError
    assert _fact(case).change is None
    _consistent()


def test_deleting_a_case_takes_its_facts_and_writes_none_for_it(case):
    _respond(case, 7, 60)
    ContactFactory(case=case)
    pk = case.pk
    # insight.signals relies on this: a case with responses (so with facts) cannot go.
    with pytest.raises(ProtectedError):
        Case.objects.filter(pk=pk).delete()
    Response.objects.filter(case=case).delete()
    Case.objects.filter(pk=pk).delete()
    assert not PairFact.objects.filter(case_id=pk).exists()
    assert not FactReason.objects.filter(case_id=pk).exists()


def test_a_batch_writes_each_case_once_at_the_end(case):
    with facts.batched():
        for days in (60, 50, 40, 10):
            _respond(case, days // 10, days)
        assert not PairFact.objects.filter(case=case).exists()
    assert _fact(case).change == (1 - 6) * SCALE
    _consistent()


def test_a_merged_persons_cases_take_the_kept_records_details(team, supervisor):
    kept = CaseFactory(referral__team=team, referral__person__team=team).person
    kept.sex, kept.birth_date = "male", dt.date(1960, 5, 5)
    kept.save()
    duplicate_case = CaseFactory(referral__team=team, referral__person__team=team)
    duplicate = duplicate_case.person
    duplicate.sex, duplicate.possible_duplicate_of = "female", kept
    duplicate.save()
    _respond(duplicate_case, 7, 60)
    assert _fact(duplicate_case).sex == "female"
    merge_people(duplicate, by=supervisor)
    assert _fact(duplicate_case).sex == "male"
    _consistent()


def test_loading_deprivation_deciles_refreshes_every_case(tmp_path: Path, team):
    Postcode.objects.create(
        postcode="TN23 1AA", outward="TN23", latitude=51.1, longitude=0.87, lsoa11="E01024000"
    )
    case = measured_case(team, change=2.0)
    Person.objects.filter(pk=case.person_id).update(postcode="TN23 1AA")  # no signal
    facts.refresh([case.pk])
    assert PairFact.objects.get(case=case).deprivation is None
    imd = tmp_path / "imd.csv"
    imd.write_text(
        "LSOA code (2011),Index of Multiple Deprivation (IMD) Decile\nE01024000,3\n",
        encoding="utf-8",
    )
    import_imd(imd)
    assert PairFact.objects.get(case=case).deprivation == 3
    _consistent()


def test_a_rebuild_equals_what_the_signals_kept(team):
    for change in (1.0, -2.0, 3.5):
        measured_case(team, change=change, contacts=2)
    before = list(PairFact.objects.order_by("case_id", "measure").values())
    facts.refresh()
    after = list(PairFact.objects.order_by("case_id", "measure").values())
    strip = [{k: v for k, v in row.items() if k != "id"} for row in before]
    assert strip == [{k: v for k, v in row.items() if k != "id"} for row in after]
    assert len(after) == 3
