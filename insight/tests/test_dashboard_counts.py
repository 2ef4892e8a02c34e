"""The dashboard summaries (insight.dashboard_counts) give exactly the numbers the records
give: on a seeded random world, for random filters and periods (starting and ending mid
month, on month boundaries, open at either end), every table read from the summaries equals
the same table counted from the records (the `_live` functions, the code the summaries
replaced), before and after the records change through the models (contacts edited, moved
and deleted, cases moving team and discharged, referrals changing source, reasons, day and
team, people merged); and `rebuild()` gives the very rows the signals kept."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.tests.factories import AreaFactory, TeamFactory, UserFactory
from casework.models import Case, Contact
from casework.tests.factories import CaseFactory, ContactFactory
from insight import dashboard_counts, dashboards, months
from insight.access import Scope
from insight.dashboards import Filters
from insight.models import ContactDay, ContactMonth, DashboardCount
from people.models import Person
from people.tests.factories import PersonFactory
from referrals.models import Referral
from referrals.reasons import Reason
from referrals.tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db

SUMMARISED = [
    "referrals_by_source",
    "referrals_by_reason",
    "referrals_by_team",
    "referrals_by_month",
    "discharge_reasons",
    "contacts_per_person",
    "caseload_per_worker",
]
FIRST_DAY = dt.date(2026, 1, 1)
DAYS = 200


def _when(rng: random.Random) -> dt.datetime:
    """A time in the window; a fifth of them within an hour of local midnight."""
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
    if rng.random() < 0.2:
        local = dt.datetime.combine(day, dt.time(23, 30)) + dt.timedelta(minutes=rng.randrange(60))
    else:
        local = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(minutes=rng.randrange(600))
    return timezone.make_aware(local)


def _reasons(rng: random.Random) -> list[str]:
    codes = [rng.choice(Reason.values) for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.1:
        codes.append("not_a_reason")
    return codes


def _world(rng: random.Random, *, people: int = 40):
    north, south = AreaFactory(code="n", name="N"), AreaFactory(code="s", name="S")
    teams = [
        TeamFactory(area=north, name="Alpha PCN"),
        TeamFactory(area=north, name="Beta PCN"),
        TeamFactory(area=south, name="Gamma PCN"),
    ]
    workers = {
        t.pk: UserFactory(username=f"lw{t.pk}", role=Role.LINK_WORKER, team=t) for t in teams
    }
    cases = []
    for i in range(people):
        team = rng.choice(teams)
        person = PersonFactory(team=team)
        for _ in range(1 if rng.random() < 0.8 else 2):  # some people are referred twice
            referral = ReferralFactory(
                person=person,
                team=team,
                area=team.area,
                source=rng.choice(Referral.Source.values),
                reasons=_reasons(rng),
                received_at=_when(rng),
                status=Referral.Status.ACCEPTED,
            )
            if rng.random() < 0.15:
                continue  # a referral without a case
            discharged = rng.random() < 0.4
            case = CaseFactory(
                referral=referral,
                link_worker=workers[team.pk],
                opened_at=referral.received_at,
                status=Case.Status.DISCHARGED if discharged else Case.Status.OPEN,
                discharged_at=_when(rng) if discharged else None,
                discharge_reason=rng.choice(Case.DischargeReason.values) if discharged else "",
            )
            cases.append(case)
            for _ in range(rng.randint(0, 8)):
                ContactFactory(
                    case=case,
                    happened_on=FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS)),
                    minutes=rng.randint(0, 90),
                )
        if i == 0:
            # The same person in a second team too.
            other = teams[(teams.index(team) + 1) % len(teams)]
            referral = ReferralFactory(
                person=person, team=other, area=other.area, received_at=_when(rng)
            )
            case = CaseFactory(referral=referral, link_worker=workers[other.pk])
            ContactFactory(case=case, happened_on=FIRST_DAY + dt.timedelta(days=3))
    return teams, cases


def _day(rng: random.Random) -> dt.date:
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(-10, DAYS + 10))
    pick = rng.random()
    if pick < 0.25:
        return day.replace(day=1)
    if pick < 0.4:
        return months.next_month(day) - dt.timedelta(days=1)
    return day


def _filters(rng: random.Random, teams) -> list[Filters]:
    out = []
    for _ in range(25):
        start = None if rng.random() < 0.2 else _day(rng)
        end = None if rng.random() < 0.2 else _day(rng)
        if start and end and start > end and rng.random() < 0.9:
            start, end = end, start
        team = rng.choice(teams)
        scope = rng.choice(
            [Scope(), Scope(area_id=team.area_id), Scope(area_id=team.area_id, team_id=team.pk)]
        )
        extra = rng.random()
        out.append(
            Filters(
                scope,
                team_id=team.pk if extra < 0.2 else None,
                area_id=team.area_id if 0.2 <= extra < 0.4 else None,
                start=start,
                end=end,
            )
        )
    # Fixed shapes: everything, one month, one day, a month's first to another's last.
    out += [
        Filters(Scope()),
        Filters(Scope(), start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)),
        Filters(Scope(), start=dt.date(2026, 3, 15), end=dt.date(2026, 3, 15)),
        Filters(Scope(), start=dt.date(2026, 2, 1), end=dt.date(2026, 5, 31)),
        Filters(Scope(), start=dt.date(2026, 2, 14), end=dt.date(2026, 5, 9)),
        Filters(Scope(), start=dt.date(2026, 2, 14)),
        Filters(Scope(), end=dt.date(2026, 5, 9)),
        Filters(Scope(), start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 20)),
        Filters(Scope(), start=dt.date(2026, 3, 10), end=dt.date(2026, 3, 31)),
    ]
    return out


def _assert_same(filters: list[Filters]) -> int:
    """Every summarised table equals the live one; returns how many were not empty."""
    filled = 0
    for f in filters:
        for name in SUMMARISED:
            summary = getattr(dashboards, name)(f)
            live = getattr(dashboards, f"{name}_live")(f)
            assert summary.rows == live.rows, (name, f)
            assert summary.suppressed().rows == live.suppressed().rows
            filled += any(any(cell for cell in row[1:]) for row in live.rows)
    return filled


def _stored() -> dict:
    return {
        "counts": sorted(
            DashboardCount.objects.values_list("kind", "area_id", "team_id", "day", "key", "n")
        ),
        "days": sorted(
            ContactDay.objects.values_list(
                "area_id", "team_id", "person_id", "day", "previous", "contacts", "minutes"
            ),
            key=str,
        ),
        "months": sorted(
            ContactMonth.objects.values_list(
                "area_id", "team_id", "month", "previous_month", "days", "contacts", "minutes"
            )
        ),
    }


def _assert_rebuild_agrees() -> None:
    kept = _stored()
    dashboard_counts.rebuild()
    assert _stored() == kept


def _change_records(rng: random.Random, teams, cases) -> None:
    contacts = list(Contact.objects.all())
    for contact in rng.sample(contacts, len(contacts) // 5):  # edited
        contact.happened_on = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        contact.minutes = rng.randint(0, 90)
        contact.save()
    for contact in rng.sample(contacts, len(contacts) // 10):  # moved to another case
        contact.refresh_from_db()
        contact.case = rng.choice(cases)
        contact.area_id = contact.case.area_id
        contact.save()
    for contact in rng.sample(contacts, len(contacts) // 10):  # deleted
        if Contact.objects.filter(pk=contact.pk).exists():
            Contact.objects.get(pk=contact.pk).delete()
    for case in rng.sample(cases, len(cases) // 4):  # moved team (and area with it)
        case.refresh_from_db()
        team = rng.choice(teams)
        case.team, case.area = team, team.area
        case.link_worker = User.objects.filter(team=team).first()
        case.save()
    for case in rng.sample(cases, len(cases) // 4):  # discharged, reopened, re-dated
        case.refresh_from_db()
        if case.status == Case.Status.OPEN:
            case.status = Case.Status.DISCHARGED
            case.discharged_at = _when(rng)
            case.discharge_reason = rng.choice(Case.DischargeReason.values)
        elif rng.random() < 0.5:
            case.status, case.discharged_at, case.discharge_reason = Case.Status.OPEN, None, ""
        else:
            case.discharged_at = _when(rng)
        case.save()
    for referral in rng.sample(list(Referral.objects.all()), 15):
        referral.source = rng.choice(Referral.Source.values)
        referral.reasons = _reasons(rng)
        referral.received_at = _when(rng)
        if rng.random() < 0.3:
            team = rng.choice(teams)
            referral.team, referral.area = team, team.area
        referral.save()
    referral = Referral.objects.filter(case__isnull=True).first()
    if referral:  # saved with update_fields: only the source is written
        referral.source, referral.reasons = Referral.Source.FHIR, ["money"]
        referral.save(update_fields=["source"])
        Referral.objects.filter(case__isnull=True).exclude(pk=referral.pk).first().delete()


def _merge(keep: Person, duplicate: Person) -> None:
    """What people.actions.merge_people does to the records: QuerySet.update moves the
    referrals and cases, the kept record is saved, the duplicate deleted."""
    Referral.objects.filter(person=duplicate).update(person=keep)
    Case.objects.filter(person=duplicate).update(person=keep)
    keep.save(update_fields=["updated_at"])
    duplicate.delete()


def test_the_summaries_give_the_live_numbers_for_every_filter_and_change():
    rng = random.Random(16)
    teams, cases = _world(rng)
    filters = _filters(rng, teams)
    assert _assert_same(filters) > len(filters) * len(SUMMARISED) / 2  # not vacuous
    _assert_rebuild_agrees()
    _change_records(rng, teams, cases)
    _assert_same(filters)
    with_cases = list(Person.objects.filter(cases__isnull=False).distinct()[:2])
    _merge(*with_cases)
    _assert_same(filters)
    _assert_rebuild_agrees()


def test_a_name_held_by_two_teams_is_counted_live(monkeypatch):
    """People are distinct per team name: two teams of one name fall back to the records."""
    rng = random.Random(3)
    teams, _ = _world(rng, people=12)
    teams[2].name = teams[0].name
    teams[2].save()
    calls = []
    live = dashboards.contacts_per_person_live
    monkeypatch.setattr(
        dashboards, "contacts_per_person_live", lambda f: calls.append(f) or live(f)
    )
    f = Filters(Scope())
    assert dashboards.contacts_per_person(f).rows == live(f).rows
    assert calls == [f]
    calls.clear()
    one_area = Filters(Scope(area_id=teams[0].area_id))
    assert dashboards.contacts_per_person(one_area).rows == live(one_area).rows
    assert calls == []


def test_one_person_counts_once_per_period_however_many_days():
    area = AreaFactory(code="x", name="X")
    team = TeamFactory(area=area, name="X PCN")
    case = CaseFactory(referral__person__team=team)
    for day in (dt.date(2026, 1, 31), dt.date(2026, 2, 1), dt.date(2026, 3, 15)):
        ContactFactory(case=case, happened_on=day, minutes=10)
    table = dashboards.contacts_per_person(
        Filters(Scope(), start=dt.date(2026, 1, 20), end=dt.date(2026, 3, 20))
    )
    assert table.rows == [["X PCN", 1, 3, 30, 3.0, 30]]
    table = dashboards.contacts_per_person(
        Filters(Scope(), start=dt.date(2026, 2, 2), end=dt.date(2026, 3, 14))
    )
    assert table.rows == []


def test_a_bulk_write_is_followed_by_rebuild():
    rng = random.Random(5)
    _world(rng, people=8)
    f = Filters(Scope(), start=dt.date(2026, 2, 3))
    Referral.objects.update(source=Referral.Source.FHIR)  # past the signals
    assert dashboards.referrals_by_source(f).rows != dashboards.referrals_by_source_live(f).rows
    dashboard_counts.rebuild()
    _assert_same([f, Filters(Scope())])


def _in_two_transactions(first, second) -> None:
    """Run `first` and `second` in two threads, each in its own transaction: `second` starts
    once `first` has written (not committed), and `first` commits a moment later, so the
    second's writes meet the first's locks."""
    written = threading.Event()
    errors: list[BaseException] = []

    def run(work, *, signal: bool) -> None:
        try:
            with transaction.atomic():
                work()
                if signal:
                    written.set()
                    time.sleep(0.5)
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)
        finally:
            written.set()
            connections.close_all()

    a = threading.Thread(target=run, args=(first,), kwargs={"signal": True})
    b = threading.Thread(target=lambda: (written.wait(5), run(second, signal=False)))
    a.start()
    b.start()
    a.join()
    b.join()
    assert errors == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row and advisory locks")
@pytest.mark.django_db(transaction=True)
def test_two_transactions_changing_one_cell_and_one_person_lose_nothing():
    area = AreaFactory(code="y", name="Y")
    team = TeamFactory(area=area, name="Y PCN")
    case = CaseFactory(referral__person__team=team)
    when = dt.datetime(2026, 2, 2, 10, tzinfo=dt.UTC)
    people = [PersonFactory(team=team) for _ in range(2)]

    def refer(i: int):
        return lambda: ReferralFactory(person=people[i], received_at=when, reasons=["money"])

    def contact(day: int):
        return lambda: ContactFactory(case=case, happened_on=dt.date(2026, 3, day), minutes=5)

    _in_two_transactions(refer(0), refer(1))
    _in_two_transactions(contact(10), contact(5))
    _in_two_transactions(contact(20), contact(15))
    f = Filters(Scope(), start=dt.date(2026, 2, 2), end=dt.date(2026, 3, 12))
    _assert_same([f, Filters(Scope())])
    assert dashboards.referrals_by_source(f).rows[0][1] == 2
    assert dashboards.contacts_per_person(Filters(Scope())).rows[0][1:3] == [1, 4]
    _assert_rebuild_agrees()
