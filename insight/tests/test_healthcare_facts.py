"""The evaluation's healthcare facts (insight.healthcare_facts) give exactly what the live
query (insight.evaluation_sql.healthcare_sums) gives, for any selection and any day of
evaluation, on a seeded random world; and every ordinary change through the models keeps
them what a rebuild from the records would give, in the same transaction. Runs on SQLite
and on PostgreSQL (DATABASE_URL)."""

import datetime as dt
import io
import random

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import TeamFactory
from casework.models import Case
from casework.tests.factories import CaseFactory
from insight import evaluation, evaluation_sql, healthcare_facts
from insight.healthcare_facts import healthcare_sums_from_facts
from insight.models import HealthcareFact
from insight.selection import Selection
from insight.tests.generate import Plan, generate
from insight.tests.test_evaluation_sql import LONDON, _messy_world
from outcomes.actions import record_healthcare_use
from outcomes.models import HealthcareUse
from people.actions import merge_people
from referrals.models import Referral
from referrals.tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db
WINDOW = evaluation.HEALTHCARE_WINDOW_DAYS


def _latest(today: dt.date) -> dt.datetime:
    """What insight.evaluation.healthcare_use passes for `today`."""
    day = today - dt.timedelta(days=WINDOW)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def _live(selection: Selection, today: dt.date) -> evaluation_sql.HealthcareSums:
    return evaluation_sql.healthcare_sums(
        selection.referrals(), latest=_latest(today), window_days=WINDOW
    )


def _kept(selection: Selection, today: dt.date) -> evaluation_sql.HealthcareSums:
    return healthcare_sums_from_facts(selection, latest=_latest(today), window_days=WINDOW)


def _consistent(today: dt.date | None = None) -> None:
    assert healthcare_facts.differences() == []
    today = today or timezone.localdate()
    assert _kept(Selection(), today) == _live(Selection(), today)


def _use(person, kind="gp_appointment", day=None, count=1, source="test"):
    return HealthcareUse.objects.create(
        area_id=person.area_id,
        person=person,
        kind=kind,
        occurred_on=day or timezone.localdate() - dt.timedelta(days=400),
        count=count,
        source=source,
    )


def _fact(referral) -> HealthcareFact:
    return HealthcareFact.objects.get(referral=referral)


@pytest.fixture
def case():
    received = timezone.now() - dt.timedelta(days=300)
    return CaseFactory(referral__received_at=received)


# --- The same numbers as the live query ----------------------------------------------------


def test_the_stored_window_and_kinds_are_the_evaluations():
    assert healthcare_facts.WINDOW_DAYS == evaluation.HEALTHCARE_WINDOW_DAYS
    columns = {f.name for f in HealthcareFact._meta.get_fields()}
    assert set(healthcare_facts.COUNTS) <= columns
    assert len(healthcare_facts.COUNTS) == 2 * len(HealthcareUse.Kind.values)


def _world(team, other_team, seed: int) -> list:
    """_messy_world in `team`, a plain world in a second team of its area and one in
    another area, then awkward referrals: a second referral (with a case) for people with
    healthcare use, referrals without a case, referrals received late in the evening."""
    _messy_world(team, seed)
    neighbour = TeamFactory(area=team.area, name=f"Neighbour {seed}")
    generate(Plan(people=40, seed=seed + 1), team=neighbour)
    generate(Plan(people=40, seed=seed + 2), team=other_team)
    rng = random.Random(seed)
    now = timezone.now()
    people = list({r.person for r in Referral.objects.select_related("person")})
    rng.shuffle(people)
    for person in people[:30]:
        received = now - dt.timedelta(days=rng.randint(150, 450), hours=rng.randint(0, 23))
        referral = ReferralFactory(person=person, team=person.team, received_at=received)
        if rng.random() < 0.7:
            CaseFactory(referral=referral)
    for _ in range(10):  # late in the evening, London time: the day is not UTC's
        day = (now - dt.timedelta(days=rng.randint(190, 380))).date()
        person = rng.choice(people)
        at = dt.datetime.combine(day, dt.time(23, 30), tzinfo=LONDON)
        CaseFactory(referral=ReferralFactory(person=person, team=person.team, received_at=at))
        _use(person, rng.choice(HealthcareUse.Kind.values), day, source=f"late {day}")
    healthcare_facts.rebuild()  # the generators' bulk_create sends no signals
    return [neighbour.pk]


