"""The audit log is append-only in the database itself: raw SQL cannot change it."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.actions import record_event
from audit.append_only import enforced
from audit.models import Event


def _refused(sql, params=()):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_raw_sql_cannot_update_an_event(worker):
    event = record_event(worker, "view", worker)
    _refused("UPDATE audit_event SET verb = 'change' WHERE id = %s", [event.pk])
    _refused("UPDATE audit_event SET actor_label = 'someone else'")
    assert Event.objects.get(pk=event.pk).verb == "view"


def test_raw_sql_cannot_delete_an_event(worker):
    event = record_event(worker, "view", worker)
    with enforced(connection):
        _refused("DELETE FROM audit_event WHERE id = %s", [event.pk])
        _refused("DELETE FROM audit_event")
    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_raw_sql_cannot_truncate_the_log_on_postgresql(worker):
    record_event(worker, "view", worker)
    with connection.cursor() as cursor:
        # Check the foreign keys now: PostgreSQL will not TRUNCATE a table with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with enforced(connection):
        _refused("TRUNCATE audit_event")
        _refused("TRUNCATE accounts_user CASCADE")
    assert Event.objects.count() == 1


def test_new_events_are_still_written(worker):
    record_event(worker, "view", worker)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_event")
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db(transaction=True)
def test_the_test_suites_flush_can_still_empty_the_log(django_user_model):
    # A transactional test: pytest-django empties every table after it (TRUNCATE on
    # PostgreSQL, DELETE on SQLite), which must keep working for the browser journeys.
    user = django_user_model.objects.create(username="flushed")
    record_event(user, "view", user)
    assert Event.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_log_was_emptied_by_the_previous_flush():
    assert Event.objects.count() == 0
