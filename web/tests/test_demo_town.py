"""The demo shows the product working: its postcodes are known to distance search, its
services have opening times, and its people have said when they are free, so directory
search and matching work from a demo person's record (issue "Works for real users").

The town is seeded once for the module (about 3 s with 60 people) and rolled back after.
"""

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from casework.models import Case
from directory.models import Location, Schedule, Service
from insight import summaries
from insight.models import ContactDay, DashboardCount, GapNeed, PairMonth
from matching import state
from people.models import Person
from places.geo import geocode, haversine_km
from places.models import Postcode
from web import demo


@pytest.fixture(scope="module")
def town(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        state.reset()  # the matching index follows this database, not an earlier test's
        demo.seed()  # the town as `make run` loads it
        yield
        transaction.set_rollback(True)
    state.reset()


pytestmark = pytest.mark.django_db


def _open_case_free_on_some_days() -> Case:
    """The first open case whose "what matters" conversation says which days the person is
    free and that they can travel (5 km or more, transport no barrier), so that distance
    earns a service points rather than only ruling services out."""
    cases = Case.objects.filter(status=Case.Status.OPEN).select_related("person", "link_worker")
    for case in cases.order_by("opened_at", "pk"):
        conversation = case.conversations.first()
        if (
            conversation
            and conversation.preferred_days
            and "transport" not in conversation.barriers
            and conversation.max_travel_km >= 5
        ):
            return case
    raise AssertionError("no demo person has said when they are free")


def test_every_postcode_the_demo_uses_is_shipped_and_geocodes_to_itself(town):
    shipped = set(demo.demo_postcodes())
    used = set(Person.objects.values_list("postcode", flat=True))
    used |= set(Location.objects.values_list("postal_code", flat=True))
    assert used <= shipped
    assert set(Postcode.objects.values_list("postcode", flat=True)) >= shipped
    for location in Location.objects.all():
        assert geocode(location.postal_code) == (location.latitude, location.longitude)
    # One small town: every postcode within a few kilometres of every other.
    points = list(Postcode.objects.filter(pk__in=shipped).values_list("latitude", "longitude"))
    assert max(haversine_km(*a, *b) for a in points for b in points) < 10


def test_every_demo_service_has_opening_times(town):
    assert not Service.objects.filter(schedules__isnull=True).exists()
    walk = Schedule.objects.get(service__name="Tuesday health walk")
    assert (walk.freq, walk.byday, walk.opens_at, walk.closes_at, walk.description) == (
        "WEEKLY",
        "TU",
        "10:00",
        "11:30",
        "Tuesdays",
    )
    cafe = Schedule.objects.get(service__name="Carers' café")
    assert (cafe.freq, cafe.byday, cafe.description) == (
        "MONTHLY",
        "1WE",
        "First Wednesday of the month",
    )


def test_distance_search_from_a_demo_persons_postcode_finds_services_with_distances(client, town):
    case = _open_case_free_on_some_days()
    client.force_login(case.link_worker)
    res = client.get(
        reverse("directory:services"), {"postcode": case.person.postcode, "radius_km": 3}
    )
    assert res.status_code == 200
    assert not res.context["form"].errors
    distances = [km for _, km, _ in res.context["rows"]]
    assert distances and all(km is not None and km <= 3 for km in distances)
    assert res.context["total"] < Service.objects.count()  # the radius left some out
    assert f"({distances[0]} km)" in res.content.decode()


def test_searching_by_day_and_time_finds_the_sessions_open_then(client, town):
    client.force_login(User.objects.get(username="linkworker"))
    url = reverse("directory:services")

    res = client.get(url, {"day": "TU"})
    assert res.status_code == 200
    assert 0 < res.context["total"] < Service.objects.count()
    for service, _, _ in res.context["rows"]:
        assert any("TU" in s.byday for s in service.schedules.all()), service.name

    walks = client.get(url, {"day": "TU", "q": "walk"}).context["rows"]
    assert "Tuesday health walk" in {s.name for s, _, _ in walks}

    evening = client.get(url, {"day": "TU", "time": "evening"}).context["rows"]
    assert "Weight management course" in {s.name for s, _, _ in evening}
    assert "Tuesday health walk" not in {s.name for s, _, _ in evening}


def test_matching_explains_suggestions_by_distance_and_the_persons_free_days(client, town):
    case = _open_case_free_on_some_days()
    client.force_login(case.link_worker)
    res = client.get(reverse("matching:case_suggestions", kwargs={"case_id": case.pk}))
    assert res.status_code == 200
    explanations = [item.explanation() for item in res.context["found"].results]
    assert explanations
    assert any("km away" in text for text in explanations), explanations
    assert any("when you are free" in text for text in explanations), explanations
    assert "when you are free" in res.content.decode()


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"byday": "TU"}, "Tuesdays"),
        ({"byday": "MO,WE,FR"}, "Mondays, Wednesdays and Fridays"),
        ({"byday": "MO,TU,WE,TH,FR"}, "Monday to Friday"),
        ({"byday": "SA,SU"}, "Weekends"),
        ({"byday": "WE", "interval": 2}, "Every other Wednesday"),
        ({"byday": "1WE", "freq": "MONTHLY"}, "First Wednesday of the month"),
        ({"byday": "-1TH", "freq": "MONTHLY"}, "Last Thursday of the month"),
    ],
)
def test_schedules_are_described_in_words(rule, words):
    assert demo.describe_schedule(rule) == words


def test_the_town_file_names_only_what_the_seed_reads():
    data = demo.town_data()
    assert set(data) == {"first_names", "family_names", "streets", "venues", "organisation"}
    shipped = set(demo.demo_postcodes())
    for place in [*data["venues"].values(), *data["organisation"]]:
        assert place["postcode"] in shipped, place
    known = {"name", "description", "schedule", "sessions", "fees_description"}
    known |= {"visibility", "capacity"}
    for organisation in data["organisation"]:
        assert set(organisation) == {"name", "address", "postcode", "service"}
        for service in organisation["service"]:
            assert set(service) <= known, service["name"]
            assert service["schedule"], service["name"]
            assert set(service.get("sessions", [])) <= set(demo._SESSIONS), service["name"]
            for rule in service["schedule"]:
                assert demo.describe_schedule(rule)


def test_the_demo_evaluation_has_pairs_and_a_comparison_to_show(client, town):
    """A commissioner trying the demo sees the evaluation working, not an empty page."""
    from accounts.tests.factories import UserFactory
    from insight.evaluation import evaluate
    from referrals.models import Referral

    measures = {m["instrument"]: m for m in evaluate(Referral.objects.all())["measures"]}
    swemwbs = measures["swemwbs"]
    assert swemwbs["pairs"] >= 5 and swemwbs["lost_to_follow_up"] >= 1
    comparison = swemwbs["comparison"]
    assert comparison["treated_pairs"] >= 5 and comparison["comparison_pairs"] >= 5
    # People who took up a group gained more than those never connected, as seeded.
    assert comparison["estimate"] > 0

    commissioner = UserFactory(username="demo_viewer", role="commissioner", team=None)
    client.force_login(commissioner)
    page = client.get("/insight/evaluation/").content.decode()
    assert "No measures have been recorded" not in page and "rose by" in page


def test_the_demo_leaves_every_insight_summary_matching_its_records(town):
    """The seed writes some rows in bulk: every summary the insight pages read still adds up
    to what the records give (as `manage.py refresh_insight_facts --check` checks)."""
    assert summaries.differences() == []
    for model in (PairMonth, DashboardCount, ContactDay, GapNeed):
        assert model.objects.exists(), model
