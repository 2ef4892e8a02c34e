"""Backups: `manage.py backup PATH` and `manage.py restore PATH` (docs/operations.md).

SQLite: the online backup API (sqlite3.Connection.backup), safe while the site runs.
PostgreSQL: pg_dump's custom format (-Fc) and pg_restore, found on PATH. The dump is taken
from an exported snapshot, and the row counts and the audit log's checksum in the manifest
(PATH.manifest.json) are read in that same snapshot, so they describe exactly what the file
holds; `restore` checks the restored database against them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 (pg_dump and pg_restore, with fixed arguments)
import tempfile
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connection

AUDIT_COLUMNS = (
    "id, at, actor_id, actor_label, verb, record_type, record_id, person_id, area_id, "
    "detail, request_id, ip"
)


class BackupError(Exception):
    pass


def database_settings(url: str | None = None) -> dict:
    """The settings of the database to back up or restore: DATABASE_URL, or `url`."""
    return dj_database_url.parse(url) if url else dict(settings.DATABASES["default"])


def vendor(db: dict) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def _tables() -> list[str]:
    names = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            names.add(model._meta.db_table)
    return sorted(names)


def summary(cursor) -> dict:
    """Row counts of every table socialrx's models use, and a SHA-256 of the audit log,
    read through a DB-API cursor (so in the caller's transaction or snapshot)."""
    counts = {}
    for table in _tables():
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (model table names)
        counts[table] = cursor.fetchone()[0]
    digest = hashlib.sha256()
    cursor.execute(f"SELECT {AUDIT_COLUMNS} FROM audit_event ORDER BY id")  # noqa: S608
    for row in cursor.fetchall():
        digest.update(json.dumps([_canonical(v) for v in row], default=str).encode())
        digest.update(b"\n")
    return {"tables": counts, "audit_sha256": digest.hexdigest()}


def _canonical(value):
    # The same event reads back as a dict (PostgreSQL jsonb) or text (SQLite): compare
    # meaning, not spelling.
    if isinstance(value, str) and value[:1] in "{[":
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value) if value is not None else None


# --- SQLite --------------------------------------------------------------------------------


def _sqlite_path(db: dict) -> str:
    return str(db["NAME"])


@contextmanager
def _sqlite(db: dict):
    default = settings.DATABASES["default"]
    if connection.vendor == "sqlite" and str(default["NAME"]) == _sqlite_path(db):
        # The configured database (in tests, an in-memory one only this connection reaches).
        # Inside a transaction the backup would wait forever for its own write lock.
        if connection.in_atomic_block:
            raise BackupError("Back up or restore outside a transaction.")
        connection.ensure_connection()
        yield connection.connection
    else:
        conn = sqlite3.connect(_sqlite_path(db), uri=_sqlite_path(db).startswith("file:"))
        try:
            yield conn
        finally:
            conn.close()


def _backup_sqlite(db: dict, path: Path) -> dict:
    with _sqlite(db) as source:
        target = sqlite3.connect(path)
        try:
            source.backup(target)
            return summary(target.cursor())
        finally:
            target.close()


def _restore_sqlite(db: dict, path: Path) -> dict:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        with _sqlite(db) as target:
            source.backup(target)
            return summary(target.cursor())
    finally:
        source.close()


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_program(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} was not found on PATH (apt-get install postgresql-client).")
    return found


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_connect(db: dict):
    return psycopg.connect(
        dbname=db["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
    )


def _run(args: list[str], db: dict) -> None:
    done = subprocess.run(args, env=_pg_env(db), capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _backup_pg(db: dict, path: Path) -> dict:
    with _pg_connect(db) as conn, conn.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(
            [_pg_program("pg_dump"), "-Fc", f"--snapshot={snapshot}", "-f", str(path),
             db["NAME"]],
            db,
        )  # fmt: skip
        result = summary(cursor)
        conn.rollback()
    return result


def _restore_pg(db: dict, path: Path) -> dict:
    _run(
        [_pg_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--exit-on-error", "-d", db["NAME"], str(path)],
        db,
    )  # fmt: skip
    with _pg_connect(db) as conn, conn.cursor() as cursor:
        return summary(cursor)


# --- The two commands' work -------------------------------------------------------------------


def backup(path: Path, *, url: str | None = None) -> dict:
    """Write a backup of the database to `path` and its manifest beside it; returns the
    manifest (vendor, row counts, audit checksum). Writes to a temporary file first, so a
    failed backup never leaves a half-written one under the name."""
    db = database_settings(url)
    kind = vendor(db)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        if kind == "sqlite":
            tmp_path.unlink()  # sqlite3 creates it
        result = (_backup_sqlite if kind == "sqlite" else _backup_pg)(db, tmp_path)
        tmp_path.replace(path)
    finally:
        tmp_path.unlink(missing_ok=True)
    manifest = {"vendor": kind, **result}
    manifest_path(path).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def restore(path: Path, *, url: str | None = None) -> tuple[dict, list[str]]:
    """Replace the database's contents with the backup at `path`; returns the restored
    database's summary and how it differs from the manifest (empty when none is found or
    it matches)."""
    db = database_settings(url)
    kind = vendor(db)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    manifest_file = manifest_path(path)
    manifest = json.loads(manifest_file.read_text()) if manifest_file.is_file() else None
    if manifest and manifest.get("vendor") != kind:
        raise BackupError(f"This is a {manifest.get('vendor')} backup; the database is {kind}.")
    result = (_restore_sqlite if kind == "sqlite" else _restore_pg)(db, path)
    return result, differences(manifest, result) if manifest else []


def differences(expected: dict, got: dict) -> list[str]:
    out = []
    for table, count in expected["tables"].items():
        if got["tables"].get(table) != count:
            out.append(f"{table}: {got['tables'].get(table)} rows, the backup had {count}")
    if expected["audit_sha256"] != got["audit_sha256"]:
        out.append("the audit log's checksum differs from the backup's")
    return out
