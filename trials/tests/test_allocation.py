"""Consent, concealed stratified allocation, and that an allocation is final."""

import datetime as dt
import random
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from django.utils import timezone

from audit.models import Event
from casework.tests.factories import CaseFactory
from socialrx.errors import Conflict
from trials import actions, queries
from trials.models import AllocationBlock, Participant, Trial
from trials.tests.factories import TrialFactory

pytestmark = pytest.mark.django_db


def eligible_case(team, worker, *, sex="female", birth=dt.date(1950, 5, 1), **kw):
    return CaseFactory(
        referral__person__team=team,
        referral__person__sex=sex,
        referral__person__birth_date=birth,
        link_worker=worker,
        **kw,
    )


@pytest.fixture
def trial(team):
    return TrialFactory(team=team, stratify_by=["age", "sex"])


def test_an_accepted_routine_referral_waits_for_a_consent_decision(trial, team, worker):
    case = eligible_case(team, worker)
    assert queries.pending_trial_for(case) == trial


@pytest.mark.parametrize(
    "change",
    ["urgent", "opened_before_switch_on", "switched_off", "other_team", "ended", "discharged"],
)
def test_who_is_not_asked(change, trial, team, worker, other_team, stranger):
    kw = {}
    if change == "urgent":
        kw["referral__urgency"] = "urgent"
    if change == "opened_before_switch_on":
        kw["opened_at"] = trial.switched_on_at - dt.timedelta(hours=1)
    if change == "discharged":
        kw.update(status="discharged", discharged_at=trial.switched_on_at, discharge_reason="other")
    if change == "other_team":
        case = eligible_case(other_team, stranger)
    else:
        case = eligible_case(team, worker, **kw)
    if change == "switched_off":
        Trial.objects.filter(pk=trial.pk).update(switched_off_at=trial.switched_on_at)
    if change == "ended":
        Trial.objects.filter(pk=trial.pk).update(
            ends_on=timezone.localdate() - dt.timedelta(days=1),
            starts_on=timezone.localdate() - dt.timedelta(days=30),
        )
        case.opened_at = case.opened_at - dt.timedelta(days=3)
    assert queries.pending_trial_for(case) is None


def test_no_consent_means_not_randomised(trial, team, worker):
    case = eligible_case(team, worker)
    participant = actions.record_consent(case, trial=trial, consented=False, by=worker)
    assert participant.consent == "declined"
    assert participant.arm == "" and participant.block is None
    assert not AllocationBlock.objects.exists()  # nothing was drawn
    event = Event.objects.get(record_type="trials.Participant")
    assert event.detail == {"trial": trial.pk, "consent": "declined"}
    assert event.person_id == case.person_id
    assert queries.pending_trial_for(case) is None  # asked once only


def test_consent_allocates_and_audits_who_when_and_which_arm(trial, team, worker, seeded):
    seeded(1)
    case = eligible_case(team, worker)
    participant = actions.record_consent(case, trial=trial, consented=True, by=worker)
    assert participant.arm in ("now", "wait")
    assert participant.stratum == "age=65+; sex=female"
    assert participant.recorded_by == worker and participant.recorded_at is not None
    assert participant.wait_ends_on == case.referral.received_at.date() + dt.timedelta(weeks=8)
    event = Event.objects.get(record_type="trials.Participant")
    assert event.actor == worker
    assert event.detail["arm"] == participant.arm
    assert event.detail["stratum"] == participant.stratum


def test_an_allocation_can_never_be_changed(trial, team, worker):
    case = eligible_case(team, worker)
    participant = actions.record_consent(case, trial=trial, consented=True, by=worker)
    with pytest.raises(Conflict), transaction.atomic():
        actions.record_consent(case, trial=trial, consented=True, by=worker)
    with pytest.raises(Conflict), transaction.atomic():
        actions.record_consent(case, trial=trial, consented=False, by=worker)
    participant.arm = "wait" if participant.arm == "now" else "now"
    with pytest.raises(PermissionError):
        participant.save()
    with pytest.raises(PermissionError):
        participant.delete()
    assert Participant.objects.count() == 1


def test_a_switched_off_trial_allocates_no_one(trial, team, worker, commissioner):
    case = eligible_case(team, worker)
    actions.switch_off(trial, by=commissioner)
    with pytest.raises(Conflict):
        actions.record_consent(case, trial=trial, consented=True, by=worker)
    assert not Participant.objects.exists()


def test_the_next_block_is_drawn_only_when_the_stratum_needs_it(trial, team, worker):
    """Concealed: no sequence exists ahead of time for a stratum nobody has entered."""
    eligible_case(team, worker)
    assert not AllocationBlock.objects.exists()
    first = eligible_case(team, worker, sex="male")
    actions.record_consent(first, trial=trial, consented=True, by=worker)
    assert list(AllocationBlock.objects.values_list("stratum", flat=True)) == ["age=65+; sex=male"]


