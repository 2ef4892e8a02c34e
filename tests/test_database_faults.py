"""PostgreSQL goes away under `make serve`: requests in flight fail cleanly with the error
page, and the app recovers by itself when the database is back (CONN_HEALTH_CHECKS checks
a reused connection before the first query of a request and replaces it if it is dead).

The outage is made on a scratch database of the shared cluster (its connections are
terminated and new ones refused), so nothing else on the cluster notices. The full
restart of the cluster under load is `make loadtest FAULT=pg-restart` (a benchmark)."""

from __future__ import annotations

import secrets

import psycopg
import pytest
from django.db import connection

from tests.serving import end, get, start

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a PostgreSQL fault (the CI's second pass)",
)
HTTPS = {"X-Forwarded-Proto": "https"}


def _admin_dsn() -> str:
    s = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        host=s["HOST"] or "",
        port=str(s["PORT"] or ""),
        user=s["USER"],
        password=s["PASSWORD"],
        dbname="postgres",
    )


@pytest.fixture
def scratch_database():
    name = f"socialrx_fault_{secrets.token_hex(4)}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _outage(name: str, *, down: bool) -> None:
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(not down).lower()}')
        if down:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )


def test_a_database_outage_fails_cleanly_and_the_app_recovers_by_itself(tmp_path, scratch_database):
    # One worker with one thread: every request reuses the same persistent connection.
    server = start(
        tmp_path,
        DATABASE_URL=_url(scratch_database),
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="1",
        DATABASE_CONN_MAX_AGE="600",
    )
    try:
        base = server["base"]
        assert get(f"{base}/healthz").status == 200  # opens the persistent connection
        assert get(f"{base}/directory/find/?q=walk", **HTTPS).status == 200

        _outage(scratch_database, down=True)
        during = get(f"{base}/directory/find/?q=walk", **HTTPS)
        assert during.status in (500, 503)
        body = during.body.decode()
        assert "Traceback" not in body and "psycopg" not in body  # the error page, no details
        assert "<html" in body.lower()
        assert get(f"{base}/healthz").status in (500, 503)

        _outage(scratch_database, down=False)
        # Back without a restart of the app: the dead connection is noticed and replaced.
        assert get(f"{base}/healthz").status == 200
        assert get(f"{base}/directory/find/?q=walk", **HTTPS).status == 200
        assert server["process"].poll() is None  # gunicorn kept running throughout
    finally:
        end(server)
