"""The whole pipeline without Django: constraints hold, exclusions explained, diversity."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import embedding
from matching.constraints import violations
from matching.documents import Need, needs_from_text
from matching.engine import suggest
from matching.index import MatchingIndex
from matching.tests.builders import ASHFORD, TODAY, make_doc, make_profile

LAT, LON = ASHFORD


def build(docs, encoder=None):
    vectors = encoder.encode([d.text() for d in docs]) if encoder else [None] * len(docs)
    return MatchingIndex.build(zip(docs, vectors, strict=True))


DIRECTORY = [
    make_doc(name="Tuesday health walk", description="Gentle walks in the park", free=True),
    make_doc(name="Nordic walking", description="Walking with poles, all abilities"),
    make_doc(name="Park walking group", description="A weekly walk and chat"),
    make_doc(name="Debt advice", description="Free advice on debt, benefits and bills"),
    make_doc(name="Youth walking club", description="Walks for young people", max_age=25),
    make_doc(name="Closed walk", description="A walk", status="defunct"),
    make_doc(name="Full walk", description="A walk", capacity="full"),
    make_doc(name="Far walk", description="A walk", points=((LAT + 0.15, LON),)),
]


def test_lexical_ranking_works_without_the_model_and_says_so():
    found = suggest(build(DIRECTORY), make_profile("walking"), today=TODAY)
    assert found.mode == "lexical"
    assert found.results and "walk" in found.results[0].doc.name.lower()
    assert all("mentions “walking”" in r.explanation().lower() for r in found.results)


def test_excluded_services_never_appear_and_are_listed_with_reasons_on_request():
    profile = make_profile("walking", lat=LAT, lon=LON, radius_km=10, age=70)
    found = suggest(build(DIRECTORY), profile, include_excluded=True, today=TODAY)
    names = {r.doc.name for r in found.results}
    assert not names & {"Youth walking club", "Closed walk", "Full walk", "Far walk"}
    excluded = {doc.name: [e.reason for e in reasons] for doc, reasons in found.excluded}
    assert excluded["Youth walking club"] == ["For ages up to 25 only"]
    assert excluded["Closed walk"] == ["Closed down"]
    assert excluded["Full walk"] == ["Full: not taking new people"]
    assert excluded["Far walk"] == ["16.7 km away (limit 10 km)"]


def test_the_excluded_list_is_absent_unless_asked_for():
    assert suggest(build(DIRECTORY), make_profile("walking"), today=TODAY).excluded is None


def test_two_needs_are_both_served_rather_than_three_walks():
    profile = make_profile("walking", "debt")
    found = suggest(build(DIRECTORY), profile, limit=3, today=TODAY)
    names = [r.doc.name for r in found.results]
    assert "Debt advice" in names


_docs = st.builds(
    make_doc,
    name=st.sampled_from(["Walk", "Choir", "Food bank", "Walking choir"]),
    description=st.sampled_from(["walk and talk", "sing", "food", "walk, sing, eat"]),
    status=st.sampled_from(["active", "active", "inactive", "defunct", "temporarily closed"]),
    capacity=st.sampled_from(["open", "waiting_list", "full"]),
    visibility=st.sampled_from(["public", "professionals"]),
    min_age=st.one_of(st.none(), st.integers(0, 70)),
    max_age=st.one_of(st.none(), st.integers(10, 99)),
    sexes=st.sampled_from([frozenset(), frozenset({"female"}), frozenset({"male"})]),
    areas=st.sampled_from([frozenset(), frozenset({"north"}), frozenset({"south"})]),
    points=st.lists(
        st.tuples(st.floats(LAT - 0.3, LAT + 0.3), st.floats(LON - 0.3, LON + 0.3)),
        min_size=0,
        max_size=2,
    ).map(tuple),
    remote=st.booleans(),
    last_verified_at=st.one_of(
        st.none(),
        st.datetimes(
            dt.datetime(2023, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
            dt.datetime(2025, 6, 1),  # noqa: DTZ001
            timezones=st.just(dt.UTC),
        ),
    ),
)
_profiles = st.builds(
    make_profile,
    st.sampled_from(["walk", "sing", "food"]),
    age=st.one_of(st.none(), st.integers(0, 100)),
    sex=st.sampled_from([None, "female", "male"]),
    areas=st.sampled_from([None, frozenset({"north"}), frozenset({"south"})]),
    professional=st.booleans(),
    lat=st.just(LAT),
    lon=st.just(LON),
    radius_km=st.one_of(st.none(), st.floats(1, 40)),
)


@settings(max_examples=150, deadline=None)
@given(docs=st.lists(_docs, min_size=1, max_size=30), profile=_profiles)
def test_no_service_that_fails_a_hard_constraint_ever_reaches_the_top_ten(docs, profile):
    found = suggest(build(docs), profile, limit=10, include_excluded=True, today=TODAY)
    for item in found.results:
        assert violations(item.doc, profile, today=TODAY) == []
    for doc, reasons in found.excluded:
        assert reasons == violations(doc, profile, today=TODAY) != []


needs_model = pytest.mark.skipif(embedding.model_dir() is None, reason="model not installed")


@needs_model
def test_the_semantic_ranker_finds_services_that_share_no_words_with_the_need():
    docs = [
        make_doc(
            name="Befriending calls", description="A volunteer phones you for a chat every week"
        ),
        make_doc(name="Bike repair", description="Fix your bicycle with our mechanics"),
    ]
    encoder = embedding.get_encoder()
    profile = make_profile(needs=(Need("I feel so lonely", "“I feel so lonely”"),), today=TODAY)
    found = suggest(build(docs, encoder), profile, encoder=encoder, today=TODAY)
    assert found.mode == "semantic+lexical"
    assert found.results[0].doc.name == "Befriending calls"
    assert found.results[0].explained()[0].name == "semantic"


def test_free_text_splits_into_needs_on_sentences_and_joined_needs():
    assert [n.text for n in needs_from_text("Lonely. Gardening; debt")] == [
        "Lonely",
        "Gardening",
        "debt",
    ]
    assert [n.text for n in needs_from_text("I feel lonely and I'm in debt", "pieces")] == [
        "I feel lonely",
        "I'm in debt",
    ]
    assert len(needs_from_text("I feel lonely and I'm in debt", "whole+pieces")) == 3
    assert len(needs_from_text("I feel lonely and I'm in debt")) == 1


def test_with_a_place_but_no_radius_far_services_are_found_when_nothing_is_near():
    far = make_doc(name="Island choir", description="Singing", points=((LAT + 2.0, LON),))
    near = make_doc(name="Town walk", description="Walking")
    found = suggest(build([far, near]), make_profile("singing", lat=LAT, lon=LON), today=TODAY)
    assert [r.doc.name for r in found.results] == ["Island choir"]
    assert found.results[0].km > 200
