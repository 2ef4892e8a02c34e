"""Each hard constraint excludes with a reason a link worker can repeat; unknowns do not."""

import datetime as dt

from matching.constraints import eligibility_notes, haversine_km, violations
from matching.tests.builders import ASHFORD, TODAY, make_doc, make_profile


def codes(doc, profile):
    return [e.code for e in violations(doc, profile, today=TODAY)]


def reasons(doc, profile):
    return [e.reason for e in violations(doc, profile, today=TODAY)]


def test_an_open_nearby_service_for_anyone_passes():
    assert violations(make_doc(), make_profile("walking"), today=TODAY) == []


def test_closed_services_are_excluded_whatever_the_kind_of_closure():
    for status, reason in [
        ("inactive", "Not running at the moment"),
        ("defunct", "Closed down"),
        ("temporarily closed", "Temporarily closed"),
    ]:
        assert reasons(make_doc(status=status), make_profile()) == [reason]


def test_a_full_service_is_excluded_but_a_waiting_list_is_not():
    assert codes(make_doc(capacity="full"), make_profile()) == ["full"]
    assert codes(make_doc(capacity="waiting_list"), make_profile()) == []


def test_professionals_only_listings_are_hidden_from_the_public_only():
    doc = make_doc(visibility="professionals")
    assert codes(doc, make_profile(professional=False)) == ["visibility"]
    assert codes(doc, make_profile(professional=True)) == []


def test_age_limits_exclude_a_person_of_known_age_outside_them():
    doc = make_doc(min_age=18, max_age=25)
    assert reasons(doc, make_profile(age=72)) == ["For ages 18–25 only"]
    assert reasons(doc, make_profile(age=17)) == ["For ages 18–25 only"]
    assert codes(doc, make_profile(age=18)) == []
    assert reasons(make_doc(min_age=60), make_profile(age=40)) == ["For ages 60 and over only"]


def test_an_unknown_age_does_not_exclude_but_asks_to_check():
    doc = make_doc(min_age=18, max_age=25)
    profile = make_profile(age=None)
    assert codes(doc, profile) == []
    assert eligibility_notes(doc, profile) == ["check eligibility: ages 18–25"]


def test_sex_restrictions_apply_when_the_persons_sex_is_known():
    doc = make_doc(sexes=frozenset({"female"}))
    assert reasons(doc, make_profile(sex="male")) == ["For women only"]
    assert codes(doc, make_profile(sex="female")) == []
    assert codes(doc, make_profile(sex=None)) == []


def test_a_service_area_excludes_people_who_live_elsewhere():
    doc = make_doc(areas=frozenset({"south"}))
    assert reasons(doc, make_profile(areas=frozenset({"north"}))) == ["Only serves south"]
    assert codes(doc, make_profile(areas=frozenset({"north", "south"}))) == []
    assert codes(doc, make_profile(areas=None)) == []
    assert codes(make_doc(areas=frozenset()), make_profile(areas=frozenset({"north"}))) == []


def test_condition_specific_services_need_the_condition_when_conditions_are_known():
    doc = make_doc(conditions=frozenset({"dementia"}))
    profile = make_profile(conditions=frozenset({"diabetes"}))
    assert reasons(doc, profile) == ["For people with dementia only"]
    assert codes(doc, make_profile(conditions=frozenset({"dementia"}))) == []
    assert codes(doc, make_profile(conditions=None)) == []


def test_distance_cap_excludes_services_beyond_the_radius_and_says_how_far():
    lat, lon = ASHFORD
    doc = make_doc(points=((lat + 0.1, lon),))  # about 11 km north
    profile = make_profile(lat=lat, lon=lon, radius_km=5)
    assert reasons(doc, profile) == ["11.1 km away (limit 5 km)"]
    assert codes(doc, make_profile(lat=lat, lon=lon, radius_km=15)) == []


def test_remote_services_pass_any_distance_cap():
    lat, lon = ASHFORD
    doc = make_doc(points=(), remote=True)
    assert codes(doc, make_profile(lat=lat, lon=lon, radius_km=1)) == []


def test_a_service_with_no_address_is_excluded_under_a_distance_cap():
    lat, lon = ASHFORD
    doc = make_doc(points=(), remote=False)
    assert codes(doc, make_profile(lat=lat, lon=lon, radius_km=5)) == ["distance"]


def test_listings_not_verified_for_over_a_year_are_excluded_as_stale():
    doc = make_doc(last_verified_at=dt.datetime(2024, 4, 1, tzinfo=dt.UTC))
    assert reasons(doc, make_profile()) == ["Not verified for 14 months"]
    assert codes(make_doc(last_verified_at=None), make_profile()) == []


def test_services_already_in_the_plan_or_marked_not_suitable_are_excluded():
    doc = make_doc()
    assert codes(doc, make_profile(exclude_ids=frozenset({doc.id}))) == ["in_plan"]
    said = "Marked not suitable on 7 December 2026: costs too much"
    assert codes(doc, make_profile(unsuitable=((doc.id, said),))) == ["unsuitable"]
    assert codes(doc, make_profile(unsuitable=(("another service", said),))) == []


def test_every_failed_constraint_is_listed():
    doc = make_doc(capacity="full", status="defunct", min_age=60)
    assert set(codes(doc, make_profile(age=30))) == {"full", "closed", "age"}


def test_haversine_matches_a_known_distance():
    london, paris = (51.5074, -0.1278), (48.8566, 2.3522)
    assert abs(haversine_km(*london, *paris) - 343.5) < 1