@pytest.mark.parametrize("seed", [3, 8])
def test_the_facts_give_exactly_the_live_numbers_for_any_selection(team, other_team, seed):
    (neighbour,) = _world(team, other_team, seed)
    assert healthcare_facts.differences() == []
    assert HealthcareFact.objects.count() > 100
    today = timezone.localdate()
    days = sorted(HealthcareFact.objects.values_list("received_on", flat=True))
    middle = days[len(days) // 2]
    selections = [
        Selection(),
        Selection(area_id=team.area_id),
        Selection(area_id=other_team.area_id),
        Selection(team_id=team.pk),
        Selection(team_id=neighbour),
        Selection(area_id=team.area_id, team_id=other_team.pk),  # nothing in both
        Selection(date_from=middle),
        Selection(date_to=middle),
        Selection(area_id=team.area_id, date_from=middle.replace(day=15)),
        Selection(team_id=team.pk, date_from=days[5], date_to=days[-5]),
        Selection(date_from=days[0].replace(day=14), date_to=middle.replace(day=17)),
        Selection(date_from=middle, date_to=middle),
    ]
    # Days of evaluation that cut the referrals at different places, and today.
    todays = [today, today - dt.timedelta(days=18)]
    todays += [d + dt.timedelta(days=WINDOW) for d in (days[0], middle, days[-3], days[-1])]
    todays += [days[0] + dt.timedelta(days=WINDOW - 1)]  # before any: nobody
    compared = 0
    for selection in selections:
        for day in todays:
            kept, live = _kept(selection, day), _live(selection, day)
            assert kept == live, (selection, day)
            compared += kept.people
    assert compared > 1000
    # An empty selection (the live query cannot compile one): nobody.
    assert _kept(Selection(team_id=team.pk, empty=True), today).people == 0
    # A queryset of referrals (not a Selection) is read through its facts.
    referrals = Referral.objects.filter(team=team, person__sex="female")
    latest = _latest(today)
    assert healthcare_sums_from_facts(
        referrals, latest=latest, window_days=WINDOW
    ) == evaluation_sql.healthcare_sums(referrals, latest=latest, window_days=WINDOW)


def test_the_evaluations_healthcare_use_is_the_same_from_the_facts(team, other_team):
    _world(team, other_team, 5)

    class FromFacts:
        @staticmethod
        def healthcare_sums(referrals, *, latest, window_days):
            return healthcare_sums_from_facts(referrals, latest=latest, window_days=window_days)

    today = timezone.localdate()
    for selection in (Selection(), Selection(team_id=team.pk)):
        live = evaluation.healthcare_use(selection.referrals(), today=today)
        assert evaluation.healthcare_use(selection, today=today, source=FromFacts) == live
        assert live["people"] != "<5"


def test_another_window_or_a_latest_not_at_a_days_end_is_counted_live(case):
    """The facts say nothing then (None), and the evaluation counts from the events."""
    _use(case.person, day=timezone.localdate(case.referral.received_at) - dt.timedelta(days=190))
    _use(case.person, day=timezone.localdate(case.referral.received_at) + dt.timedelta(days=3))
    everything = Selection()
    for window in (182, 200):
        latest = _latest(timezone.localdate())
        live = evaluation_sql.healthcare_sums(
            everything.referrals(), latest=latest, window_days=window
        )
        kept = healthcare_sums_from_facts(everything, latest=latest, window_days=window)
        assert kept == live if window == WINDOW else kept is None
        assert evaluation_sql.healthcare_sums(everything, latest=latest, window_days=window) == live
    assert live.before["gp_appointment"] == 1  # 190 days before: only in the 200-day window
    received = case.referral.received_at
    for latest in (received, received - dt.timedelta(seconds=1)):
        live = evaluation_sql.healthcare_sums(
            everything.referrals(), latest=latest, window_days=WINDOW
        )
        assert healthcare_sums_from_facts(everything, latest=latest, window_days=WINDOW) is None
        assert evaluation_sql.healthcare_sums(everything, latest=latest, window_days=WINDOW) == live
        assert live.people == (1 if latest == received else 0)


# --- Kept in step with the records -------------------------------------------------------------


def test_an_event_added_edited_moved_and_deleted_is_followed(case, worker):
    referral, person = case.referral, case.person
    day = timezone.localdate(referral.received_at)
    assert not HealthcareFact.objects.exists()  # no healthcare use recorded: not known
    far = _use(person, day=day - dt.timedelta(days=300))  # any use makes the referral count
    assert (_fact(referral).before_gp_appointment, _fact(referral).received_on) == (0, day)
    row = record_healthcare_use(
        person, kind="ae_attendance", occurred_on=day - dt.timedelta(days=1), count=3, by=worker
    )
    assert _fact(referral).before_ae_attendance == 3
    row.occurred_on, row.kind, row.count = day, "outpatient", 2
    row.save()
    fact = _fact(referral)
    assert (fact.before_ae_attendance, fact.after_outpatient) == (0, 2)
    row.occurred_on = day + dt.timedelta(days=WINDOW)  # just out of the window after
    row.save()
    assert _fact(referral).after_outpatient == 0
    _consistent()
    other = CaseFactory(referral__received_at=referral.received_at)
    row.person, row.occurred_on = other.person, day
    row.save()  # moved to someone else: both people's referrals are rewritten
    assert _fact(other.referral).after_outpatient == 2
    assert _fact(referral).after_outpatient == 0
    _consistent()
    far.delete()
    assert HealthcareFact.objects.filter(referral=referral).exists() is False
    HealthcareUse.objects.filter(pk=row.pk).delete()  # a queryset's delete sends signals too
    assert not HealthcareFact.objects.exists()
    _consistent()


def test_a_referral_moved_to_another_team_or_day_is_followed(case, other_team):
    referral = case.referral
    day = timezone.localdate(referral.received_at)
    _use(case.person, day=day + dt.timedelta(days=10))
    assert _fact(referral).after_gp_appointment == 1
    referral.team, referral.area = other_team, other_team.area
    referral.save()
    fact = _fact(referral)
    assert (fact.team_id, fact.area_id) == (other_team.pk, other_team.area_id)
    referral.received_at += dt.timedelta(days=11)
    referral.save(update_fields=["received_at"])
    fact = _fact(referral)
    assert (fact.received_on, fact.before_gp_appointment, fact.after_gp_appointment) == (
        day + dt.timedelta(days=11),
        1,
        0,
    )
    referral.notes = "only notes"
    referral.save(update_fields=["notes"])  # nothing a fact holds: not rewritten
    _consistent()


def test_a_case_created_or_deleted_is_followed():
    referral = ReferralFactory(received_at=timezone.now() - dt.timedelta(days=250))
    _use(referral.person)
    assert not HealthcareFact.objects.exists()  # no case: not counted
    case = CaseFactory(referral=referral)
    assert _fact(referral).received_on == timezone.localdate(referral.received_at)
    _consistent()
    Case.objects.filter(pk=case.pk).delete()
    assert not HealthcareFact.objects.exists()
    _consistent()


def test_a_merge_moves_the_duplicates_referrals_and_use_onto_the_kept_person(team, supervisor):
    received = timezone.now() - dt.timedelta(days=250)
    kept_case = CaseFactory(referral__team=team, referral__person__team=team)
    kept = kept_case.person
    duplicate_case = CaseFactory(
        referral__team=team, referral__person__team=team, referral__received_at=received
    )
    duplicate = duplicate_case.person
    duplicate.possible_duplicate_of = kept
    duplicate.save()
    day = timezone.localdate(received)
    _use(duplicate, kind="outpatient", day=day - dt.timedelta(days=5), count=4)
    assert _fact(duplicate_case.referral).before_outpatient == 4
    assert not HealthcareFact.objects.filter(referral=kept_case.referral).exists()
    merge_people(duplicate, by=supervisor)
    # The kept person now has use: their own referral counts too.
    assert _fact(kept_case.referral).received_on == timezone.localdate(
        kept_case.referral.received_at
    )
    assert _fact(duplicate_case.referral).before_outpatient == 4
    _consistent()


def test_a_rolled_back_change_leaves_the_facts_as_they_were(case):
    day = timezone.localdate(case.referral.received_at)
    _use(case.person, day=day)
    with pytest.raises(RuntimeError), transaction.atomic():
        _use(case.person, day=day, kind="ae_attendance", count=7)
        other = CaseFactory(referral__person=case.person)
        assert _fact(case.referral).after_ae_attendance == 7
        assert HealthcareFact.objects.filter(referral=other.referral).exists()
        raise RuntimeError
    assert _fact(case.referral).after_ae_attendance == 0
    assert HealthcareFact.objects.count() == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        HealthcareUse.objects.all().delete()
        assert not HealthcareFact.objects.exists()
        raise RuntimeError
    assert _fact(case.referral).after_gp_appointment == 1
    _consistent()


def test_a_batch_writes_each_referral_once_at_the_end(case):
    day = timezone.localdate(case.referral.received_at)
    with healthcare_facts.batched():
        for offset in (-3, -2, 1, 2):
            _use(case.person, day=day + dt.timedelta(days=offset), source=str(offset))
        assert not HealthcareFact.objects.exists()
    fact = _fact(case.referral)
    assert (fact.before_gp_appointment, fact.after_gp_appointment) == (2, 2)
    _consistent()


def test_a_rebuild_equals_what_the_signals_kept_and_a_check_finds_a_stale_row(case):
    day = timezone.localdate(case.referral.received_at)
    _use(case.person, day=day - dt.timedelta(days=1), count=2)
    second = CaseFactory(referral__person=case.person)
    before = sorted(HealthcareFact.objects.values_list(*healthcare_facts.COUNTS, "referral_id"))
    assert healthcare_facts.rebuild() == 2
    after = sorted(HealthcareFact.objects.values_list(*healthcare_facts.COUNTS, "referral_id"))
    assert before == after
    HealthcareFact.objects.filter(referral=case.referral).update(before_gp_appointment=5)
    HealthcareUse.objects.bulk_create(  # no signals: the facts do not know
        [
            HealthcareUse(
                area_id=case.area_id, person=case.person, kind="outpatient", occurred_on=day
            )
        ]
    )
    HealthcareFact.objects.filter(referral=second.referral).delete()
    assert sorted(healthcare_facts.differences()) == [
        f"different healthcare fact: referral {case.referral_id}",
        f"missing healthcare fact: referral {second.referral_id}",
    ]
    healthcare_facts.refresh_people([case.person_id])  # what a bulk writer calls
    _consistent()


@pytest.mark.django_db(transaction=True)
def test_two_transactions_writing_one_persons_use_take_turns_and_both_count():
    """PostgreSQL: B's refresh waits for A's (the referral row is locked) and then counts
    A's committed event as well as its own, instead of failing on A's new row or keeping
    a row that misses one of them."""
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    import threading

    case = CaseFactory(referral__received_at=timezone.now() - dt.timedelta(days=250))
    day = timezone.localdate(case.referral.received_at)
    a_refreshed, errors = threading.Event(), []

    def write(kind, wait):
        try:
            with transaction.atomic():
                _use(case.person, kind=kind, day=day, source=kind)
                if wait:  # A: hold the lock a while after its refresh
                    a_refreshed.set()
                    threading.Event().wait(0.5)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    a = threading.Thread(target=write, args=("outpatient", True))
    a.start()
    assert a_refreshed.wait(10)
    b = threading.Thread(target=write, args=("ae_attendance", False))
    b.start()
    a.join(10)
    b.join(10)
    assert errors == []
    fact = _fact(case.referral)
    assert (fact.after_outpatient, fact.after_ae_attendance) == (1, 1)
    _consistent()


def test_the_healthcare_use_import_keeps_the_facts(worker, tmp_path):
    """The CSV import writes with bulk_create, past the models' signals; it announces what
    it wrote (outcomes.signals.healthcare_use_written) and the facts follow."""
    case = CaseFactory(
        referral__team=worker.team,
        referral__area=worker.team.area,
        referral__person__team=worker.team,
        referral__person__area=worker.team.area,
        referral__person__nhs_number="9434765919",
        referral__received_at=timezone.now() - dt.timedelta(days=300),
    )
    person = case.person
    received = timezone.localdate(case.referral.received_at)
    path = tmp_path / "use.csv"
    path.write_text(
        "nhs_number,kind,date,count\n"
        f"{person.nhs_number},gp_appointment,{received - dt.timedelta(days=10)},2\n"
        f"{person.nhs_number},ae_attendance,{received + dt.timedelta(days=20)},1\n"
    )
    call_command("import_healthcare_use", str(path), "--as", worker.username, stdout=io.StringIO())
    fact = _fact(case.referral)
    assert (fact.before_gp_appointment, fact.after_ae_attendance) == (2, 1)
    assert healthcare_facts.differences() == []
