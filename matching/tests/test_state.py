"""The index keeps itself current: saves and imports log what changed, which every process
applies on its next request, and queue re-embedding; a request never embeds a service."""

import io
import json
from contextlib import nullcontext

import numpy as np
import pytest
from django.core.management import call_command
from django.db import transaction

from directory.hsds_import import tuned
from directory.models import Service
from directory.tests.factories import LocationFactory, ServiceFactory
from directory.tests.hsds_data import ARRAY, CSV_OK
from matching import actions, embedding, state, suggestions, tasks
from matching.actions import refresh_embeddings
from matching.adapters import docs_for_services
from matching.models import IndexChange, ServiceEmbedding
from matching.profiles import profile_for_query
from matching.suggestions import suggestions_for

pytestmark = pytest.mark.django_db
URL = "/api/matching/suggestions"
IMPORTED = {s["id"]: s["name"] for s in json.loads(ARRAY.read_text())}


def names(text):
    return [r.doc.name for r in suggestions_for(profile_for_query(text=text)).results]


def suggested(api_client, user, text) -> list[dict]:
    """The results of the real API, as an integrator sees them."""
    res = api_client(user).post(URL, data=json.dumps({"text": text, "limit": 10}))
    assert res.status_code == 200, res.content
    return res.json()["results"]


def import_hsds(path) -> None:
    call_command("import_hsds", str(path), stdout=io.StringIO(), stderr=io.StringIO())


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
    django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks, "refresh_embeddings", lambda ids: queued.append(ids))
    with django_capture_on_commit_callbacks(execute=True):
        service = ServiceFactory()
        service.description = "changed twice in one transaction"
        service.save()
    assert queued == [[str(service.pk)]]


def test_a_change_rolled_back_is_not_carried_into_the_next_transaction(
    django_capture_on_commit_callbacks, monkeypatch
):
    from matching.signals import services_changed

    queued = []
    monkeypatch.setattr(tasks, "refresh_embeddings", lambda ids: queued.append(ids))
    with pytest.raises(RuntimeError), transaction.atomic():
        services_changed(None)  # a large import, say, that then failed
        raise RuntimeError
    with django_capture_on_commit_callbacks(execute=True):
        service = ServiceFactory()
    assert queued == [[str(service.pk)]]  # not "every service"


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


class StandInEncoder:
    """The real encoder's interface, for where the model is not installed."""

    name = embedding.MODEL_NAME

    def encode(self, texts):
        return np.ones((len(texts), embedding.DIMENSIONS), dtype=np.float32) / np.sqrt(384)


class EncoderWatch:
    """Watches the embedding entry point, the encoder's `encode`: once armed with the
    directory's services, a call that embeds any service's text fails the test. The
    installed model's own method is watched when there is one; otherwise a stand-in is
    what every caller gets as "the encoder"."""

    def __init__(self, monkeypatch) -> None:
        self.calls: list[list[str]] = []
        self.forbidden: set[str] = set()
        if embedding.get_encoder() is not None:
            real = embedding.Encoder.encode

            def encode(encoder, texts, *args, **kwargs):
                self.check(texts)
                return real(encoder, texts, *args, **kwargs)

            monkeypatch.setattr(embedding.Encoder, "encode", encode)
        else:
            stand_in = StandInEncoder()
            watched = stand_in.encode

            def encode_stand_in(texts):
                self.check(texts)
                return watched(texts)

            stand_in.encode = encode_stand_in
            for module in (actions, state, suggestions):
                monkeypatch.setattr(module, "get_encoder", lambda: stand_in)

    def arm(self) -> None:
        self.forbidden = {
            text for doc in docs_for_services() for text in (doc.text(), doc.name, doc.description)
        }

    def check(self, texts) -> None:
        texts = list(texts)
        self.calls.append(texts)
        embedded = self.forbidden.intersection(texts)
        assert not embedded, f"embedded a service while answering a request: {embedded}"


def test_a_suggestions_request_never_embeds_a_service(api_client, worker, monkeypatch):
    watch = EncoderWatch(monkeypatch)
    ready = ServiceFactory(name="Befriending", description="A weekly chat")
    refresh_embeddings([ready.pk])
    # Saved, but its embedding task has not run yet (its transaction is the test's).
    ServiceFactory(name="Chat club", description="Chat over tea")
    watch.arm()
    found = {r["name"] for r in suggested(api_client, worker, "a chat")}
    assert found == {"Befriending", "Chat club"}  # the second by its words alone
    assert watch.calls  # the need was embedded: the watched method is on the request's path
    assert state.get_index().has_vectors(state.get_index().alive_rows()).sum() == 1


@pytest.mark.parametrize("directory", ["empty", "with a service", "with a service, large import"])
def test_an_import_shows_up_in_suggestions_without_a_restart(api_client, worker, directory):
    """A first import, and a later one: small (it names the services it changed) or large
    (it says any may have changed, and every index is built again)."""
    if directory != "empty":
        ServiceFactory(name="Knitting circle", description="Knit and natter")
    assert suggested(api_client, worker, "counselling") == []  # the index is built now
    with tuned(list_changes_up_to=0) if directory.endswith("large import") else nullcontext():
        import_hsds(ARRAY)
    found = {r["id"] for r in suggested(api_client, worker, "counselling")}
    # The evening clinic is temporarily closed.
    assert found == {i for i, name in IMPORTED.items() if "Evening" not in name}


def test_imported_services_are_embedded_once_the_import_commits(
    django_capture_on_commit_callbacks, monkeypatch
):
    encoder = StandInEncoder()
    monkeypatch.setattr(actions, "get_encoder", lambda: encoder)
    with django_capture_on_commit_callbacks(execute=True):  # one transaction, committed
        ServiceFactory(name="Knitting circle")
        import_hsds(ARRAY)
    stored = ServiceEmbedding.objects.filter(model_name=encoder.name)
    assert {str(i) for i in stored.values_list("service_id", flat=True)} >= set(IMPORTED)


def test_an_import_of_organisations_alone_re_reads_their_services(api_client, worker, tmp_path):
    import_hsds(ARRAY)
    found = suggested(api_client, worker, "counselling")
    assert {r["organization"] for r in found} == {"Example Organization Inc."}
    folder = tmp_path / "organisations"
    folder.mkdir()
    renamed = (
        (CSV_OK / "organizations.csv")
        .read_text()
        .replace("Example Organization Inc.", "Example Counselling Trust")
    )
    (folder / "organizations.csv").write_text(renamed)
    import_hsds(folder)  # names no service, but every service shows its organisation
    found = suggested(api_client, worker, "counselling")
    assert found and {r["organization"] for r in found} == {"Example Counselling Trust"}


def test_a_change_logged_before_one_seen_already_is_still_applied():
    """On PostgreSQL, change numbers are taken when written and seen when committed: a
    transaction that took a lower number can commit after one that took a higher."""
    organization = ServiceFactory().organization
    names("anything")  # the index is built
    seen = IndexChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    first, late = Service.objects.bulk_create(  # no saves: only the log says what changed
        [
            Service(organization=organization, name="Repair cafe", description="Fix things"),
            Service(organization=organization, name="Seed swap", description="Swap seeds"),
        ]
    )
    IndexChange.objects.create(pk=seen + 10, service_id=first.pk)
    assert names("repair") == ["Repair cafe"]
    IndexChange.objects.create(pk=seen + 5, service_id=late.pk)  # committed late
    assert names("seeds") == ["Seed swap"]


def test_bulk_writers_can_queue_services_that_bypassed_save(django_capture_on_commit_callbacks):
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
