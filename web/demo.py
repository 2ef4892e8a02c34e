"""Demo data: a fictional town, Ashby Vale, generated from a fixed seed.

Everything here is invented. The town's organisations, services, opening times and names
are in `web/data/demo_town.toml`; its postcodes, with where they are, in
`web/data/demo_postcodes.csv`, loaded through the postcode importer like the ONS Postcode
Directory, so distance search and matching work from any demo address. Postcodes use the
outward codes AV1–AV4, which are well formed but belong to no real UK area; NHS numbers
come from the 999 test range, which is never issued. Rows are written directly (not
through the domain actions) because this is a snapshot of a journey already under way, and
no audit trail should claim that real staff did these things.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import random
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from accounts.models import Area, Role, Team, User
from casework.models import Case, Connection, Contact, Conversation, Goal, PlanAction
from directory.models import (
    Attribute,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from directory.taxonomy import load_taxonomy
from insight import facts, summaries
from outcomes.instruments import get_instrument
from outcomes.models import Response, Timepoint
from outcomes.scoring import score
from people.models import Consent, Person
from people.rules import nhs_check_digit
from places.importers import import_postcodes
from places.models import Postcode
from referrals.models import Referral
from referrals.reasons import Reason

DEMO_PASSWORD = "socialrx-demo"  # noqa: S105 - the documented demo password
TOWN = "Ashby Vale"
DATA_DIR = Path(__file__).resolve().parent / "data"
TOWN_FILE = DATA_DIR / "demo_town.toml"
POSTCODES_FILE = DATA_DIR / "demo_postcodes.csv"
CATEGORIES_FILE = DATA_DIR / "demo_categories.toml"

DEMO_LOGINS = [
    ("referrer", Role.REFERRER, "Dr Priya Shah", "refers patients and sees what happened"),
    (
        "linkworker",
        Role.LINK_WORKER,
        "Sam Okafor",
        "works a caseload: conversations, plans, connections, follow-ups",
    ),
    ("supervisor", Role.SUPERVISOR, "Jo Brennan", "triages referrals and oversees the team"),
    (
        "partner",
        Role.PARTNER,
        "Alex Moore",
        "Ashby Vale Walking Friends: accepts referrals and records attendance",
    ),
    ("commissioner", Role.COMMISSIONER, "Ruth Adeyemi", "sees anonymous totals only"),
    ("admin", Role.ADMIN, "Chris Lee", "reads the audit log, manages users"),
]


@functools.cache
def town_data() -> dict:
    """The town's names, streets, venues, organisations and services (demo_town.toml)."""
    with TOWN_FILE.open("rb") as handle:
        return tomllib.load(handle)


@functools.cache
def category_words() -> dict[str, str]:
    """Words in a demo service's name, and the socialrx category each one puts it in."""
    with CATEGORIES_FILE.open("rb") as handle:
        return tomllib.load(handle)["words"]


def demo_postcodes() -> list[str]:
    """Every postcode of the town (demo_postcodes.csv), sorted."""
    with POSTCODES_FILE.open(encoding="utf-8", newline="") as handle:
        return sorted(row["pcds"] for row in csv.DictReader(handle))


@dataclass
class Seeded:
    users: int
    services: int
    people: int
    referrals: int
    cases: int
    connections: int


def _nhs(rng: random.Random, used: set[str]) -> str:
    while True:
        first_nine = f"999{rng.randrange(0, 1_000_000):06d}"
        check = nhs_check_digit(first_nine)
        if check is not None and (number := f"{first_nine}{check}") not in used:
            used.add(number)
            return number


@dataclass
class Teams:
    """The demo's areas and teams, as the other steps need them."""

    area: Area
    pcn: Team
    practice: Team


