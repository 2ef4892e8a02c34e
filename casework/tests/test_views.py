"""Case work pages through HTTP: query counts pinned on lists and home pages."""

import datetime as dt

import pytest
from django.utils import timezone

from casework.tests.factories import CaseFactory, ConnectionFactory, ContactFactory


@pytest.fixture
def busy_worker(worker, service):
    today = timezone.localdate()
    for i in range(6):
        case = CaseFactory(
            link_worker=worker,
            referral__person__team=worker.team,
            review_date=today + dt.timedelta(days=i),
        )
        ContactFactory(
            case=case,
            follow_up_due=today - dt.timedelta(days=i),
            happened_on=today - dt.timedelta(days=10),
        )
        ConnectionFactory(
            case=case,
            service=service,
            status="sent",
            sent_at=timezone.now() - dt.timedelta(days=10),
        )
    return worker


def test_caseload_query_count_does_not_grow_with_cases(
    client, busy_worker, django_assert_max_num_queries
):
    client.force_login(busy_worker)
    with django_assert_max_num_queries(6):
        resp = client.get("/cases/")
    assert resp.content.decode().count('href="/cases/') >= 6


def test_link_worker_home_query_count_is_pinned(client, busy_worker, django_assert_max_num_queries):
    client.force_login(busy_worker)
    # 10 for follow-ups, reviews, new cases and waiting connections; 3 for measures due.
    with django_assert_max_num_queries(13):
        resp = client.get("/")
    body = resp.content.decode()
    assert "Overdue" in body and "Waiting for an organisation to reply" in body


def test_supervisor_home_query_count_is_pinned(
    client, busy_worker, supervisor, django_assert_max_num_queries
):
    client.force_login(supervisor)
    with django_assert_max_num_queries(17):
        resp = client.get("/")
    assert "Caseloads" in resp.content.decode()


def test_partner_queue_query_count_is_pinned(
    client, busy_worker, partner, django_assert_max_num_queries
):
    client.force_login(partner)
    with django_assert_max_num_queries(6):
        resp = client.get("/cases/partner/")
    assert resp.content.decode().count("/cases/partner/") >= 6


def test_commissioner_sees_suppressed_counts_and_no_names(client, busy_worker, commissioner):
    client.force_login(commissioner)
    body = client.get("/").content.decode()
    assert "&lt;5" in body or "<5" in body
    from people.models import Person

    # Full names and NHS numbers: a bare surname could be a staff member's own (the
    # commissioner's name is in the page header), which is not a leak.
    for person in Person.objects.all():
        assert f"{person.given_name} {person.family_name}" not in body
        assert not person.nhs_number or person.nhs_number not in body


def test_the_case_page_query_count_is_pinned(client, busy_worker, django_assert_max_num_queries):
    case = busy_worker.cases.first()
    client.force_login(busy_worker)
    with django_assert_max_num_queries(16):
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
