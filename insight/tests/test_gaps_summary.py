"""The gaps page's needs read from the summary (insight.gaps_summary) give exactly what the
former implementation gave from the records (kept below as the reference), for every
filter, on a seeded random world; and every kind of change keeps the summary right."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

import pytest
from django.db import connection, transaction
from django.db.models import Case as Choose
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL

from accounts.tests.factories import AreaFactory, TeamFactory
from casework.models import Connection
from casework.tests.factories import CaseFactory, ConnectionFactory, GoalFactory
from directory.models import Attribute, Service, TaxonomyTerm, VerificationTask
from directory.taxonomy import codes_for_need, codes_for_reason, load_taxonomy
from directory.tests.factories import LocationFactory, ServiceAtLocationFactory, ServiceFactory
from insight import gaps, gaps_summary
from insight.access import Scope
from insight.dashboards import Filters, gives_reason
from insight.models import GapNeed
from insight.sql import fetch, sql_of
from outcomes.models import Response
from people.models import Person
from people.tests.factories import PersonFactory
from places.models import Postcode
from referrals.models import Referral
from referrals.reasons import Reason
from referrals.tests.factories import ReferralFactory

# --- The reference: insight.gaps as it was before the summary (counted from the records) ---


def _ref_need_counts(rows, needs, km):
    keys = [f"n_{key}" for key, _, _, _ in needs]
    flagged_sql, params = sql_of(
        rows.values(
            area_name=F("area__name"), postcode=F("person__postcode"), person_key=F("person_id")
        ).annotate(
            **{
                f"n_{key}": Max(Choose(When(q, then=Value(1)), default=Value(0)))
                for key, _, q, _ in needs
            }
        )
    )
    served_sql, served_params = sql_of(
        Postcode.objects.filter(postcode__in=RawSQL("SELECT g.postcode FROM g", ()))
        .annotate(**{f"n_{key}": gaps._service_within(codes, km) for key, _, _, codes in needs})
        .values("postcode", *keys)
    )
    sums = ", ".join(f"SUM(p.{k}) AS {k}" for k in keys)
    sql = f"""
WITH g AS (
    SELECT p.area_name, p.postcode, {sums} FROM ({flagged_sql}) p
    GROUP BY p.area_name, p.postcode
), s AS ({served_sql})
SELECT g.area_name, s.postcode, {", ".join(f"g.{k}" for k in keys)},
    {", ".join(f"s.{k}" for k in keys)}