def _teams() -> Teams:
    area = Area.objects.create(code="ashby-vale", name=f"{TOWN} locality")
    pcn = Team.objects.create(
        area=area,
        name=f"{TOWN} PCN",
        kind=Team.Kind.PCN,
        ods_code="U00001",
        accepts_self_referrals=True,
        self_referral_postcodes="AV1, AV2, AV3, AV4",
    )
    practice = Team.objects.create(
        area=area, name="Mill Lane Surgery", kind=Team.Kind.PRACTICE, ods_code="A00001"
    )
    # The practice does not triage: its referrals go to the PCN's link workers.
    practice.served_by.add(pcn)
    other_area = Area.objects.create(code="riverside", name="Riverside locality")
    Team.objects.create(area=other_area, name="Riverside PCN", kind=Team.Kind.PCN)
    return Teams(area=area, pcn=pcn, practice=practice)


@transaction.atomic
def seed(*, seed: int = 2026, people: int = 200) -> Seeded:
    """Load the town into an empty database. The same `seed` gives the same town."""
    rng = random.Random(seed)
    postcodes = _postcodes()
    teams = _teams()
    orgs, services = _directory(rng)
    _categorise(services)
    staff = _staff(teams, orgs)
    with summaries.batched():  # insight's summaries: each case written once, at the end
        counts = _journeys(
            rng, people, teams=teams, staff=staff, services=services, postcodes=postcodes
        )
        _measures(rng)
    return Seeded(users=User.objects.count(), services=len(services), people=people, **counts)


def _postcodes() -> list[str]:
    """The town's postcodes, loaded as a real deployment loads the ONS Postcode Directory."""
    report = import_postcodes(POSTCODES_FILE)
    if report.rejected:
        raise ValueError(f"{POSTCODES_FILE.name}: {'; '.join(report.rejected)}")
    return demo_postcodes()


# --- The directory ---------------------------------------------------------------------------

_DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
_NTH = {"1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last"}
_NTH_DAY = re.compile(r"^(-?[1-4])(MO|TU|WE|TH|FR|SA|SU)$")

# A service's other sessions (its `sessions` in the town file), each listed as a service of
# its own: the name's suffix, the venue (None: the service's own place), and its times:
# new opening hours on the usual days, or rules of its own.
_SESSIONS = {
    "morning": ("(morning)", None, {"opens_at": "09:30", "closes_at": "11:30"}),
    "evening": ("(evening)", None, {"opens_at": "18:00", "closes_at": "20:00"}),
    "saturday": ("(Saturday)", None, [{"byday": "SA", "opens_at": "10:00", "closes_at": "12:00"}]),
    "north": ("– north Vale", "north", {}),
    "centre": ("– town centre", "centre", {}),
}


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def describe_schedule(rule: dict) -> str:
    """The days of an HSDS schedule rule in words: "Tuesdays", "Monday to Friday", "Every
    other Wednesday", "First Wednesday of the month". (Pages add the opening times.)"""
    days = [d.strip() for d in rule["byday"].split(",")]
    if rule.get("freq", "WEEKLY") == "MONTHLY":
        parts = []
        for day in days:
            nth, name = _NTH_DAY.match(day).groups()
            parts.append(f"{_NTH[nth]} {_DAY_NAMES[name]}")
        text = f"{_join(parts)} of the month"
    elif rule.get("interval", 1) == 2:
        text = f"every other {_join([_DAY_NAMES[d] for d in days])}"
    elif days == ["MO", "TU", "WE", "TH", "FR"]:
        text = "Monday to Friday"
    elif days == ["SA", "SU"]:
        text = "weekends"
    else:
        text = _join([f"{_DAY_NAMES[d]}s" for d in days])
    return text[0].upper() + text[1:]


def _schedules(service: Service, rules: list[dict]) -> None:
    """HSDS schedule rows for `service`, one per rule (weekly unless the rule says)."""
    for rule in rules:
        Schedule.objects.create(
            service=service, description=describe_schedule(rule), **{"freq": "WEEKLY", **rule}
        )


def _location(organization: Organization | None, place: dict) -> Location:
    """A place at its postcode's centre (the postcode must be one of the town's)."""
    postcode = Postcode.objects.get(pk=place["postcode"])
    return Location.objects.create(
        organization=organization,
        name=place.get("name") or organization.name,
        address_1=place["address"],
        city=TOWN,
        postal_code=postcode.postcode,
        latitude=postcode.latitude,
        longitude=postcode.longitude,
    )


