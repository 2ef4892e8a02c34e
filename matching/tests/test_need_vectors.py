"""Need embeddings are stored when a case's needs are saved, and read (never computed) when
suggestions are shown; free-text queries are embedded once per process (a bounded LRU)."""

import numpy as np
import pytest

from casework.tests.factories import CaseFactory, GoalFactory
from matching import actions, suggestions
from matching.models import NeedEmbedding
from matching.profiles import needs_for_case, profile_for_case
from matching.vector_cache import VectorCache, encode_cached


class CountingEncoder:
    """The real encoder's interface, counting the texts it is asked to embed."""

    name = "counting-test-encoder"
    dimensions = 384

    def __init__(self):
        self.texts = []

    def encode(self, texts):
        self.texts += list(texts)
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, hash(t) % 384] = 1.0
        return out


def test_the_lru_embeds_a_text_once_and_forgets_the_oldest():
    encoder, cache = CountingEncoder(), VectorCache(size=2)
    first = encode_cached(encoder, ["lonely", "in debt"], cache=cache)
    again = encode_cached(encoder, ["lonely"], cache=cache)
    assert encoder.texts == ["lonely", "in debt"]
    assert np.array_equal(first[0], again[0])
    encode_cached(encoder, ["choir"], cache=cache)  # "in debt" is now the oldest: dropped
    assert len(cache) == 2
    encode_cached(encoder, ["in debt"], cache=cache)
    assert encoder.texts == ["lonely", "in debt", "choir", "in debt"]


def test_vectors_are_kept_per_model():
    a, b, cache = CountingEncoder(), CountingEncoder(), VectorCache()
    b.name = "another-model"
    encode_cached(a, ["lonely"], cache=cache)
    encode_cached(b, ["lonely"], cache=cache)
    assert a.texts == ["lonely"] and b.texts == ["lonely"]


@pytest.mark.django_db
def test_saving_a_cases_needs_stores_their_vectors_and_showing_reads_them():
    case = CaseFactory()
    GoalFactory(case=case, area=case.area, text="Join a choir", status="in_progress")
    encoder = CountingEncoder()
    stored = actions.store_case_need_vectors(case, encoder=encoder)
    texts = [n.text for n in needs_for_case(case, case.conversations.first())]
    assert stored == len(set(texts)) and set(encoder.texts) == set(texts)
    assert NeedEmbedding.objects.filter(case=case).count() == len(set(texts))
    assert actions.store_case_need_vectors(case, encoder=encoder) == 0  # nothing new

    showing = CountingEncoder()
    showing.name = encoder.name
    from matching.vector_cache import CACHE

    CACHE.clear()
    vectors = suggestions.need_vectors(profile_for_case(case), showing, case)
    assert showing.texts == []  # read from the database, not computed
    assert vectors.shape == (len(texts), 384)


@pytest.mark.django_db
def test_a_changed_need_replaces_its_stored_vector():
    case = CaseFactory()
    goal = GoalFactory(case=case, area=case.area, text="Join a choir", status="in_progress")
    encoder = CountingEncoder()
    actions.store_case_need_vectors(case, encoder=encoder)
    before = set(NeedEmbedding.objects.filter(case=case).values_list("text_hash", flat=True))
    goal.text = "Learn to swim"
    goal.save()
    assert actions.store_case_need_vectors(case, encoder=encoder) == 1
    after = set(NeedEmbedding.objects.filter(case=case).values_list("text_hash", flat=True))
    assert len(after) == len(before) and after != before
    assert actions.text_hash("Join a choir") not in after


@pytest.mark.django_db(transaction=True)
def test_saving_a_goal_queues_the_embedding_of_the_cases_needs(monkeypatch):
    from matching import actions as matching_actions

    encoder = CountingEncoder()
    monkeypatch.setattr(matching_actions, "get_encoder", lambda: encoder)
    monkeypatch.setattr("matching.embedding.get_encoder", lambda: encoder)
    case = CaseFactory()
    GoalFactory(case=case, area=case.area, text="Walk the dog more", status="in_progress")
    hashes = set(NeedEmbedding.objects.filter(case=case).values_list("text_hash", flat=True))
    assert actions.text_hash("Walk the dog more") in hashes
