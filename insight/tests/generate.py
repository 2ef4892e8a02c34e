"""A seeded world with a planted effect, for testing the evaluation.

`generate(Plan(...), team=team)` writes real rows (people, referrals, cases, contacts,
connections to categorised services, SWEMWBS responses scored by outcomes.scoring, and
healthcare use) and returns what was planted, so a test can check that the evaluation
recovers it. Each person's SWEMWBS follow-up is their baseline plus:

- `trend` for everyone (what happens anyway: the comparison group's change),
- `gain` more for people who attended a walking group ("Physical activity"),
- `arts_gain` more, instead, for people who attended an arts group ("Arts and creativity"),
- noise (normal, SD `noise`),

then rounded to the nearest score the instrument can give. Everyone referred is measured at
baseline (a week after referral) and at a 14-day check; `lost_share` of them are never
measured again (lost to follow-up, and their 14-day score is far off, so counting it as a
follow-up would show); the rest are followed up at 12 weeks. GP appointments fall by
`gp_fall` a person in the six months after referral; A&E attendances do not change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from casework.models import Case, Connection, Contact
from casework.tests.factories import CaseFactory, ConnectionFactory, ContactFactory
from directory.models import Attribute, TaxonomyTerm
from directory.taxonomy import load_taxonomy
from directory.tests.factories import ServiceFactory
from insight import summaries
from outcomes.instruments import get_instrument
from outcomes.models import HealthcareUse, Response, Timepoint
from outcomes.scoring import score
from people.models import Person
from referrals.models import Referral
from referrals.reasons import Reason

WALKING, ARTS = "srx:activity.walking", "srx:creative.arts"
REASONS = [Reason.LONELINESS, Reason.LOW_MOOD, Reason.INACTIVITY, Reason.MONEY]


@dataclass(frozen=True)
class Plan:
    people: int = 400
    seed: int = 1
    treated_share: float = 0.65
    arts_share: float = 0.35  # of the treated
    trend: float = 1.5
    gain: float = 2.0
    arts_gain: float = 4.0
    noise: float = 2.0
    lost_share: float = 0.1
    gp_before: float = 4.0
    gp_fall: float = 1.0
    # Confounding, off by default: people who start lower are more likely to attend
    # (`confounding` more per point below 20) and everyone drifts back towards 20 by
    # `regression_to_mean` of the distance (what a low baseline does anyway).
    confounding: float = 0.0
    regression_to_mean: float = 0.0


@dataclass
class Planted:
    """What was planted, over the people who have a follow-up (the pairs)."""

    pairs: int = 0
    treated_pairs: int = 0
    comparison_pairs: int = 0
    lost: int = 0
    treated_gain: float = 0.0  # mean planted gain over the treated pairs (no trend, no noise)
    by_category: dict[str, float] = field(default_factory=dict)  # expected mean change


def _swemwbs_answers(latent: float) -> list[int]:
    """Seven answers (1-5) whose metric score is the one nearest to `latent`."""
    table = get_instrument("swemwbs").definition["conversion"]
    raw = min(table, key=lambda r: abs(table[r] - latent))
    total = int(raw)
    answers = [1] * 7
    for i in range(total - 7):
        answers[i % 7] += 1
    return answers


def _response(case: Case, answers: list[int], at: dt.datetime, timepoint: str) -> Response:
    instrument = get_instrument("swemwbs")
    result = score(instrument, answers)
    return Response(
        area_id=case.area_id,
        person_id=case.person_id,
        case=case,
        instrument=instrument.id,
        instrument_version=instrument.version,
        timepoint=timepoint,
        answers=dict(zip(instrument.item_ids, answers, strict=True)),
        raw=result.raw,
        score=result.score,
        band=result.band,
        via=Response.Via.LINK_WORKER,
        completed_at=at,
        recorded_by=case.link_worker,
    )


def _services() -> dict[str, object]:
    """A walking group and an arts group, each under a child term of the taxonomy (so its
    category is the top-level term above it)."""
    load_taxonomy()
    services = {}
    for code, name in ((WALKING, "Tuesday health walk"), (ARTS, "Open art studio")):
        service = ServiceFactory(name=name)
        Attribute.objects.create(
            link_id=service.pk,
            taxonomy_term=TaxonomyTerm.objects.get(code=code),
            link_entity="service",
            link_type="category",
        )
        services[code] = service
    return services


def generate(plan: Plan, *, team, now: dt.datetime | None = None) -> Planted:
    """Write the world for `plan` into `team` and return what was planted."""
    rng = np.random.default_rng(plan.seed)
    now = now or timezone.now()
    worker = UserFactory(role=Role.LINK_WORKER, team=team)
    services = _services()
    people, referrals, cases = [], [], []
    for i in range(plan.people):
        received = now - dt.timedelta(days=int(rng.integers(200, 400)))
        age = int(rng.integers(18, 90))
        birth = (received - dt.timedelta(days=int(age * 365.25 + 30))).date()
        person = Person(
            area_id=team.area_id,
            team=team,
            given_name="Generated",
            family_name=f"Person {i}",
            birth_date=birth,
            sex=str(rng.choice(["female", "male"])),
        )
        reasons = sorted({str(r) for r in rng.choice(REASONS, size=int(rng.integers(1, 3)))})
        referral = Referral(
            area_id=team.area_id,
            team=team,
            person=person,
            source=Referral.Source.CLINICIAN,
            reasons=reasons,
            status=Referral.Status.ACCEPTED,
            received_at=received,
        )
        case = Case(
            area_id=team.area_id,
            team=team,
            person=person,
            referral=referral,
            link_worker=worker,
            opened_at=received + dt.timedelta(days=2),
        )
        people.append(person)
        referrals.append(referral)
        cases.append(case)
    Person.objects.bulk_create(people)
    Referral.objects.bulk_create(referrals)
    Case.objects.bulk_create(cases)

    planted = Planted()
    connections, contacts, responses, use = [], [], [], []
    gains: list[float] = []
    by_category: dict[str, list[float]] = {"Physical activity": [], "Arts and creativity": []}
    for case in cases:
        received = case.referral.received_at
        baseline = float(np.clip(rng.normal(20.0, 2.5), 12.0, 28.0))
        chance = plan.treated_share + plan.confounding * (20.0 - baseline)
        treated = rng.random() < min(max(chance, 0.05), 0.95)
        gain = 0.0
        if treated:
            arts = rng.random() < plan.arts_share
            code = ARTS if arts else WALKING
            gain = plan.arts_gain if arts else plan.gain
            service = services[code]
            connections.append(
                Connection(
                    area_id=case.area_id,
                    case=case,
                    service=service,
                    organization=service.organization,
                    status=Connection.Status.ONGOING,
                    proposed_at=received + dt.timedelta(days=5),
                    sent_at=received + dt.timedelta(days=5),
                    first_attended_on=(received + dt.timedelta(days=12)).date(),
                )
            )
        elif rng.random() < 0.5:  # offered a connection, but never went
            service = services[WALKING]
            connections.append(
                Connection(
                    area_id=case.area_id,
                    case=case,
                    service=service,
                    organization=service.organization,
                    status=Connection.Status.DECLINED,
                    decline_reason="The group is full.",
                    proposed_at=received + dt.timedelta(days=5),
                )
            )
        n_contacts = int(rng.integers(3, 13) if treated else rng.integers(0, 5))
        for k in range(n_contacts):
            contacts.append(
                Contact(
                    area_id=case.area_id,
                    case=case,
                    happened_on=(received + dt.timedelta(days=3 + 7 * k)).date(),
                    mode=Contact.Mode.PHONE,
                    minutes=20,
                    recorded_by=worker,
                )
            )
        start = received + dt.timedelta(days=7)
        responses.append(_response(case, _swemwbs_answers(baseline), start, Timepoint.BASELINE))
        lost = rng.random() < plan.lost_share
        # A 14-day check far from the baseline: never a follow-up (under 28 days).
        check = start + dt.timedelta(days=14)
        responses.append(_response(case, _swemwbs_answers(baseline + 6), check, Timepoint.OTHER))
        if lost:
            planted.lost += 1
        else:
            drift = plan.regression_to_mean * (20.0 - baseline)
            follow_up = baseline + plan.trend + drift + gain + rng.normal(0.0, plan.noise)
            at = start + dt.timedelta(days=84)
            responses.append(_response(case, _swemwbs_answers(follow_up), at, Timepoint.WEEK_12))
            planted.pairs += 1
            if treated:
                planted.treated_pairs += 1
                gains.append(gain)
                category = "Arts and creativity" if gain == plan.arts_gain else "Physical activity"
                by_category[category].append(plan.trend + gain)
            else:
                planted.comparison_pairs += 1
        referred = received.date()
        gp_before = int(rng.poisson(plan.gp_before))
        gp_after = int(rng.poisson(max(plan.gp_before - plan.gp_fall, 0.0)))
        ae = [int(rng.poisson(0.5)), int(rng.poisson(0.5))]
        for kind, before, after in (
            (HealthcareUse.Kind.GP_APPOINTMENT, gp_before, gp_after),
            (HealthcareUse.Kind.AE_ATTENDANCE, ae[0], ae[1]),
        ):
            for days, n in ((-90, before), (90, after)):
                if n:
                    use.append(
                        HealthcareUse(
                            area_id=case.area_id,
                            person_id=case.person_id,
                            kind=kind,
                            occurred_on=referred + dt.timedelta(days=days),
                            count=n,
                            source="generated",
                        )
                    )
    Connection.objects.bulk_create(connections)
    Contact.objects.bulk_create(contacts)
    Response.objects.bulk_create(responses)
    HealthcareUse.objects.bulk_create(use)
    summaries.rebuild_all()  # bulk_create sends no signals: every summary from the records
    planted.treated_gain = float(np.mean(gains)) if gains else 0.0
    planted.by_category = {k: float(np.mean(v)) for k, v in by_category.items() if v}
    return planted


def measured_case(team, *, change, attended=None, contacts=0, reasons=("loneliness",)):
    """A case with SWEMWBS at baseline and 40 days later (`change` apart)."""
    case = CaseFactory(
        referral__team=team, referral__person__team=team, referral__reasons=list(reasons)
    )
    start = timezone.now() - dt.timedelta(days=100)
    for days, value in ((0, 20.0), (40, 20.0 + change)):
        Response.objects.create(
            area=case.area,
            person=case.person,
            case=case,
            instrument="swemwbs",
            instrument_version="1",
            answers={},
            score=value,
            via="link_worker",
            completed_at=start + dt.timedelta(days=days),
        )
    if attended is not None:
        ConnectionFactory(
            case=case,
            service=attended,
            status="ongoing",
            first_attended_on=timezone.localdate() - dt.timedelta(days=50),
        )
    for _ in range(contacts):
        ContactFactory(case=case)
    return case