def _directory(rng: random.Random) -> tuple[list[Organization], list[Service]]:
    """The town's organisations at their places, and their services with opening times and
    other sessions."""
    data = town_data()
    venues = {key: _location(None, venue) for key, venue in data["venues"].items()}
    orgs, services = [], []
    for entry in data["organisation"]:
        slug = entry["name"].lower().replace(" ", "").replace("'", "")[:20]
        org = Organization.objects.create(
            name=entry["name"],
            description=f"{entry['name']} serves people in {TOWN}.",
            email=f"hello@{slug}.example.org",
            website=f"https://{slug}.example.org",
        )
        orgs.append(org)
        location = _location(org, entry)
        for defined in entry["service"]:
            services.append(_service(rng, org, location, defined["name"], defined))
            for key in defined.get("sessions", []):
                suffix, venue, times = _SESSIONS[key]
                if isinstance(times, list):
                    rules = times
                else:
                    rules = [{**rule, **times} for rule in defined["schedule"]]
                services.append(
                    _service(
                        rng,
                        org,
                        venues[venue] if venue else location,
                        f"{defined['name']} {suffix}",
                        {**defined, "schedule": rules},
                    )
                )
    return orgs, services


def _service(
    rng: random.Random, org: Organization, location: Location, name: str, defined: dict
) -> Service:
    """A service at `location` with its schedule; one in ten not checked for over a year."""
    stale = rng.random() < 0.1
    service = Service.objects.create(
        organization=org,
        name=name,
        description=defined["description"],
        email=org.email,
        url=org.website,
        visibility=defined.get("visibility", Service.Visibility.PUBLIC),
        capacity=defined.get("capacity", Service.Capacity.OPEN),
        fees_description=defined.get("fees_description", "Free"),
        last_verified_at=timezone.now()
        - dt.timedelta(days=rng.randint(400, 700) if stale else rng.randint(1, 200)),
    )
    ServiceAtLocation.objects.create(service=service, location=location)
    _schedules(service, defined["schedule"])
    return service


def _categorise(services: list[Service]) -> None:
    """Categories from the socialrx taxonomy, so category search and matching work."""
    load_taxonomy()
    terms = {t.code: t for t in TaxonomyTerm.objects.all()}
    attributes = []
    for svc in services:
        for code in _categories_for(svc.organization.name, svc.name):
            attributes.append(
                Attribute(
                    link_id=svc.pk,
                    taxonomy_term=terms[code],
                    link_entity="service",
                    link_type="category",
                )
            )
    Attribute.objects.bulk_create(attributes)


# --- Staff -----------------------------------------------------------------------------------


