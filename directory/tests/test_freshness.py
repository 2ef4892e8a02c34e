import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import Event
from directory import actions
from directory.models import Service, VerificationTask
from directory.search import search
from directory.tests.factories import ServiceFactory
from socialrx.errors import DomainError


def test_stale_listings_are_queued_once(db, settings):
    settings.DIRECTORY_STALE_AFTER_DAYS = 365
    old = ServiceFactory(last_verified_at=timezone.now() - dt.timedelta(days=400))
    ServiceFactory(last_verified_at=timezone.now() - dt.timedelta(days=10))
    never = ServiceFactory(last_verified_at=None)
    out = io.StringIO()
    call_command("flag_stale_services", stdout=out)
    assert "Queued 2" in out.getvalue()
    assert set(VerificationTask.objects.values_list("service_id", flat=True)) == {old.pk, never.pk}
    call_command("flag_stale_services", stdout=io.StringIO())
    assert VerificationTask.objects.count() == 2


def test_stale_listings_are_down_ranked_in_search(db):
    ServiceFactory(name="Alpha walk", last_verified_at=timezone.now() - dt.timedelta(days=900))
    ServiceFactory(name="Zulu walk", last_verified_at=timezone.now())
    ids = search(None, text="walk").ids
    names = list(Service.objects.filter(pk__in=ids).values_list("name", flat=True))
    assert [Service.objects.get(pk=i).name for i in ids] == ["Zulu walk", "Alpha walk"]
    assert sorted(names) == ["Alpha walk", "Zulu walk"]


def test_reporting_a_problem_opens_an_audited_task(worker, service):
    task = actions.report_problem(service, reason="closed", details="Hall shut", by=worker)
    assert task.is_open and task.reported_by == worker
    assert Event.objects.filter(record_type="directory.VerificationTask").exists()
    with pytest.raises(DomainError):
        actions.report_problem(service, reason="stale", by=worker)


def test_verifying_closes_tasks_and_can_mark_the_service_full(partner, service, worker):
    actions.report_problem(service, reason="full", by=worker)
    actions.verify_service(service, by=partner, capacity="full")
    service.refresh_from_db()
    assert service.capacity == "full" and service.last_verified_by == partner
    assert not VerificationTask.objects.filter(resolved_at__isnull=True).exists()


def test_partner_edits_only_their_own_listing(client, partner, other_partner, service):
    client.force_login(other_partner)
    assert client.get(f"/directory/services/{service.pk}/edit/").status_code == 404
    client.force_login(partner)
    data = {
        "name": "Tuesday health walk (new route)",
        "description": "Now from the library.",
        "url": "",
        "email": "",
        "fees_description": "Free",
        "eligibility_description": "",
        "capacity": "waiting_list",
    }
    resp = client.post(f"/directory/services/{service.pk}/edit/", data)
    assert resp.status_code == 302
    service.refresh_from_db()
    assert service.name == "Tuesday health walk (new route)"
    assert service.capacity == "waiting_list" and service.last_verified_by == partner


def test_the_service_page_shows_when_it_was_verified(client, worker, service):
    client.force_login(worker)
    body = client.get(f"/directory/services/{service.pk}/").content.decode()
    assert "Last verified" in body and service.last_verified_at.strftime("%Y") in body


def test_a_report_without_a_reason_is_a_form_error(client, worker, service):
    client.force_login(worker)
    resp = client.post(f"/directory/services/{service.pk}/report/", {"details": "?"})
    assert resp.status_code == 400
    assert not VerificationTask.objects.exists()


def test_the_public_page_never_lists_professionals_only_groups(client, db):
    ServiceFactory(
        name="Sunday cards", visibility="professionals", description="cards with neighbours"
    )
    ServiceFactory(name="Card making", description="cards and crafts")
    body = client.get("/directory/find/?q=cards").content.decode()
    assert "Card making" in body and "Sunday cards" not in body
