"""Each role's home page (web.home): what it shows, and its query count, pinned exactly."""

import pytest

from audit.actions import record_event
from audit.models import Event
from casework.tests.factories import busy_caseload
from people.models import Person


@pytest.fixture
def busy_worker(worker, service):
    return busy_caseload(worker, service)


def test_link_worker_home_query_count_is_pinned(client, busy_worker, django_assert_num_queries):
    client.force_login(busy_worker)
    # 2 for the session and user; 7 for concerns, follow-ups, reviews, new cases, waiting
    # connections and the triage count; 3 for the measures due.
    with django_assert_num_queries(12):
        resp = client.get("/")
    body = resp.content.decode()
    assert "Overdue" in body and "Waiting for an organisation to reply" in body


def test_supervisor_home_query_count_is_pinned(
    client, busy_worker, supervisor, django_assert_num_queries
):
    client.force_login(supervisor)
    with django_assert_num_queries(14):
        resp = client.get("/")
    assert "Caseloads" in resp.content.decode()


def test_partner_home_query_count_is_pinned(
    client, busy_worker, partner, django_assert_num_queries
):
    client.force_login(partner)
    with django_assert_num_queries(5):
        resp = client.get("/")
    assert resp.content.decode().count("/cases/partner/") >= 6


def test_commissioner_home_query_count_is_pinned(
    client, busy_worker, commissioner, django_assert_num_queries
):
    client.force_login(commissioner)
    with django_assert_num_queries(8):
        resp = client.get("/")
    assert "Service overview" in resp.content.decode()


def test_admin_home_query_count_is_pinned(
    client, busy_worker, admin_user, django_assert_num_queries
):
    record_event(busy_worker, Event.Verb.VIEW, Person.objects.first())
    client.force_login(admin_user)
    with django_assert_num_queries(9):
        resp = client.get("/")
    body = resp.content.decode()
    assert "Latest audit events" in body and "people.Person" in body


def test_commissioner_sees_suppressed_counts_and_no_names(client, busy_worker, commissioner):
    client.force_login(commissioner)
    body = client.get("/").content.decode()
    assert "&lt;5" in body or "<5" in body
    # Full names and NHS numbers: a bare surname could be a staff member's own (the
    # commissioner's name is in the page header), which is not a leak.
    for person in Person.objects.all():
        assert f"{person.given_name} {person.family_name}" not in body
        assert not person.nhs_number or person.nhs_number not in body