def _make_user(username, role, full_name, team=None, organization=None) -> User:
    first, _, last = full_name.partition(" ")
    if first in ("Dr",):
        first, _, last = last.partition(" ")
    user = User(
        username=username,
        role=role,
        first_name=first,
        last_name=last,
        email=f"{username}@{TOWN.lower().replace(' ', '')}.example.org",
        team=team,
        organization=organization,
        job_title=Role(role).label,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def _staff(teams: Teams, orgs: list[Organization]) -> dict[str, User]:
    """The demo logins (DEMO_LOGINS) and their colleagues, by username."""
    by_name = {org.name: org for org in orgs}
    walking = by_name["Ashby Vale Walking Friends"]
    pcn, practice = teams.pcn, teams.practice
    staff = {}
    for username, role, full_name, _ in DEMO_LOGINS:
        team = {Role.REFERRER: practice, Role.LINK_WORKER: pcn, Role.SUPERVISOR: pcn}.get(role)
        staff[username] = _make_user(
            username,
            role,
            full_name,
            team=team,
            organization=walking if role == Role.PARTNER else None,
        )
    staff["linkworker2"] = _make_user("linkworker2", Role.LINK_WORKER, "Dev Mistry", team=pcn)
    staff["linkworker3"] = _make_user("linkworker3", Role.LINK_WORKER, "Hannah Price", team=pcn)
    staff["referrer2"] = _make_user("referrer2", Role.REFERRER, "Nurse Kim Ellis", team=pcn)
    staff["partner2"] = _make_user(
        "partner2", Role.PARTNER, "Bea Nash", organization=by_name["Vale Citizens Advice"]
    )
    return staff


# --- People and their journeys ---------------------------------------------------------------


# Where each person's journey stops, repeating every 200 people: the referral's status, or
# how far their case has got.
NEW_CASE, CONVERSATION, CONNECTED = "new_case", "conversation", "connected"
STAGES = (
    [Referral.Status.RECEIVED] * 15
    + [Referral.Status.DECLINED] * 8
    + [Referral.Status.REDIRECTED] * 5
    + [NEW_CASE] * 20
    + [CONVERSATION] * 20
    + [CONNECTED] * 100
    + [Case.Status.DISCHARGED] * 32
)
TRIAGED_AWAY = {
    Referral.Status.DECLINED: (
        "decline_reason",
        "Needs are clinical; advised to see the practice nurse.",
    ),
    Referral.Status.REDIRECTED: ("redirected_to", "Community mental health team"),
}


def _journeys(
    rng: random.Random,
    people: int,
    *,
    teams: Teams,
    staff: dict[str, User],
    services: list[Service],
    postcodes: list[str],
) -> dict[str, int]:
    """`people` people, each somewhere on the journey from referral to discharge (STAGES).
    Written straight to the tables, dated in the past; the draws from `rng` are in a fixed
    order, so the same seed gives the same town."""
    workers = [staff["linkworker"], staff["linkworker2"], staff["linkworker3"]]
    referrers = [staff["referrer"], staff["referrer2"]]
    walking = staff["partner"].organization
    walking_services = [s for s in services if s.organization_id == walking.pk]
    town = town_data()
    used: set[str] = set()
    counts = {"referrals": 0, "cases": 0, "connections": 0}
    for i in range(people):
        stage = STAGES[i % len(STAGES)]
        person = _person(rng, i, teams=teams, town=town, postcodes=postcodes, used=used)
        referral = _referral(rng, person, stage=stage, referrers=referrers)
        counts["referrals"] += 1
        if stage == Referral.Status.RECEIVED:
            continue
        triaged = referral.received_at + dt.timedelta(days=rng.randint(1, 4))
        if stage in TRIAGED_AWAY:
            _triage_away(referral, stage, at=triaged, by=staff["supervisor"])
            continue
        worker = rng.choice(workers)
        case = _open_case(referral, worker=worker, at=triaged, by=staff["supervisor"])
        counts["cases"] += 1
        if stage == NEW_CASE:
            referral.save()
            continue
        first_contact = triaged + dt.timedelta(days=rng.randint(1, 6))
        referral.first_contact_at = first_contact
        referral.save()
        _what_matters(rng, case, worker, first_contact, timezone.localdate())
        if stage == CONVERSATION:
            continue
        _plan_and_connection(
            rng,
            case,
            worker,
            first_contact,
            discharged=stage == Case.Status.DISCHARGED,
            services=services,
            walking_services=walking_services,
        )
        counts["connections"] += 1
    return counts


def _person(
    rng: random.Random, i: int, *, teams: Teams, town: dict, postcodes: list[str], used: set[str]
) -> Person:
    """The `i`th person of the town, with an unused test-range NHS number."""
    given, family = rng.choice(town["first_names"]), rng.choice(town["family_names"])
    birth = timezone.localdate() - dt.timedelta(days=rng.randint(19 * 365, 92 * 365))
    return Person.objects.create(
        area=teams.area,
        team=teams.pcn,
        given_name=given,
        family_name=family,
        birth_date=birth,
        sex=rng.choice(["female", "male"]),
        nhs_number=_nhs(rng, used),
        address=f"{rng.randint(1, 200)} {rng.choice(town['streets'])}\n{TOWN}",
        postcode=rng.choice(postcodes),
        phone=f"07700 9{rng.randint(0, 99999):05d}",
        email=f"{given.lower()}.{family.lower().replace(chr(39), '')}{i}@example.com",
        safeguarding_flag=rng.random() < 0.04,
        access_needs="Uses a walking frame" if rng.random() < 0.1 else "",
    )


def _referral(rng: random.Random, person: Person, *, stage: str, referrers: list[User]) -> Referral:
    """The person's referral (received days ago when still waiting, else weeks or months
    ago) and the consent to it."""
    received = timezone.now() - dt.timedelta(
        days=rng.randint(1, 10) if stage == Referral.Status.RECEIVED else rng.randint(20, 200)
    )
    referrer = rng.choice(referrers)
    referral = Referral.objects.create(
        area=person.area,
        team=person.team,
        person=person,
        source=rng.choice(
            [
                Referral.Source.CLINICIAN,
                Referral.Source.CLINICIAN,
                Referral.Source.SELF,
                Referral.Source.API,
            ]
        ),
        referrer=referrer,
        referrer_name=referrer.get_full_name(),
        referrer_organisation=referrer.team.name,
        reasons=rng.sample(list(Reason.values), k=rng.randint(1, 3)),
        notes="Would benefit from support to get out and meet people.",
        urgency=Referral.Urgency.URGENT if rng.random() < 0.1 else Referral.Urgency.ROUTINE,
        received_at=received,
        person_details_sent={
            "given_name": person.given_name,
            "family_name": person.family_name,
            "birth_date": person.birth_date.isoformat() if person.birth_date else "",
            "nhs_number": person.nhs_number,
        },
    )
    Consent.objects.create(
        area=person.area,
        person=person,
        kind=Consent.Kind.REFERRAL,
        given=True,
        recorded_at=received,
        recorded_by=referrer,
    )
    return referral


def _triage_away(referral: Referral, status: str, *, at: dt.datetime, by: User) -> None:
    """Declined or redirected at triage, with the reason the referrer is shown."""
    field, text = TRIAGED_AWAY[status]
    referral.status = status
    referral.triaged_at, referral.triaged_by = at, by
    setattr(referral, field, text)
    referral.save()


def _open_case(referral: Referral, *, worker: User, at: dt.datetime, by: User) -> Case:
    """Accepted at triage and assigned to `worker` (the caller saves the referral)."""
    referral.status = Referral.Status.ACCEPTED
    referral.assigned_to, referral.triaged_at = worker, at
    referral.triaged_by = by
    return Case.objects.create(
        area=referral.area,
        team=referral.team,
        person=referral.person,
        referral=referral,
        link_worker=worker,
        opened_at=at,
    )


# How wellbeing and loneliness answers move between baseline and follow-up in the demo:
# people who took up a group improve more than those never connected, and everyone drifts
# up a little (so the evaluation's comparison has something to strip out).
_ATTENDED = {
    Connection.Status.FIRST_ATTENDED,
    Connection.Status.ONGOING,
    Connection.Status.COMPLETED,
}


def _answers(rng: random.Random, instrument_id: str, level: float) -> list[int]:
    """Answers to every item, centred on `level` (0 worst to 1 best) with some noise."""
    items = get_instrument(instrument_id).items
    out = []
    for item in items:
        values = sorted(item.values)
        reverse = instrument_id == "ucla3"  # higher is lonelier
        target = (1 - level) if reverse else level
        pick = round(target * (len(values) - 1) + rng.gauss(0, 0.7))
        out.append(values[min(max(pick, 0), len(values) - 1)])
    return out


def _respond(case: Case, instrument_id: str, answers: list[int], timepoint, at) -> Response:
    result = score(get_instrument(instrument_id), answers)
    return Response(
        area_id=case.area_id,
        person_id=case.person_id,
        case=case,
        instrument=result.instrument,
        instrument_version=result.version,
        timepoint=timepoint,
        answers=answers,
        raw=result.raw,
        score=result.score,
        band=result.band,
        domains=result.domains,
        via=Response.Via.LINK_WORKER,
        completed_at=at,
        recorded_by=case.link_worker,
    )


def _measures(rng: random.Random) -> None:
    """SWEMWBS and UCLA-3 at first contact, and for most people again 6 to 12 weeks later
    where that has passed, so the case charts, the dashboards and the evaluation have
    something to show. Written as link workers would record them (scored by the
    instruments' own rules)."""
    now = timezone.now()
    attended = set(
        Connection.objects.filter(status__in=_ATTENDED).values_list("case_id", flat=True)
    )
    rows = []
    cases = Case.objects.filter(referral__first_contact_at__isnull=False).select_related("referral")
    for case in cases.order_by("opened_at", "pk"):
        start = case.referral.first_contact_at
        level = rng.uniform(0.2, 0.5)
        for instrument_id in ("swemwbs", "ucla3"):
            answers = _answers(rng, instrument_id, level)
            rows.append(_respond(case, instrument_id, answers, Timepoint.BASELINE, start))
        weeks = rng.randint(6, 12)
        later = start + dt.timedelta(weeks=weeks)
        if later > now or rng.random() < 0.2:
            continue  # not yet due, or lost to follow-up
        gain = 0.05 + (0.15 if case.pk in attended else 0.0) + rng.gauss(0, 0.05)
        timepoint = Timepoint.WEEK_6 if weeks < 9 else Timepoint.WEEK_12
        for instrument_id in ("swemwbs", "ucla3"):
            answers = _answers(rng, instrument_id, min(level + gain, 1.0))
            rows.append(_respond(case, instrument_id, answers, timepoint, later))
    Response.objects.bulk_create(rows)
    facts.refresh({row.case_id for row in rows})  # bulk_create sends no signals


_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_TIMES = ["morning", "afternoon", "evening"]


def _free_times(rng: random.Random) -> tuple[list[str], list[str]]:
    """When someone says they are free: most name two or three days (some a weekend day),
    many a time of day as well; the rest are free any time."""
    days, times = [], []
    if rng.random() < 0.85:
        week = _WEEK if rng.random() < 0.3 else _WEEK[:5]
        days = sorted(rng.sample(week, k=rng.randint(2, 3)), key=_WEEK.index)
    if rng.random() < 0.7:
        times = sorted(rng.sample(_TIMES, k=rng.randint(1, 2)), key=_TIMES.index)
    return days, times


def _what_matters(rng: random.Random, case: Case, worker: User, first_contact, today) -> None:
    """The first call, the "what matters" conversation (with when they are free) and the
    visit it was held at, with its follow-up."""
    area = case.area
    days, times = _free_times(rng)
    Contact.objects.create(
        area=area,
        case=case,
        happened_on=first_contact.date(),
        mode=Contact.Mode.PHONE,
        minutes=rng.choice([15, 20, 30]),
        notes="Introductory call; arranged to meet.",
        recorded_by=worker,
    )
    Conversation.objects.create(
        area=area,
        case=case,
        held_on=first_contact.date() + dt.timedelta(days=3),
        what_matters=rng.choice(
            [
                "Getting out of the house and seeing people again.",
                "Sorting out my money worries so I can sleep.",
                "Feeling fitter so I can play with my grandchildren.",
                "Having something to look forward to each week.",
            ]
        ),
        strengths="Good sense of humour; close to their daughter.",
        interests=rng.choice(["gardening", "singing", "walking", "crafts", "football"]),
        barriers=rng.sample(["transport", "confidence", "cost", "mobility"], k=2),
        preferred_days=days,
        preferred_times=times,
        setting=rng.choice(["group", "one_to_one", "either"]),
        mode="in_person",
        max_travel_km=rng.choice([2, 5, 10]),
        recorded_by=worker,
    )
    follow_up = today + dt.timedelta(days=rng.randint(-10, 14))
    Contact.objects.create(
        area=area,
        case=case,
        happened_on=min(today, first_contact.date() + dt.timedelta(days=10)),
        mode=Contact.Mode.IN_PERSON,
        minutes=rng.choice([30, 45, 60]),
        notes="What matters chat.",
        follow_up_due=follow_up,
        recorded_by=worker,
    )


def _plan_and_connection(
    rng: random.Random,
    case: Case,
    worker: User,
    first_contact,
    *,
    discharged: bool,
    services: list[Service],
    walking_services: list[Service],
) -> None:
    """A goal, a plan action and one connection (any status); if `discharged`, the case is
    closed with its referral."""
    area, person, referral = case.area, case.person, case.referral
    now = timezone.now()
    today = timezone.localdate()
    goal = Goal.objects.create(
        area=area,
        case=case,
        text=rng.choice(
            [
                "Go to a group once a week.",
                "Pay off my catalogue debt.",
                "Walk to the shops without stopping.",
                "Make one new friend.",
            ]
        ),
    )
    PlanAction.objects.create(
        area=area,
        case=case,
        goal=goal,
        description="Visit the group with the link worker",
        owner=PlanAction.Owner.LINK_WORKER,
        due_date=today + dt.timedelta(days=rng.randint(-5, 20)),
    )
    case.plan_agreed_at = first_contact + dt.timedelta(days=7)
    case.review_date = today + dt.timedelta(days=rng.randint(-7, 40))
    case.save()
    service = (
        rng.choice(walking_services)
        if rng.random() < 0.25
        else rng.choice([s for s in services if s.capacity == Service.Capacity.OPEN])
    )
    Consent.objects.create(
        area=area,
        person=person,
        kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
        organization=service.organization,
        shared_fields=["name", "phone", "access_needs"],
        given=True,
        recorded_at=case.plan_agreed_at,
        recorded_by=worker,
    )
    status = rng.choice(Connection.Status.values)
    if discharged:
        status = rng.choice(
            [Connection.Status.COMPLETED, Connection.Status.DROPPED, Connection.Status.DECLINED]
        )
    sent = case.plan_agreed_at + dt.timedelta(days=1)
    Connection.objects.create(
        area=area,
        case=case,
        service=service,
        organization=service.organization,
        goal=goal,
        status=status,
        proposed_at=case.plan_agreed_at,
        sent_at=None if status == Connection.Status.PROPOSED else sent,
        responded_at=None
        if status in (Connection.Status.PROPOSED, Connection.Status.SENT)
        else sent + dt.timedelta(days=2),
        decline_reason="The group is full until spring."
        if status == Connection.Status.DECLINED
        else "",
        drop_reason="Stopped going after a hospital stay."
        if status == Connection.Status.DROPPED
        else "",
        first_attended_on=(sent + dt.timedelta(days=7)).date() if status in _ATTENDED else None,
        accompanied_first_visit=rng.random() < 0.3,
        ended_at=sent + dt.timedelta(days=60)
        if status in (Connection.Status.COMPLETED, Connection.Status.DROPPED)
        else None,
    )
    if discharged:
        goal.status = rng.choice(
            [Goal.Status.ACHIEVED, Goal.Status.PARTLY, Goal.Status.NOT_ACHIEVED]
        )
        goal.save()
        case.status = Case.Status.DISCHARGED
        case.discharged_at = now - dt.timedelta(days=rng.randint(1, 15))
        case.discharge_reason = rng.choice(
            [
                Case.DischargeReason.GOALS_MET,
                Case.DischargeReason.CONNECTED,
                Case.DischargeReason.NO_CONTACT,
            ]
        )
        case.save()
        referral.status = Referral.Status.CLOSED
        referral.save()


def _categories_for(organisation: str, service: str) -> list[str]:
    """The socialrx categories whose words (demo_categories.toml) the names contain."""
    text = f"{organisation} {service}".lower()
    found = sorted({code for word, code in category_words().items() if word in text})
    return found or ["srx:social.clubs"]
