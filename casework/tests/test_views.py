"""Case work pages through HTTP: query counts pinned on lists (the home pages are web's)."""

import pytest

from casework.tests.factories import busy_caseload


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
