"""The audit log page (web.audit_log, audit:events): admins only, filters, and a query
count pinned exactly whatever the number of events."""

import pytest

from audit.actions import record_event
from audit.models import Event
from people.tests.factories import PersonFactory

URL = "/audit/"


@pytest.fixture
def events(worker):
    people = PersonFactory.create_batch(30, team=worker.team)
    for person in people:
        record_event(worker, Event.Verb.VIEW, person)
    return people


def test_the_audit_log_query_count_is_pinned(client, admin_user, events, django_assert_num_queries):
    client.force_login(admin_user)
    with django_assert_num_queries(4):
        resp = client.get(URL)
    assert resp.content.decode().count("people.Person") >= 30


def test_a_filtered_audit_log_query_count_is_pinned(
    client, admin_user, worker, events, django_assert_num_queries
):
    client.force_login(admin_user)
    with django_assert_num_queries(4):
        resp = client.get(URL, {"actor": worker.username, "verb": Event.Verb.VIEW})
    assert resp.status_code == 200


def test_a_link_worker_may_not_read_the_audit_log(client, worker):
    client.force_login(worker)
    assert client.get(URL).status_code == 403
