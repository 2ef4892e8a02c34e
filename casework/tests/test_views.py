"""Case work pages through HTTP: query counts pinned on lists (the home pages are web's)."""

import pytest

from casework.tests.factories import CaseFactory, busy_caseload
from directory.models import Service
from directory.tests.factories import ServiceFactory


@pytest.fixture
def busy_worker(worker, service):
    return busy_caseload(worker, service)


def test_caseload_query_count_does_not_grow_with_cases(
    client, busy_worker, django_assert_num_queries
):
    client.force_login(busy_worker)
    with django_assert_num_queries(6):
        resp = client.get("/cases/")
    assert resp.content.decode().count('href="/cases/') >= 6


def test_partner_queue_query_count_is_pinned(
    client, busy_worker, partner, django_assert_num_queries
):
    client.force_login(partner)
    with django_assert_num_queries(4):
        resp = client.get("/cases/partner/")
    assert resp.content.decode().count("/cases/partner/") >= 6


def test_the_case_page_query_count_is_pinned(client, busy_worker, django_assert_num_queries):
    case = busy_worker.cases.first()
    client.force_login(busy_worker)
    with django_assert_num_queries(14):
        resp = client.get(f"/cases/{case.pk}/")
    assert resp.status_code == 200


def test_posting_a_bad_contact_shows_errors_and_writes_nothing(client, busy_worker):
    case = busy_worker.cases.first()
    before = case.contacts.count()
    client.force_login(busy_worker)
    resp = client.post(
        f"/cases/{case.pk}/contacts/",
        {"contact-minutes": "-5", "contact-happened_on": "not a date"},
    )
    assert resp.status_code == 400
    assert "There is a problem" in resp.content.decode()
    assert case.contacts.count() == before


def test_the_service_picker_lists_active_services_and_keeps_a_refused_choice(
    client, worker, service, organization
):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    closed = ServiceFactory(organization=organization, name="Closed <lunch> club")
    closed.status = Service.Status.INACTIVE
    closed.save()
    odd = ServiceFactory(organization=organization, name="Tea & <talk>")
    client.force_login(worker)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert '<option value="" selected>Choose a service</option>' in page
    assert f'<option value="{service.pk}">Tuesday health walk</option>' in page
    assert f'<option value="{odd.pk}">Tea &amp; &lt;talk&gt;</option>' in page
    assert str(closed.pk) not in page

    # Refused (the note is too long): the page comes back with the service still chosen.
    resp = client.post(
        f"/cases/{case.pk}/connections/",
        {"propose-service": str(odd.pk), "propose-note_to_partner": "x" * 2001},
    )
    assert resp.status_code == 400
    assert f'<option value="{odd.pk}" selected>Tea &amp; &lt;talk&gt;</option>' in (
        resp.content.decode()
    )

    resp = client.post(f"/cases/{case.pk}/connections/", {"propose-service": str(service.pk)})
    assert resp.status_code == 302
    assert case.connections.get().service == service