def _allocate_many(trial, n_per_stratum, strata):
    arms = defaultdict(list)
    with transaction.atomic():
        for i in range(n_per_stratum * len(strata)):
            stratum = strata[i % len(strata)]
            _, arm = actions._next_arm(trial, stratum)
            arms[stratum].append(arm)
    return arms


@pytest.mark.parametrize(("ratio_now", "ratio_wait"), [(1, 1), (2, 1)])
def test_allocation_is_balanced_within_each_stratum(team, ratio_now, ratio_wait):
    trial = TrialFactory(team=team, ratio_now=ratio_now, ratio_wait=ratio_wait)
    strata = ["age=65+; sex=female", "age=under 40; sex=male", "age=40-64; sex=female"]
    arms = _allocate_many(trial, 150, strata)
    largest = 3 * (ratio_now + ratio_wait)
    for sequence in arms.values():
        for i in range(1, len(sequence) + 1):
            counts = Counter(sequence[:i])
            # Within a block the arms drift apart by at most the block's size ...
            assert abs(ratio_wait * counts["now"] - ratio_now * counts["wait"]) <= largest
        # ... and over many blocks the ratio holds.
        counts = Counter(sequence)
        assert counts["now"] / len(sequence) == pytest.approx(
            ratio_now / (ratio_now + ratio_wait), abs=largest / len(sequence)
        )
    sizes = {len(b) for b in AllocationBlock.objects.values_list("sequence", flat=True)}
    assert len(sizes) > 1  # block sizes vary


def test_a_seeded_source_repeats_the_allocations(team, seeded):
    strata = ["all"]
    seeded(5)
    first = _allocate_many(TrialFactory(team=team), 30, strata)["all"]
    seeded(5)
    again = _allocate_many(TrialFactory(team=team), 30, strata)["all"]
    seeded(6)
    other = _allocate_many(TrialFactory(team=team), 30, strata)["all"]
    assert first == again
    assert first != other


def test_the_service_draws_from_the_operating_systems_source():
    assert isinstance(actions.random_source(), random.SystemRandom)


def test_consenting_people_are_balanced_in_their_strata_through_the_action(team, worker, seeded):
    seeded(11)
    trial = TrialFactory(team=team, stratify_by=["sex"])
    by_stratum = defaultdict(list)
    for i in range(24):
        case = eligible_case(team, worker, sex="female" if i % 2 else "male")
        p = actions.record_consent(case, trial=trial, consented=True, by=worker)
        by_stratum[p.stratum].append(p.arm)
    assert set(by_stratum) == {"sex=female", "sex=male"}
    for arms in by_stratum.values():
        counts = Counter(arms)
        assert abs(counts["now"] - counts["wait"]) <= 3


def test_switching_on_refuses_an_overlap_and_bad_values(team, commissioner):
    today = timezone.localdate()
    kw = {
        "by": commissioner,
        "team": team,
        "name": "Trial A",
        "starts_on": today,
        "ends_on": today + dt.timedelta(days=60),
        "delay_weeks": 8,
    }
    trial = actions.switch_on(**kw, stratify_by=["age"])
    assert Event.objects.filter(record_type="trials.Trial", verb="create").count() == 1
    for change, field in [
        ({"name": "Trial B"}, "starts_on"),  # overlaps Trial A
        ({"ends_on": today - dt.timedelta(days=1)}, "ends_on"),
        ({"delay_weeks": 0}, "delay_weeks"),
        ({"ratio_now": 4}, "ratio_now"),
        ({"stratify_by": ["postcode"]}, "stratify_by"),
        ({"name": "  "}, "name"),
    ]:
        with pytest.raises(Exception) as exc, transaction.atomic():
            actions.switch_on(**{**kw, **change})
        assert getattr(exc.value, "field", None) == field
    actions.switch_off(trial, by=commissioner)
    assert actions.switch_on(**{**kw, "name": "Trial B"}).pk != trial.pk  # A is off now
    with pytest.raises(Conflict):
        actions.switch_off(trial, by=commissioner)


def test_the_action_refuses_a_referral_the_trial_does_not_cover(
    trial, team, worker, stranger, other_team
):
    from socialrx.errors import DomainError

    urgent = eligible_case(team, worker, referral__urgency="urgent")
    elsewhere = eligible_case(other_team, stranger)
    for case in (urgent, elsewhere):
        with pytest.raises(DomainError), transaction.atomic():
            actions.record_consent(case, trial=trial, consented=True, by=worker)
    assert not Participant.objects.exists() and not AllocationBlock.objects.exists()