FROM g LEFT JOIN s ON s.postcode = g.postcode
"""  # noqa: S608
    totals = {}
    for area, placed, *cells in fetch(sql, params + served_params):
        for i, (key, _, _, _) in enumerate(needs):
            n = int(cells[i] or 0)
            if not n:
                continue
            total = totals.setdefault((area, key), [0, 0, 0])
            total[0] += n
            if placed is None:
                total[2] += n
            elif cells[len(needs) + i]:
                total[1] += n
    labels = {key: label for key, label, _, _ in needs}
    return [
        gaps.NeedRow(area, labels[key], "", *total)
        for (area, key), total in sorted(
            totals.items(), key=lambda kv: (kv[0][0], list(labels).index(kv[0][1]))
        )
    ]


def _ref_reason_needs(f, km):
    referrals = Referral.objects.filter(f.q(), f.period("received_at"))
    needs = [(r.value, r.label, gives_reason(r.value), codes_for_reason(r.value)) for r in Reason]
    rows = _ref_need_counts(referrals, needs, km)
    for row in rows:
        row.source = "Referral reason"
    return rows


def _ref_screening_needs(f, km):
    responses = Response.objects.filter(
        f.q("case__"), f.period("completed_at"), instrument=gaps.SCREEN_INSTRUMENT
    )
    needs = [
        (d, label, Q(**{f"domains__{d}": "positive"}), codes_for_need(d))
        for d, label in gaps.SCREEN_DOMAINS
    ]
    rows = _ref_need_counts(responses, needs, km)
    for row in rows:
        row.source = "Screening"
    return rows


def _ref_needs(f, km):
    return _ref_reason_needs(f, km) + _ref_screening_needs(f, km)


def _ref_declined(f):
    reported = VerificationTask.objects.filter(service_id=OuterRef("service_id"))
    full = Q(service__capacity=Service.Capacity.FULL) | Q(
        Exists(reported.filter(reason=VerificationTask.Reason.FULL))
    )
    gone = ~Q(service__status=Service.Status.ACTIVE) | Q(
        Exists(reported.filter(reason=VerificationTask.Reason.CLOSED))
    )
    return {
        name: (a, b)
        for name, a, b in Connection.objects.filter(
            f.q("case__"), f.period("responded_at"), status=Connection.Status.DECLINED
        )
        .values_list("area__name")
        .annotate(full=Count("pk", filter=full), gone=Count("pk", filter=gone & ~full))
        .order_by()
    }


# --- A seeded random world --------------------------------------------------------------

ASHFORD = (51.146, 0.875)
CANTERBURY = (51.2802, 1.0789)
POSTCODES = ["TN23 1AA", "CT1 1AA", "ZZ9 9ZZ", ""]
# Around the clock change (29 March 2026) and over months; times near midnight both sides.
FIRST_DAY = dt.date(2026, 3, 20)
DAYS = 75
REASONS = [r.value for r in Reason]
DOMAINS = [d for d, _ in gaps.SCREEN_DOMAINS]


def _service(name, code, **fields):
    service = ServiceFactory(name=name, **fields)
    Attribute.objects.create(
        link_id=service.pk, link_entity="service", taxonomy_term=TaxonomyTerm.objects.get(code=code)
    )
    location = LocationFactory(latitude=ASHFORD[0], longitude=ASHFORD[1])
    ServiceAtLocationFactory(service=service, location=location)
    return service


def _moment(rng):
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
    # 22:30-01:30 UTC is the next or the same local day depending on the season.
    minutes = rng.choice([0, 22 * 60 + 30, 23 * 60 + 10, 23 * 60 + 59, 30, 12 * 60])
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)


@pytest.fixture
def world(db):
    rng = random.Random(16)
    load_taxonomy()
    Postcode.objects.create(
        postcode="TN23 1AA", outward="TN23", latitude=ASHFORD[0], longitude=ASHFORD[1]
    )
    Postcode.objects.create(
        postcode="CT1 1AA", outward="CT1", latitude=CANTERBURY[0], longitude=CANTERBURY[1]
    )
    services = [
        _service("Befriending", "srx:social.befriending"),
        _service("Debt advice", "srx:money", capacity=Service.Capacity.FULL),
        _service("Food bank", "srx:food"),
        _service("Old club", "srx:social.befriending", status=Service.Status.DEFUNCT),
        _service("Walks", "srx:social.befriending"),
        _service("Choir", "srx:social.befriending"),
    ]
    VerificationTask.objects.create(service=services[4], reason=VerificationTask.Reason.FULL)
    VerificationTask.objects.create(service=services[5], reason=VerificationTask.Reason.CLOSED)
    VerificationTask.objects.create(service=services[3], reason=VerificationTask.Reason.FULL)
    north, south = AreaFactory(code="north", name="North"), AreaFactory(code="south", name="South")
    # Another area with the same name: the page groups by name, so people count once.
    north2 = AreaFactory(code="north-2", name="North")
    teams = [
        TeamFactory(area=north, name="North PCN"),
        TeamFactory(area=north, name="North East PCN"),
        TeamFactory(area=south, name="South PCN"),
        TeamFactory(area=north2, name="Other North PCN"),
    ]
    areas = [north, south, north2]
    people = [
        PersonFactory(team=rng.choice(teams), postcode=rng.choice(POSTCODES)) for _ in range(45)
    ]
    for person in people:
        for _ in range(rng.choice([1, 1, 2, 3, 4])):
            team = rng.choice(teams)
            # Mostly the team's area; now and then another (the records allow it).
            area = team.area if rng.random() < 0.85 else rng.choice(areas)
            k = rng.choice([1, 1, 2, 3])
            referral = ReferralFactory(
                person=person,
                team=team,
                area=area,
                reasons=rng.sample(REASONS[:5], k) if rng.random() < 0.9 else [],
                received_at=_moment(rng),
            )
            if rng.random() < 0.6:
                case = CaseFactory(referral=referral)
                for _ in range(rng.choice([0, 1, 2])):
                    ConnectionFactory(
                        case=case,
                        service=rng.choice(services),
                        status=rng.choice(list(Connection.Status)),
                        responded_at=_moment(rng),
                        decline_reason="We are full.",
                        drop_reason="Moved away.",
                    )
                if rng.random() < 0.4:
                    GoalFactory(case=case)
                for _ in range(rng.choice([0, 1, 2])):
                    _screen(rng, person, case, area)
        if rng.random() < 0.2:
            _screen(rng, person, None, rng.choice(areas))
    return {"areas": areas, "teams": teams, "people": people, "rng": rng}


def _screen(rng, person, case, area):
    domains = {d: rng.choice(["positive", "negative", "positive"]) for d in rng.sample(DOMAINS, 3)}
    return Response.objects.create(
        area=area if rng.random() < 0.8 else (case.area if case else area),
        person=person,
        case=case,
        instrument="hrsn",
        instrument_version="1",
        answers={},
        domains=domains,
        via=Response.Via.LINK_WORKER,
        completed_at=_moment(rng),
    )


def _filters(world):
    north, south, _ = world["areas"]
    teams = world["teams"]
    periods = [
        (None, None),
        (dt.date(2026, 3, 29), None),  # the day the clocks change
        (None, dt.date(2026, 4, 15)),
        (dt.date(2026, 4, 3), dt.date(2026, 4, 17)),  # mid-month to mid-month
        (dt.date(2026, 4, 10), dt.date(2026, 4, 10)),  # one day
        (dt.date(2026, 3, 25), dt.date(2026, 5, 20)),
        (dt.date(2026, 6, 1), dt.date(2026, 6, 30)),
    ]
    scopes = [Scope(), Scope(area_id=north.pk), Scope(area_id=north.pk, team_id=teams[0].pk)]
    narrowing = [
        {},
        {"area_id": north.pk},
        {"area_id": south.pk},
        {"team_id": teams[1].pk},
        {"team_id": teams[2].pk},
        {"area_id": north.pk, "team_id": teams[0].pk},
        {"area_id": south.pk, "team_id": teams[0].pk},  # nothing
    ]
    for scope in scopes:
        for extra in narrowing:
            for start, end in periods:
                yield Filters(scope, start=start, end=end, **extra)


def _same_everywhere(world, every=1):
    checked = 0
    for i, f in enumerate(_filters(world)):
        if i % every == 0:
            assert gaps.needs(f, 5) == _ref_needs(f, 5), f
            checked += 1
    return checked


def test_the_summary_gives_the_reference_numbers_for_every_filter(world):
    assert GapNeed.objects.filter(prev__isnull=False).exists()  # repeat needs are there
    assert GapNeed.objects.filter(source=gaps_summary.SCREEN).exists()
    assert _same_everywhere(world) > 100
    f = Filters(Scope())
    assert gaps.needs(f, 25) == _ref_needs(f, 25)
    assert gaps_summary.differences() == []


def test_declines_are_counted_as_before_for_every_filter(world):
    assert Connection.objects.filter(status=Connection.Status.DECLINED).count() > 10
    for f in _filters(world):
        assert gaps._declined(f) == _ref_declined(f), f


def test_a_rebuild_writes_the_same_rows(world):
    before = sorted(GapNeed.objects.values_list(*gaps_summary.FIELDS), key=str)
    gaps_summary.rebuild()
    assert sorted(GapNeed.objects.values_list(*gaps_summary.FIELDS), key=str) == before


@pytest.mark.django_db
def test_the_statement_for_n_people_is_built_once_and_filled_in():
    """The kept statement, filled in with other people, is exactly what the ORM builds."""
    people = [PersonFactory().pk for _ in range(5)]
    gaps_summary._STATEMENTS.clear()

    def plain(statement):  # psycopg's Jsonb wrappers compare by identity: compare what they hold
        sql, params = statement
        return sql, [getattr(param, "obj", param) for param in params]

    for source in (gaps_summary.REASON, gaps_summary.SCREEN):
        for chosen in (people[:1], people[1:2], people[2:5], people[1:4]):
            assert plain(gaps_summary._insert_sql(source, chosen)) == plain(
                gaps_summary._build_insert_sql(source, chosen)
            )
    assert len(gaps_summary._STATEMENTS) == 4  # (source, one person), (source, three)


def test_every_kind_of_change_keeps_the_summary_right(world):
    rng = world["rng"]
    people, teams, areas = world["people"], world["teams"], world["areas"]
    referrals = list(Referral.objects.order_by("pk"))
    screens = list(Response.objects.order_by("pk"))

    def check():
        assert gaps_summary.differences() == []

    # A referral's reasons, day, team, area change; one moves to another person.
    r = referrals[0]
    r.reasons = [REASONS[6], REASONS[0]]
    r.received_at = _moment(rng)
    r.team = teams[2]
    r.area = teams[2].area
    r.save()
    check()
    r = referrals[1]
    r.person = next(p for p in people if p.pk != r.person_id)
    r.save()
    check()
    # A new referral; a deleted one.
    ReferralFactory(person=people[3], team=teams[0], reasons=[REASONS[1]], received_at=_moment(rng))
    check()
    deletable = Referral.objects.filter(case__isnull=True).first()
    deletable.delete()
    check()
    # A screen's domains, day and case change; a screen becomes another instrument and back;
    # a new screen; a deleted one.
    s = screens[0]
    s.domains = dict.fromkeys(DOMAINS, "positive")
    s.completed_at = _moment(rng)
    s.save()
    check()
    s = screens[1]
    s.case = None
    s.save()
    check()
    s.instrument = "ons4"
    s.save()
    check()
    s.instrument = "hrsn"
    s.save()
    check()
    case = CaseFactory(referral=ReferralFactory(person=people[5], team=teams[1]))
    new = _screen(rng, people[5], case, areas[0])
    check()
    new.delete()
    check()
    # A person moves; a case moves to another team and area; an area is renamed.
    person = Person.objects.get(pk=people[7].pk)
    person.postcode = "CT1 1AA" if person.postcode != "CT1 1AA" else "TN23 1AA"
    person.save()
    check()
    screened = Response.objects.filter(case__isnull=False).first().case
    screened.team, screened.area = teams[2], teams[2].area
    screened.save()
    check()
    areas[2].name = "Far North"
    areas[2].save()
    check()
    assert _same_everywhere(world, every=5) > 20


def test_a_rolled_back_change_leaves_nothing(world):
    before = sorted(GapNeed.objects.values_list(*gaps_summary.FIELDS), key=str)
    with transaction.atomic():
        ReferralFactory(person=world["people"][0], reasons=[REASONS[2]])
        person = Person.objects.get(pk=world["people"][1].pk)
        person.postcode = "ZZ9 9ZZ" if person.postcode != "ZZ9 9ZZ" else "CT1 1AA"
        person.save()
        assert sorted(GapNeed.objects.values_list(*gaps_summary.FIELDS), key=str) != before
        transaction.set_rollback(True)
    assert sorted(GapNeed.objects.values_list(*gaps_summary.FIELDS), key=str) == before


def test_batched_refreshes_each_person_once_at_the_end(world):
    person = world["people"][0]
    with gaps_summary.batched():
        for _ in range(3):
            ReferralFactory(person=person, reasons=[REASONS[0]])
        stale = gaps_summary.differences()
        assert stale  # not written yet
    assert gaps_summary.differences() == []


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_two_transactions_on_the_same_person_lose_nothing():
    team = TeamFactory()
    person = PersonFactory(team=team)
    ReferralFactory(person=person, reasons=[REASONS[0]])
    refreshed = threading.Event()
    errors = []

    def refer(reason, first):
        # bulk_create: no receivers (other summaries' locks stay out of it); the refresh
        # is called as a write that bypasses signals must.
        try:
            if not first:
                refreshed.wait(timeout=10)
            with transaction.atomic():
                referral = ReferralFactory.build(person=person, team=team, reasons=[reason])
                Referral.objects.bulk_create([referral])
                # The second blocks here until the first commits, then sees its referral.
                gaps_summary.refresh([person.pk])
                if first:
                    refreshed.set()
                    time.sleep(1)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=refer, args=(REASONS[1], True)),
        threading.Thread(target=refer, args=(REASONS[2], False)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert gaps_summary.differences() == []
    rows = GapNeed.objects.filter(person=person.pk)
    assert sorted(rows.values_list("need", flat=True)) == sorted(REASONS[:3])
