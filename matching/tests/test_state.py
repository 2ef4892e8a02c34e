"""The index keeps itself current: saves queue re-embedding; every process applies changes."""

import pytest

from directory.tests.factories import LocationFactory, ServiceFactory
from matching import state
from matching.actions import refresh_embeddings
from matching.models import IndexChange, ServiceEmbedding
from matching.profiles import profile_for_query
from matching.suggestions import suggestions_for

pytestmark = pytest.mark.django_db


def names(text):
    return [r.doc.name for r in suggestions_for(profile_for_query(text=text)).results]


def test_an_edit_shows_up_in_suggestions_without_a_rebuild(django_capture_on_commit_callbacks):
    service = ServiceFactory(name="Knitting circle", description="Knit and natter")
    assert names("knitting") == ["Knitting circle"]
    index = state.get_index()
    with django_capture_on_commit_callbacks(execute=True):
        service.name = "Allotment club"
        service.description = "Grow vegetables together"
        service.save()
    assert names("allotment") == ["Allotment club"]
    assert names("knitting") == []
    assert state.get_index() is index  # updated in place, not rebuilt


def test_saving_a_service_queues_its_embedding_once_per_transaction(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        service = ServiceFactory()
        service.description = "changed twice in one transaction"
        service.save()
    assert IndexChange.objects.filter(service_id=service.pk).count() == 1


def test_a_location_change_re_reads_the_services_there(django_capture_on_commit_callbacks):
    from directory.tests.factories import ServiceAtLocationFactory

    link = ServiceAtLocationFactory(location=LocationFactory(latitude=51.0, longitude=0.0))
    before = IndexChange.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        link.location.latitude = 51.5
        link.location.save()
    assert IndexChange.objects.filter(service_id=link.service_id).count() > 0
    assert IndexChange.objects.count() > before


def test_a_deleted_service_leaves_the_index(django_capture_on_commit_callbacks):
    service = ServiceFactory(name="Community fridge", description="Free food")
    assert names("fridge") == ["Community fridge"]
    with django_capture_on_commit_callbacks(execute=True):
        service.delete()
    assert names("fridge") == []


def test_the_index_uses_stored_embeddings_and_never_embeds_per_request(monkeypatch):
    service = ServiceFactory(name="Befriending", description="A weekly chat")
    refresh_embeddings([service.pk])

    def refuse(*args, **kwargs):
        raise AssertionError("services must not be embedded while answering a request")

    monkeypatch.setattr(state, "docs_for_services", state.docs_for_services)
    index = state.get_index()
    if ServiceEmbedding.objects.exists():
        assert index.has_vectors(index.alive_rows()).all()
    from matching import actions

    monkeypatch.setattr(actions, "refresh_embeddings", refuse)
    assert names("chat") == ["Befriending"]


def test_bulk_writers_can_queue_services_that_bypassed_save(django_capture_on_commit_callbacks):
    from directory.models import Service
    from directory.tests.factories import OrganizationFactory
    from matching.signals import services_changed

    organization = OrganizationFactory()
    assert names("allotment") == []
    with django_capture_on_commit_callbacks(execute=True):
        (service,) = Service.objects.bulk_create(
            [Service(organization=organization, name="Allotment club", description="Grow food")]
        )
        services_changed([service.pk])
    assert names("allotment") == ["Allotment club"]


def test_verifying_a_stale_listing_brings_it_back_without_re_embedding(
    django_capture_on_commit_callbacks,
):
    import datetime as dt

    from django.utils import timezone

    stale = timezone.now() - dt.timedelta(days=500)
    service = ServiceFactory(name="Repair cafe", description="Fix things", last_verified_at=stale)
    refresh_embeddings([service.pk])
    embedded_at = ServiceEmbedding.objects.filter(service=service).values_list(
        "updated_at", flat=True
    )
    before = list(embedded_at)
    assert names("repair") == []
    with django_capture_on_commit_callbacks(execute=True):
        service.last_verified_at = timezone.now()
        service.save()
    assert names("repair") == ["Repair cafe"]
    assert list(embedded_at) == before  # the text did not change, so no new embedding
