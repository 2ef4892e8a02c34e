"""Embeddings are computed when services change and stored; feedback and plan additions."""

import numpy as np
import pytest
from django.db import connection

from audit.models import Event
from casework.models import Connection
from casework.tests.factories import CaseFactory
from directory.tests.factories import ServiceFactory
from matching import actions, embedding
from matching.models import IndexChange, ServiceEmbedding, SuggestionFeedback
from socialrx.errors import DomainError

pytestmark = pytest.mark.django_db


class CountingEncoder:
    """A stand-in with the real encoder's interface that records what it was asked."""

    name = "counting-test-encoder"

    def __init__(self):
        self.texts = []

    def encode(self, texts):
        self.texts += list(texts)
        return np.ones((len(texts), 384), dtype=np.float32) / np.sqrt(384)


def test_refresh_stores_one_vector_per_service_with_the_hash_of_its_text():
    service = ServiceFactory(name="Knit and natter")
    encoder = CountingEncoder()
    assert actions.refresh_embeddings([service.pk], encoder=encoder) == 1
    stored = ServiceEmbedding.objects.get(service=service, model_name=encoder.name)
    assert stored.as_array().shape == (384,)
    assert len(stored.text_hash) == 64
    assert "Knit and natter" in encoder.texts[0]


def test_refresh_skips_services_whose_text_has_not_changed():
    service = ServiceFactory()
    encoder = CountingEncoder()
    actions.refresh_embeddings([service.pk], encoder=encoder)
    assert actions.refresh_embeddings([service.pk], encoder=encoder) == 0
    service.description = "Now a gardening club."
    service.save()
    assert actions.refresh_embeddings([service.pk], encoder=encoder) == 1
    assert ServiceEmbedding.objects.filter(service=service).count() == 1


def test_refresh_logs_a_change_even_without_a_model_so_the_index_re_reads_it(monkeypatch):
    service = ServiceFactory()
    monkeypatch.setattr(actions, "get_encoder", lambda: None)
    assert actions.refresh_embeddings([service.pk]) == 0
    assert IndexChange.objects.filter(service_id=service.pk).exists()


@pytest.mark.skipif(embedding.model_dir() is None, reason="model not installed")
def test_refresh_with_the_real_model_stores_unit_vectors():
    service = ServiceFactory()
    actions.refresh_embeddings([service.pk])
    vector = ServiceEmbedding.objects.get(service=service).as_array()
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_feedback_is_stored_with_what_was_shown_and_audited(worker):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    service = ServiceFactory()
    feedback = actions.record_feedback(
        case,
        service=service,
        reason="too_far",
        note="Two buses",
        rank=2,
        score=0.5,
        explanation="Matches “walking”.",
        by=worker,
    )
    assert feedback.area_id == case.area_id and feedback.given_by == worker
    event = Event.objects.get(record_type="matching.SuggestionFeedback")
    assert event.detail == {"reason": "too_far", "service": str(service.pk)}
    assert "Two buses" not in str(event.detail)


def test_feedback_needs_a_known_reason(worker):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    with pytest.raises(DomainError) as err:
        actions.record_feedback(case, service=ServiceFactory(), reason="meh", by=worker)
    assert err.value.field == "reason"
    assert not SuggestionFeedback.objects.exists()


def test_adding_a_suggestion_proposes_a_connection_and_refuses_a_duplicate(worker):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    service = ServiceFactory()
    connection = actions.add_suggestion_to_plan(case, service=service, by=worker)
    assert connection.status == Connection.Status.PROPOSED
    assert Event.objects.filter(record_type="casework.Connection", verb="create").exists()
    with pytest.raises(DomainError):
        actions.add_suggestion_to_plan(case, service=service, by=worker)


class TransactionWatchingEncoder(CountingEncoder):
    """Notes, each time the model runs, whether a transaction is open on the connection."""

    def __init__(self):
        super().__init__()
        self.in_transaction = []

    def encode(self, texts):
        self.in_transaction.append(connection.in_atomic_block)
        return super().encode(texts)


@pytest.mark.django_db(transaction=True)
def test_the_model_never_runs_inside_a_transaction():
    """On SQLite a transaction holds the write lock from its start: embedding a directory
    inside one locked every sign-in and save out until they failed ("database is locked")."""
    services = [ServiceFactory(name=f"Group {i}") for i in range(3)]
    encoder = TransactionWatchingEncoder()
    assert actions.refresh_embeddings(None, encoder=encoder) == 3
    case = CaseFactory()
    assert actions.store_case_need_vectors(case, encoder=encoder) > 0
    assert encoder.in_transaction and not any(encoder.in_transaction)
    stored = ServiceEmbedding.objects.filter(service__in=services, model_name=encoder.name)
    assert stored.count() == 3
    assert IndexChange.objects.filter(service_id=IndexChange.EVERY_SERVICE).exists()
