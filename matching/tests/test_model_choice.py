"""settings.MATCHING_MODEL (ADR 0022, ADR 0023): MiniLM and MPNet as one by default, or MiniLM
alone.

The start-up checks run everywhere; the tests that load MPNet skip unless its packages are
installed (`make setup` installs them unless SOCIALRX_MATCHING_MODEL=minilm)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from matching import embedding, embedding_mpnet, state
from matching.actions import refresh_embeddings
from matching.models import ServiceEmbedding
from matching.tests.factories import ASHFORD, service_at

ENSEMBLE = "all-MiniLM-L6-v2+all-mpnet-base-v2"
needs_both = pytest.mark.skipif(
    embedding.model_dir() is None or embedding_mpnet.archive_parts() is None,
    reason="the MiniLM and all-mpnet-base-v2 packages are not both installed",
)


@pytest.fixture
def model(settings):
    """Set MATCHING_MODEL for one test, with the process-wide encoder loaded afresh."""

    def choose(name: str) -> None:
        settings.MATCHING_MODEL = name
        embedding.get_encoder.cache_clear()
        state.reset()

    yield choose
    embedding.get_encoder.cache_clear()
    state.reset()


def matching_errors():
    return [m for m in run_checks() if m.id and m.id.startswith("matching.")]


def test_minilm_alone_passes_the_checks(model):
    model("minilm")
    assert matching_errors() == []


def test_an_unknown_model_stops_start_up_naming_the_choices(model):
    model("bge-small")
    (error,) = matching_errors()
    assert error.id == "matching.E001"
    assert "'bge-small'" in error.msg
    assert "minilm, minilm+mpnet" in error.hint


def test_mpnet_asked_for_but_not_installed_stops_start_up(model, monkeypatch):
    monkeypatch.setattr(embedding_mpnet, "archive_parts", lambda: None)
    model("minilm+mpnet")
    (error,) = matching_errors()
    assert error.id == "matching.E002"
    assert "make setup-mpnet" in error.msg


@pytest.mark.skipif(embedding.model_dir() is None, reason="MiniLM is not installed")
def test_loading_mpnet_that_is_not_there_is_a_configuration_error(model, monkeypatch):
    monkeypatch.setattr(embedding_mpnet, "get_mpnet_encoder", lambda: None)
    model("minilm+mpnet")
    with pytest.raises(ImproperlyConfigured, match="make setup-mpnet"):
        embedding.get_encoder()


@needs_both
def test_minilm_plus_mpnet_gives_the_mean_of_both_cosines(model):
    model("minilm+mpnet")
    assert matching_errors() == []
    encoder = embedding.get_encoder()
    assert encoder.name == ENSEMBLE
    assert encoder.dimensions == 1152
    texts = ["lonely since moving here", "a weekly singing group", "debt advice"]
    both = encoder.encode(texts)
    minilm, mpnet = (part.encode(texts) for part in encoder.parts)
    np.testing.assert_allclose(both @ both.T, (minilm @ minilm.T + mpnet @ mpnet.T) / 2, atol=1e-5)


@needs_both
@pytest.mark.django_db
def test_suggestions_through_the_api_run_on_both_models(model, api_client, worker):
    """Stored service vectors carry the ensemble's name and width, the index is built at
    1,152 dimensions and the API names the model it ranked with."""
    model("minilm+mpnet")
    lat, lon = ASHFORD
    service_at("Money advice drop-in", "Free advice on debt and benefits.", lat, lon)
    service_at("Community choir", "Sing together every Thursday evening.", lat, lon + 0.01)
    service_at("Tuesday health walk", "A gentle group walk in the park.", lat + 0.01, lon)
    refresh_embeddings()
    rows = ServiceEmbedding.objects.all()
    assert {r.model_name for r in rows} == {ENSEMBLE}
    assert {len(bytes(r.vector)) for r in rows} == {1152 * 4}
    body = {"text": "worried about my debts", "lat": lat, "lon": lon, "limit": 3}
    res = api_client(worker).post("/api/matching/suggestions", data=json.dumps(body))
    assert res.status_code == 200, res.content
    found = res.json()
    assert found["ranker"] == {"mode": "semantic+lexical", "model": ENSEMBLE, "considered": 3}
    assert found["results"][0]["name"] == "Money advice drop-in"
    assert state.get_index().dimensions == 1152
