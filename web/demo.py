"""Demo data: a fictional town, Ashby Vale, generated from a fixed seed.

Everything here is invented. Postcodes use the outward codes AV1–AV4, which are well formed
but belong to no real UK area; NHS numbers come from the 999 test range, which is never
issued. Rows are written directly (not through the domain actions) because this is a
snapshot of a journey already under way, and no audit trail should claim that real staff
did these things.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Area, Role, Team, User
from casework.models import Case, Connection, Contact, Conversation, Goal, PlanAction
from directory.models import Location, Organization, Service, ServiceAtLocation
from people.models import Consent, Person
from people.rules import nhs_check_digit
from referrals.models import Referral
from referrals.reasons import Reason

DEMO_PASSWORD = "socialrx-demo"  # noqa: S105 - the documented demo password
TOWN = "Ashby Vale"
CENTRE = (52.6205, -1.1305)

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

FIRST = [
    "Mary",
    "John",
    "Aisha",
    "David",
    "Margaret",
    "Tom",
    "Fatima",
    "Peter",
    "Susan",
    "Raj",
    "Linda",
    "George",
    "Grace",
    "Mohammed",
    "Joan",
    "Patrick",
    "Chloe",
    "Stanley",
    "Nadia",
    "Arthur",
    "Eileen",
    "Kwame",
    "Olga",
    "Harry",
    "Beatrice",
    "Connor",
    "Mei",
    "Dennis",
    "Sofia",
    "Frank",
    "Irene",
    "Tariq",
    "Brenda",
    "Leon",
    "Agnes",
    "Emeka",
]
LAST = [
    "Smith",
    "Jones",
    "Patel",
    "Williams",
    "Brown",
    "Khan",
    "Taylor",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Roberts",
    "Ahmed",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "White",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Clarke",
    "Novak",
    "Kowalski",
    "Mensah",
    "O'Brien",
    "Murphy",
    "Singh",
    "Begum",
    "Chen",
]
STREETS = [
    "Mill Lane",
    "Church Street",
    "Station Road",
    "Victoria Road",
    "The Green",
    "Park Avenue",
    "Orchard Close",
    "High Street",
    "Brook Street",
    "Queens Road",
]

# (organisation, [(service name, description, kind extras)])
CATALOGUE = [
    (
        "Ashby Vale Walking Friends",
        [
            (
                "Tuesday health walk",
                "A gentle 45-minute walk around Vale Park for all abilities, "
                "with tea and a chat afterwards. Walk leaders are trained volunteers.",
                {},
            ),
            (
                "Nordic walking for beginners",
                "Six-week course with poles provided; builds fitness and confidence outdoors.",
                {"fees_description": "£2 a session"},
            ),
        ],
    ),
    (
        "Vale Citizens Advice",
        [
            (
                "Debt advice",
                "Free, confidential help with debts, bills and money worries; "
                "appointments by phone or in person.",
                {},
            ),
            ("Benefits check", "Find out what benefits you can claim and get help with forms.", {}),
        ],
    ),
    (
        "Ashby Vale Food Bank",
        [
            (
                "Emergency food parcels",
                "Three days of food for people in crisis, with a referral voucher.",
                {},
            ),
            (
                "Community pantry",
                "Low-cost weekly shop for members.",
                {"fees_description": "£4 a week"},
            ),
        ],
    ),
    (
        "Green Hands Community Garden",
        [
            (
                "Gardening group",
                "Grow vegetables and flowers together in the community garden; "
                "no experience needed; tools provided.",
                {},
            ),
            (
                "Therapeutic horticulture",
                "Small, supported gardening sessions for people living with anxiety or low mood.",
                {},
            ),
        ],
    ),
    (
        "The Arts Hub",
        [
            (
                "Art for wellbeing",
                "Relaxed painting and drawing sessions in a small friendly group.",
                {"fees_description": "Free for referrals"},
            ),
            ("Community choir", "Sing together every Thursday evening; no auditions.", {}),
            ("Craft and chat", "Knitting, sewing and crafts over a cuppa.", {}),
        ],
    ),
    (
        "Vale Befriending Service",
        [
            (
                "Telephone befriending",
                "A weekly friendly call from a trained volunteer for people "
                "who feel lonely or isolated.",
                {},
            ),
            ("Home visiting befriender", "A volunteer visits at home each week.", {}),
        ],
    ),
    (
        "Vale Volunteering Centre",
        [
            ("Volunteering matching", "Find volunteering that suits your interests and time.", {}),
        ],
    ),
    (
        "Carers Support Ashby Vale",
        [
            (
                "Carers' café",
                "Monthly drop-in for unpaid carers, with advice and peer support.",
                {},
            ),
            ("Carers' assessment support", "Help to get a carer's assessment and a break.", {}),
        ],
    ),
    (
        "Cruse Bereavement Vale",
        [
            ("Bereavement support group", "Fortnightly group for people grieving a loss.", {}),
            ("One-to-one bereavement support", "Six sessions with a trained volunteer.", {}),
        ],
    ),
    (
        "Vale Leisure Trust",
        [
            (
                "Exercise on referral",
                "12-week supported gym and swim programme for people with health conditions.",
                {"fees_description": "£15 for 12 weeks"},
            ),
            (
                "Chair-based exercise",
                "Seated exercise class for people with limited mobility.",
                {"fees_description": "£3 a session"},
            ),
            ("Weight management course", "Ten-week healthy eating and activity course.", {}),
        ],
    ),
    (
        "Vale Housing Advice",
        [
            (
                "Housing options advice",
                "Help if you are homeless, at risk, or in poor housing.",
                {},
            ),
            ("Repairs and energy advice", "Help with damp, heating and energy bills.", {}),
        ],
    ),
    (
        "Ashby Works",
        [
            ("Employment support", "One-to-one help with CVs, job searching and confidence.", {}),
            ("Digital skills drop-in", "Learn to use a phone, tablet or computer.", {}),
        ],
    ),
    (
        "Men's Shed Ashby Vale",
        [
            ("Men's Shed", "Woodwork, repairs and conversation in a community workshop.", {}),
        ],
    ),
    (
        "Mind in the Vale",
        [
            ("Peer support group", "Meet others with experience of anxiety and depression.", {}),
            ("Wellbeing course", "Six-week course on managing stress and mood.", {}),
        ],
    ),
    (
        "Vale Diabetes Group",
        [
            ("Diabetes peer support", "Monthly meeting for people living with diabetes.", {}),
        ],
    ),
    (
        "St Mary's Church Hall",
        [
            (
                "Lunch club",
                "Hot two-course lunch and company every Wednesday.",
                {"fees_description": "£4.50"},
            ),
        ],
    ),
    (
        "Ashby Vale Library",
        [
            ("Reading group", "Monthly book club, large print books available.", {}),
            ("Knit and natter", "Bring your knitting and have a chat.", {}),
        ],
    ),
    (
        "Vale Dance Collective",
        [
            ("Dance for health", "Gentle dance class for older adults.", {}),
        ],
    ),
    (
        "Parents Together Vale",
        [
            ("Parenting programme", "Eight-week group for parents of children aged 2 to 11.", {}),
        ],
    ),
    (
        "Vale Community Transport",
        [
            (
                "Dial-a-ride",
                "Door-to-door minibus for people who cannot use public transport.",
                {"fees_description": "£2 each way"},
            ),
        ],
    ),
    (
        "Ashby Vale Allotment Society",
        [
            ("Shared allotment plot", "Share a plot with experienced growers.", {}),
        ],
    ),
    (
        "Vale Legal Advice Centre",
        [
            ("Free legal advice clinic", "Advice on housing, employment and family law.", {}),
        ],
    ),
    (
        "Vale Cycling Club",
        [
            ("Learn to ride again", "Bikes provided; quiet routes; all ages.", {}),
        ],
    ),
    (
        "Vale Cookery School",
        [
            ("Cook and eat", "Learn to cook healthy meals on a budget, then eat together.", {}),
        ],
    ),
    (
        "Ashby Vale Stroke Club",
        [
            ("Stroke survivors' club", "Social club for stroke survivors and their carers.", {}),
        ],
    ),
    (
        "Vale Hearing Support",
        [
            ("Hearing aid maintenance drop-in", "Batteries, tubing and advice.", {}),
        ],
    ),
    (
        "Neighbours of Mill Lane",
        [
            (
                "Sunday cards afternoon",
                "Neighbours who meet to play cards on Sundays. Informal; "
                "ask the link worker to introduce you.",
                {"visibility": "professionals"},
            ),
        ],
    ),
    (
        "Vale Pensioners' Forum",
        [
            ("Coffee morning", "Weekly coffee morning with speakers.", {}),
        ],
    ),
    (
        "Vale Swimming Club",
        [
            (
                "Adult learn to swim",
                "Small group lessons in the shallow pool.",
                {"fees_description": "£5 a lesson", "capacity": "full"},
            ),
        ],
    ),
    (
        "Vale Tenants' Association",
        [
            ("Tenants' advice surgery", "Help with landlord problems.", {}),
        ],
    ),
]


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


def _postcode(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"AV{rng.randint(1, 4)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def _jitter(rng: random.Random, km: float) -> tuple[float, float]:
    return (
        round(CENTRE[0] + rng.uniform(-km, km) / 111.0, 6),
        round(CENTRE[1] + rng.uniform(-km, km) / 68.0, 6),
    )


@transaction.atomic
def seed(*, seed: int = 2026, people: int = 200) -> Seeded:
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()

    area = Area.objects.create(code="ashby-vale", name=f"{TOWN} locality")
    pcn = Team.objects.create(
        area=area,
        name=f"{TOWN} PCN",
        kind=Team.Kind.PCN,
        ods_code="U00001",
        accepts_self_referrals=True,
    )
    practice = Team.objects.create(
        area=area, name="Mill Lane Surgery", kind=Team.Kind.PRACTICE, ods_code="A00001"
    )
    other_area = Area.objects.create(code="riverside", name="Riverside locality")
    Team.objects.create(area=other_area, name="Riverside PCN", kind=Team.Kind.PCN)

    # Directory
    orgs, services = [], []
    for org_name, svc_defs in CATALOGUE:
        slug = org_name.lower().replace(" ", "").replace("'", "")[:20]
        org = Organization.objects.create(
            name=org_name,
            description=f"{org_name} serves people in {TOWN}.",
            email=f"hello@{slug}.example.org",
            website=f"https://{slug}.example.org",
        )
        orgs.append(org)
        lat, lon = _jitter(rng, 4)
        location = Location.objects.create(
            organization=org,
            name=org_name,
            address_1=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
            city=TOWN,
            postal_code=_postcode(rng),
            latitude=lat,
            longitude=lon,
        )
        for name, description, extra in svc_defs:
            stale = rng.random() < 0.1
            svc = Service.objects.create(
                organization=org,
                name=name,
                description=description,
                email=org.email,
                url=org.website,
                visibility=extra.get("visibility", Service.Visibility.PUBLIC),
                capacity=extra.get("capacity", Service.Capacity.OPEN),
                fees_description=extra.get("fees_description", "Free"),
                last_verified_at=now
                - dt.timedelta(days=rng.randint(400, 700) if stale else rng.randint(1, 200)),
            )
            ServiceAtLocation.objects.create(service=svc, location=location)
            services.append(svc)
    # Pad to ~120 services with session variants, as real directories list each group
    # meeting separately.
    variants = ["(morning)", "(evening)", "(Saturday)", "– north Vale", "– town centre"]
    base = list(services)
    while len(services) < 120:
        src = base[len(services) % len(base)]
        svc = Service.objects.create(
            organization=src.organization,
            name=f"{src.name} {variants[len(services) % len(variants)]}",
            description=src.description,
            email=src.email,
            url=src.url,
            visibility=src.visibility,
            capacity=src.capacity,
            fees_description=src.fees_description,
            last_verified_at=now - dt.timedelta(days=rng.randint(1, 500)),
        )
        ServiceAtLocation.objects.create(
            service=svc, location=src.service_at_locations.first().location
        )
        services.append(svc)

    # Categories from the socialrx taxonomy, so category search and matching work.
    from directory.models import Attribute, TaxonomyTerm
    from directory.taxonomy import load_taxonomy

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

    # Staff
    def make_user(username, role, full_name, team=None, organization=None):
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

    walking = orgs[0]
    staff = {}
    for username, role, full_name, _ in DEMO_LOGINS:
        team = {Role.REFERRER: practice, Role.LINK_WORKER: pcn, Role.SUPERVISOR: pcn}.get(role)
        staff[username] = make_user(
            username,
            role,
            full_name,
            team=team,
            organization=walking if role == Role.PARTNER else None,
        )
    staff["linkworker2"] = make_user("linkworker2", Role.LINK_WORKER, "Dev Mistry", team=pcn)
    staff["linkworker3"] = make_user("linkworker3", Role.LINK_WORKER, "Hannah Price", team=pcn)
    staff["referrer2"] = make_user("referrer2", Role.REFERRER, "Nurse Kim Ellis", team=pcn)
    staff["partner2"] = make_user("partner2", Role.PARTNER, "Bea Nash", organization=orgs[1])
    workers = [staff["linkworker"], staff["linkworker2"], staff["linkworker3"]]
    referrers = [staff["referrer"], staff["referrer2"]]

    # People and their journeys
    used: set[str] = set()
    stages = (
        ["received"] * 15
        + ["declined"] * 8
        + ["redirected"] * 5
        + ["new_case"] * 20
        + ["conversation"] * 20
        + ["connected"] * 100
        + ["discharged"] * 32
    )
    counts = {"referrals": 0, "cases": 0, "connections": 0}
    reason_codes = list(Reason.values)
    walking_services = [s for s in services if s.organization_id == walking.pk]
    for i in range(people):
        stage = stages[i % len(stages)]
        given, family = rng.choice(FIRST), rng.choice(LAST)
        birth = today - dt.timedelta(days=rng.randint(19 * 365, 92 * 365))
        person = Person.objects.create(
            area=area,
            team=pcn,
            given_name=given,
            family_name=family,
            birth_date=birth,
            sex=rng.choice(["female", "male"]),
            nhs_number=_nhs(rng, used),
            address=f"{rng.randint(1, 200)} {rng.choice(STREETS)}\n{TOWN}",
            postcode=_postcode(rng),
            phone=f"07700 9{rng.randint(0, 99999):05d}",
            email=f"{given.lower()}.{family.lower().replace(chr(39), '')}{i}@example.com",
            safeguarding_flag=rng.random() < 0.04,
            access_needs="Uses a walking frame" if rng.random() < 0.1 else "",
        )
        received = now - dt.timedelta(
            days=rng.randint(1, 10) if stage == "received" else rng.randint(20, 200)
        )
        referrer = rng.choice(referrers)
        referral = Referral.objects.create(
            area=area,
            team=pcn,
            person=person,
            source=rng.choice(["clinician", "clinician", "self", "api"]),
            referrer=referrer,
            referrer_name=referrer.get_full_name(),
            referrer_organisation=referrer.team.name,
            reasons=rng.sample(reason_codes, k=rng.randint(1, 3)),
            notes="Would benefit from support to get out and meet people.",
            urgency="urgent" if rng.random() < 0.1 else "routine",
            received_at=received,
        )
        counts["referrals"] += 1
        Consent.objects.create(
            area=area,
            person=person,
            kind=Consent.Kind.REFERRAL,
            given=True,
            recorded_at=received,
            recorded_by=referrer,
        )
        if stage == "received":
            continue
        triaged = received + dt.timedelta(days=rng.randint(1, 4))
        if stage in ("declined", "redirected"):
            referral.status = stage
            referral.triaged_at, referral.triaged_by = triaged, staff["supervisor"]
            if stage == "declined":
                referral.decline_reason = "Needs are clinical; advised to see the practice nurse."
            else:
                referral.redirected_to = "Community mental health team"
            referral.save()
            continue
        worker = rng.choice(workers)
        referral.status = Referral.Status.ACCEPTED
        referral.assigned_to, referral.triaged_at = worker, triaged
        referral.triaged_by = staff["supervisor"]
        case = Case.objects.create(
            area=area,
            team=pcn,
            person=person,
            referral=referral,
            link_worker=worker,
            opened_at=triaged,
        )
        counts["cases"] += 1
        if stage == "new_case":
            referral.save()
            continue
        first_contact = triaged + dt.timedelta(days=rng.randint(1, 6))
        referral.first_contact_at = first_contact
        referral.save()
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
            preferred_days=rng.sample(["mon", "tue", "wed", "thu", "fri"], k=2),
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
        if stage == "conversation":
            continue
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
            else rng.choice([s for s in services if s.capacity == "open"])
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
        status = rng.choice(
            [
                "proposed",
                "sent",
                "accepted",
                "declined",
                "first_attended",
                "ongoing",
                "completed",
                "dropped",
            ]
        )
        if stage == "discharged":
            status = rng.choice(["completed", "dropped", "declined"])
        sent = case.plan_agreed_at + dt.timedelta(days=1)
        Connection.objects.create(
            area=area,
            case=case,
            service=service,
            organization=service.organization,
            goal=goal,
            status=status,
            proposed_at=case.plan_agreed_at,
            sent_at=None if status == "proposed" else sent,
            responded_at=None if status in ("proposed", "sent") else sent + dt.timedelta(days=2),
            decline_reason="The group is full until spring." if status == "declined" else "",
            drop_reason="Stopped going after a hospital stay." if status == "dropped" else "",
            first_attended_on=(sent + dt.timedelta(days=7)).date()
            if status in ("first_attended", "ongoing", "completed")
            else None,
            accompanied_first_visit=rng.random() < 0.3,
            ended_at=sent + dt.timedelta(days=60) if status in ("completed", "dropped") else None,
        )
        counts["connections"] += 1
        if stage == "discharged":
            goal.status = rng.choice(["achieved", "partly", "not_achieved"])
            goal.save()
            case.status = Case.Status.DISCHARGED
            case.discharged_at = now - dt.timedelta(days=rng.randint(1, 15))
            case.discharge_reason = rng.choice(["goals_met", "connected", "no_contact"])
            case.save()
            referral.status = Referral.Status.CLOSED
            referral.save()
    return Seeded(users=User.objects.count(), services=len(services), people=people, **counts)


_CATEGORY_WORDS = [
    ("walk", "srx:activity.walking"),
    ("exercise", "srx:activity.exercise"),
    ("gym", "srx:activity.exercise"),
    ("swim", "srx:activity.sport"),
    ("cycl", "srx:activity.sport"),
    ("dance", "srx:activity.dance"),
    ("art", "srx:creative.arts"),
    ("craft", "srx:creative.arts"),
    ("knit", "srx:creative.arts"),
    ("choir", "srx:creative.music"),
    ("reading", "srx:creative.reading"),
    ("garden", "srx:nature"),
    ("allotment", "srx:nature"),
    ("horticulture", "srx:nature"),
    ("befriend", "srx:social.befriending"),
    ("lunch", "srx:social.clubs"),
    ("coffee", "srx:social.clubs"),
    ("shed", "srx:social.clubs"),
    ("cards", "srx:social.clubs"),
    ("peer", "srx:wellbeing.peer"),
    ("wellbeing", "srx:wellbeing"),
    ("mind", "srx:wellbeing"),
    ("bereavement", "srx:wellbeing.bereavement"),
    ("diabetes", "srx:health.conditions"),
    ("stroke", "srx:health.conditions"),
    ("hearing", "srx:health.conditions"),
    ("weight", "srx:health.weight"),
    ("cook", "srx:health.weight"),
    ("debt", "srx:money"),
    ("benefit", "srx:money"),
    ("food", "srx:food"),
    ("pantry", "srx:food"),
    ("housing", "srx:housing"),
    ("tenant", "srx:housing"),
    ("energy", "srx:housing.energy"),
    ("employment", "srx:work.employment"),
    ("works", "srx:work.employment"),
    ("volunteer", "srx:work.volunteering"),
    ("digital", "srx:work.digital"),
    ("carer", "srx:carers"),
    ("parent", "srx:family"),
    ("legal", "srx:legal"),
    ("transport", "srx:transport"),
    ("ride", "srx:transport"),
]


def _categories_for(organisation: str, service: str) -> list[str]:
    text = f"{organisation} {service}".lower()
    found = sorted({code for word, code in _CATEGORY_WORDS if word in text})
    return found or ["srx:social.clubs"]
