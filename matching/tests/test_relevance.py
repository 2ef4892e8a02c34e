"""Issue #17: relevance decides what is suggested; words are weighed by how informative
they are here; nearness and price only reorder. The demo's failures, on a small directory."""

import re

import pytest

from matching import embedding, scoring
from matching.documents import needs_from_text
from matching.engine import suggest
from matching.tests.builders import ASHFORD, TODAY, index_of, make_doc, make_profile
from matching.text import STOP_WORDS, query_terms, words

LAT, LON = ASHFORD
needs_model = pytest.mark.skipif(embedding.model_dir() is None, reason="model not installed")

DEMO = [
    make_doc(
        name="Cards and board games club",
        description="Come and play cards, dominoes and board games over a cup of tea.",
    ),
    make_doc(
        name="Walking football",
        description="A gentle game of football for older men and women at the leisure centre.",
    ),
    make_doc(
        name="Food bank",
        description="Emergency food parcels for people in crisis; help with shopping vouchers.",
    ),
    make_doc(
        name="Health walks",
        description="Short, gentle walks with a volunteer to build up strength and confidence.",
    ),
    make_doc(
        name="Bereavement group",
        description="Meet other people who have lost someone close to them.",
    ),
    make_doc(
        name="Friendship club",
        description="A weekly social club to make new friends and have a chat.",
    ),
    make_doc(
        name="Job club",
        description="Help finding work, writing a CV and applying for full-time or part-time jobs.",
    ),
    make_doc(
        name="Advice drop-in",
        description="Come in at any time for advice on housing and money.",
    ),
    make_doc(
        name="Debt advice", description="Free, confidential advice on debt, bills and benefits."
    ),
    make_doc(name="Community choir", description="Sing together every Thursday evening."),
]


def build(docs, encoder=None):
    return index_of(docs, encoder)


@pytest.fixture(scope="module")
def encoder():
    return embedding.get_encoder()


@pytest.fixture(scope="module")
def demo(encoder):
    return build(DEMO, encoder)


def ask(index, text, encoder, **fields):
    profile = make_profile(needs=needs_from_text(text), lat=LAT, lon=LON, **fields)
    return suggest(index, profile, encoder=encoder, today=TODAY)


def names(found):
    return [r.doc.name for r in found.results]


@needs_model
def test_football_is_not_answered_with_a_card_game(demo, encoder):
    found = ask(demo, "he wants to play football", encoder)
    assert names(found)[0] == "Walking football"
    assert "Cards and board games club" not in names(found)


@needs_model
def test_walking_to_the_shops_finds_walks_before_a_food_bank(demo, encoder):
    found = ask(demo, "I want to be able to walk to the shops again", encoder)
    assert names(found)[0] == "Health walks"
    for r in found.results:
        assert "“shops”" not in r.explanation() or r.explained()[0].name == "semantic"


@needs_model
def test_meeting_people_finds_a_social_club_and_never_cites_people(demo, encoder):
    found = ask(demo, "wants to meet new people", encoder)
    assert names(found)[0] == "Friendship club"
    assert all("“people”" not in r.explanation() for r in found.results)
    # With MiniLM and MPNet (ADR 0022) the cards club comes third, by meaning (cards over a
    # cup of tea is a way to meet people), never for the word; for football it never comes.


@needs_model
def test_part_time_is_one_word_and_time_is_never_cited(demo, encoder):
    found = ask(demo, "works part-time and struggles with money", encoder)
    assert "“time”" not in " ".join(r.explanation() for r in found.results)
    assert "Job club" in names(found)


def test_part_time_does_not_match_any_time_in_words():
    index = build(DEMO)
    found = ask(index, "part-time", None)
    assert names(found) == ["Job club"]
    assert "time" not in words("works part-time") and "part-time" in words("works part-time")


def test_a_close_free_service_about_something_else_is_not_suggested_without_the_model():
    far_walk = make_doc(name="Walking group", description="Walks", points=((LAT + 0.2, LON),))
    near_choir = make_doc(name="Choir", description="Sing with us", free=True)
    found = ask(build([far_walk, near_choir]), "walking", None)
    assert names(found) == ["Walking group"]


@needs_model
def test_a_close_free_service_about_something_else_is_not_suggested(encoder):
    far = (LAT + 0.2, LON)  # about 22 km
    docs = [
        make_doc(name="Debt advice", description="Advice on debt and bills", points=(far,)),
        make_doc(name="Bike repair", description="Fix your bicycle with our mechanics", free=True),
        make_doc(name="Knitting circle", description="Knit and natter on Mondays", free=True),
    ]
    found = ask(build(docs, encoder), "in debt", encoder)
    assert names(found) == ["Debt advice"]


@needs_model
def test_relevance_is_decided_per_need_so_both_needs_are_served(encoder):
    index = build(DEMO, encoder)
    profile = make_profile(needs=needs_from_text("lonely. in debt"), lat=LAT, lon=LON)
    found = suggest(index, profile, encoder=encoder, today=TODAY, limit=3)
    assert {"Friendship club", "Debt advice"} <= set(names(found))


