"""Backups round-trip: restored counts and the audit log's checksum equal the original's."""

import json
import sqlite3

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.actions import record_access
from records.backup import manifest_path, summary

SQLITE = connection.vendor == "sqlite"
POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def world(full_case, worker, supervisor):
    record_access(worker, full_case)
    record_access(supervisor, full_case.person)
    with connection.cursor() as cursor:
        return summary(cursor)


def _sqlite_summary(path):
    conn = sqlite3.connect(path)
    try:
        return summary(conn.cursor())
    finally:
        conn.close()


@pytest.mark.skipif(not SQLITE, reason="SQLite's online backup API")
@pytest.mark.django_db(transaction=True)
def test_a_sqlite_backup_restores_every_row_and_the_same_audit_log(world, tmp_path):
    backup = tmp_path / "socialrx.sqlite3"
    call_command("backup", str(backup))
    manifest = json.loads(manifest_path(backup).read_text())
    assert manifest["tables"] == world["tables"]
    assert manifest["audit_sha256"] == world["audit_sha256"]
    assert manifest["tables"]["casework_case"] == 1

    target = tmp_path / "restored.sqlite3"
    call_command("restore", str(backup), "--database-url", f"sqlite:///{target}", "--yes")
    assert _sqlite_summary(target) == world


@pytest.mark.skipif(not SQLITE, reason="SQLite's online backup API")
@pytest.mark.django_db(transaction=True)
def test_a_restore_replaces_what_the_database_held_since(world, tmp_path):
    backup, target = tmp_path / "b.sqlite3", tmp_path / "restored.sqlite3"
    call_command("backup", str(backup))
    url = f"sqlite:///{target}"
    call_command("restore", str(backup), "--database-url", url, "--yes")
    conn = sqlite3.connect(target)
    conn.execute("INSERT INTO accounts_area (code, name) VALUES ('late', 'Late')")
    conn.commit()
    conn.close()
    call_command("restore", str(backup), "--database-url", url, "--yes")
    assert _sqlite_summary(target) == world


@pytest.mark.skipif(not SQLITE, reason="SQLite's online backup API")
@pytest.mark.django_db(transaction=True)
def test_a_restore_that_does_not_match_the_manifest_is_reported(world, tmp_path):
    backup = tmp_path / "b.sqlite3"
    call_command("backup", str(backup))
    manifest = json.loads(manifest_path(backup).read_text())
    manifest["audit_sha256"] = "0" * 64
    manifest_path(backup).write_text(json.dumps(manifest))
    target = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    with pytest.raises(CommandError, match="checksum differs"):
        call_command("restore", str(backup), "--database-url", target, "--yes")


def test_restore_asks_for_confirmation(db, tmp_path):
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "none"))


def test_restore_of_a_missing_file_says_so(db, tmp_path):
    with pytest.raises(CommandError, match="No backup at"):
        call_command("restore", str(tmp_path / "none"), "--yes")


@pytest.mark.django_db(transaction=True)
def test_the_backup_is_audited(world, tmp_path):
    from audit.models import Event

    call_command("backup", str(tmp_path / "b.backup"))
    event = Event.objects.get(record_type="records.backup")
    assert event.actor_label == "manage.py backup"


@pytest.fixture
def scratch_pg_database():
    """An empty database of this test run's own (named after the test database), dropped
    afterwards: never another run's."""
    db = connection.settings_dict
    name = f"{db['NAME']}_restore"
    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "localhost"
    port = db.get("PORT") or 5432
    yield f"postgres://{user}{password}@{host}:{port}/{name}", {"dbname": name, **params}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.skipif(not POSTGRES, reason="pg_dump and pg_restore")
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restores_every_row_and_the_same_audit_log(
    world, tmp_path, scratch_pg_database
):
    url, params = scratch_pg_database
    backup = tmp_path / "socialrx.dump"
    call_command("backup", str(backup))
    manifest = json.loads(manifest_path(backup).read_text())
    assert manifest["vendor"] == "postgresql"
    assert manifest["tables"] == world["tables"]
    assert manifest["audit_sha256"] == world["audit_sha256"]

    call_command("restore", str(backup), "--database-url", url, "--yes")
    with psycopg.connect(**params) as conn, conn.cursor() as cursor:
        assert summary(cursor) == world
        cursor.execute("INSERT INTO accounts_area (code, name) VALUES ('late', 'Late')")
        conn.commit()
    # A second restore over a database that changed since replaces what it holds.
    call_command("restore", str(backup), "--database-url", url, "--yes")
    with psycopg.connect(**params) as conn, conn.cursor() as cursor:
        assert summary(cursor) == world
        # The restored audit log is append-only too.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute("UPDATE audit_event SET verb = 'change'")