def test_one_common_word_of_a_need_earns_little_of_the_word_signal():
    fillers = [
        make_doc(name=f"Club {i}", description="We play games and support each other")
        for i in range(30)
    ]
    football = make_doc(name="Football", description="Football on Saturdays")
    index = build([*fillers, football])
    profile = make_profile(needs=needs_from_text("play football"))
    found = suggest(index, profile, today=TODAY)
    # "play" is in 30 of 31 services: a club matching only it is not about football.
    assert names(found) == ["Football"]


def test_explanations_never_cite_a_word_most_of_the_directory_uses():
    fillers = [
        make_doc(name=f"Group {i}", description=f"Support and friendship, topic {i}")
        for i in range(30)
    ]
    debt = make_doc(name="Money advice", description="Support with debt and bills")
    found = suggest(build([*fillers, debt]), make_profile("support with debt"), today=TODAY)
    assert names(found)[0] == "Money advice"
    text = found.results[0].explanation()
    assert "“debt”" in text and "“support”" not in text


def test_stop_words_and_stems_do_not_join_unrelated_words():
    assert "people" not in query_terms("meet new people")
    assert "time" not in query_terms("any time")
    from matching.text import stem

    assert stem("evening") != stem("even") and stem("evenings") == stem("evening")
    assert stem("apartment") != stem("apart")
    assert stem("family") == stem("families") and stem("early") != stem("ear")


def test_the_relevance_rule_is_what_keeps_irrelevant_services_out(monkeypatch):
    """The property the tests above rely on: loosen the rule and the choir comes back."""
    docs = [
        make_doc(name="Walking group", description="Walks"),
        make_doc(name="Choir", description="Sing with us"),
    ]
    index = build(docs)
    assert names(ask(index, "walking", None)) == ["Walking group"]
    monkeypatch.setattr(scoring, "RELEVANT_WORDS", 0.0)
    assert "Choir" in names(ask(index, "walking", None))


FIXTURE = [
    *DEMO,
    make_doc(
        name="Befriending scheme",
        description="A volunteer visits or phones you every week for a chat, if you feel lonely.",
    ),
    make_doc(name="Allotment society", description="Grow your own vegetables on a shared plot."),
    make_doc(name="Benefits check", description="We check you get every benefit you are owed."),
    make_doc(name="Swimming for over-50s", description="Gentle lengths at the leisure centre."),
]


@needs_model
def test_lonely_in_debt_and_likes_singing_finds_all_three_in_the_top_five(encoder):
    found = ask(build(FIXTURE, encoder), "lonely and in debt and likes singing", encoder)
    top = names(found)[:5]
    assert "Debt advice" in top
    assert "Community choir" in top
    assert {"Befriending scheme", "Friendship club"} & set(top)


def quoted_words(explanation):
    return re.findall(r"“([^”]+)”", explanation)


@needs_model
def test_no_explanation_ever_quotes_a_stop_word(encoder):
    index = build(FIXTURE, encoder)
    asked = [
        "wants to meet new people and have something to do",
        "he needs help with his money, it is a lot of time",
        "would like to get out and about more, any day of the week",
        "lonely and in debt and likes singing",
    ]
    for text in asked:
        for item in ask(index, text, encoder).results:
            for signal in item.explained():
                if signal.name == "lexical":
                    assert not set(quoted_words(signal.text)) & STOP_WORDS, signal.text


@needs_model
def test_a_service_linked_to_the_need_only_by_a_common_word_is_not_suggested(encoder):
    # "support" is in every service here; the need is about debt.
    docs = [
        make_doc(name=f"Support group {i}", description=f"Support for carers, meeting {i}")
        for i in range(12)
    ]
    docs.append(make_doc(name="Money advice", description="Support with debt and bills"))
    found = ask(build(docs, encoder), "support with my debts", encoder)
    assert names(found)[0] == "Money advice"
    assert not [n for n in names(found) if n.startswith("Support group")]


def test_the_pieces_of_a_sentence_are_marked_as_pieces():
    whole, *pieces = needs_from_text("lonely and in debt")
    assert not whole.piece
    assert [p.text for p in pieces] == ["lonely", "in debt"]
    assert all(p.piece for p in pieces)
    assert not any(n.piece for n in needs_from_text("lonely and in debt", "pieces"))


@needs_model
def test_with_a_backbone_the_sentence_leads_and_each_piece_still_gets_in(encoder, monkeypatch):
    """BACKBONE_TOP: only the most relevant services are scored, the best for the sentence
    as said first (ADR 0022); its "and"-pieces come in through the coverage bonus."""
    monkeypatch.setattr(scoring, "BACKBONE_TOP", 10)
    index = build(FIXTURE, encoder)
    needs = needs_from_text("lonely and in debt and likes singing")
    profile = make_profile(needs=needs, lat=LAT, lon=LON)
    found = suggest(index, profile, encoder=encoder, today=TODAY, limit=5)
    assert [r for r in found.results if r.need_index == 0]  # the sentence as said is served
    assert "Debt advice" in names(found)
    assert "Community choir" in names(found)
    assert {"Befriending scheme", "Friendship club"} & set(names(found))
