"""`make serve` for real: scripts/serve_production.sh started with only DATABASE_URL,
SECRET_KEY and ALLOWED_HOSTS (plus PORT, and what a test needs: a temporary static folder,
two workers to spare the CPU, this interpreter), on a free loopback port against a
temporary SQLite database. It must answer /healthz, send the security headers behind a
TLS-terminating proxy, serve static files, log JSON lines to stdout, run the task worker
beside gunicorn, and stop both on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from matching import embedding, embedding_mpnet
from tests.serving import (
    ROOT,
    SCRIPT,
    end,
    free_port,
    get,
    group_commands,
    group_processes,
    minimal_env,
    start,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    started = start(tmp_path_factory.mktemp("serve"))
    yield started
    end(started)


def test_healthz_answers_over_plain_http_for_the_load_balancer(server):
    answer = get(f"{server['base']}/healthz")
    assert answer.status == 200
    assert json.loads(answer.body) == {"status": "ok"}
    assert answer.headers["Server"].startswith("gunicorn")


def test_pages_behind_the_tls_proxy_carry_csp_hsts_nosniff_and_referrer_policy(server):
    answer = get(f"{server['base']}/login/", **{"X-Forwarded-Proto": "https"})
    assert answer.status == 200
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp and "unsafe" not in csp
    hsts = answer.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in answer.headers["Permissions-Policy"]
    cookie = answer.headers["Set-Cookie"]
    assert "csrftoken=" in cookie and "Secure" in cookie


def test_plain_http_pages_are_redirected_to_https(server):
    answer = get(f"{server['base']}/login/")
    assert answer.status == 301
    assert answer.headers["Location"] == f"https://{server['base'].split('//')[1]}/login/"


def test_static_files_are_served_by_whitenoise_under_hashed_names(server):
    page = get(f"{server['base']}/login/", **{"X-Forwarded-Proto": "https"}).body.decode()
    href = page.split('rel="stylesheet" href="', 2)[2].split('"', 1)[0]
    assert href.startswith("/static/css/socialrx.") and href.endswith(".css")
    css = get(f"{server['base']}{href}", **{"X-Forwarded-Proto": "https"})
    assert css.status == 200 and b".srx-" in css.body
    assert "immutable" in css.headers["Cache-Control"]


def test_debug_is_off_so_errors_show_no_details(server):
    answer = get(f"{server['base']}/no-such-page/", **{"X-Forwarded-Proto": "https"})
    assert answer.status == 404
    assert b"Page not found" in answer.body and b"URLconf" not in answer.body


def test_the_task_worker_runs_beside_gunicorn(server):
    commands = group_commands(server["process"].pid)
    assert any("gunicorn socialrx.wsgi" in c for c in commands)
    assert any("manage.py db_worker" in c for c in commands)
    gunicorn_workers = [c for c in commands if "gunicorn" in c]
    assert len(gunicorn_workers) == 3  # the master and WEB_CONCURRENCY=2 workers


def test_stdout_holds_json_log_lines_with_request_ids(server):
    answer = get(f"{server['base']}/healthz", **{"X-Request-ID": "probe-1234"})
    assert answer.headers["X-Request-ID"] == "probe-1234"
    time.sleep(1)
    lines = (server["tmp"] / "stdout.log").read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is JSON
    access = [r for r in records if r["logger"] == "gunicorn.access"]
    probe = [r for r in access if r.get("request_id") == "probe-1234"]
    assert probe and probe[0]["path"] == "/healthz" and probe[0]["status"] == 200
    assert {"time", "level", "message"} <= set(probe[0])


def test_the_matching_model_is_loaded_once_in_the_master_and_shared_by_the_workers(server):
    # gunicorn preloads the app and the model, then forks (gunicorn.conf.py, ADR 0023): the
    # workers' pages of the weights stay shared with the master instead of being one copy
    # each (about 640 MiB with both models).
    records = [json.loads(line) for line in (server["tmp"] / "stdout.log").read_text().splitlines()]
    loaded = [r["message"] for r in records if r["message"].startswith("matching model loaded")]
    assert len(loaded) == 1
    assert "all-MiniLM-L6-v2" in loaded[0]
    weights = [embedding.model_dir() / "model.safetensors"]
    if settings.MATCHING_MODEL == embedding.BOTH:
        assert "all-mpnet-base-v2" in loaded[0]
        weights.append(embedding_mpnet.model_dir() / "model.safetensors")
    size_kib = sum(w.stat().st_size for w in weights) / 1024
    gunicorn = {pid for pid, c in group_processes(server["process"].pid) if "gunicorn" in c}
    workers = [pid for pid in gunicorn if _parent(pid) in gunicorn]
    assert len(workers) == 2
    for pid in workers:
        shared = _smaps_kib(pid, "Shared_Dirty") + _smaps_kib(pid, "Shared_Clean")
        assert shared > 0.9 * size_kib, (pid, shared, size_kib)


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _smaps_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/smaps_rollup")


def test_sigterm_stops_gunicorn_and_the_worker(server):
    process = server["process"]
    os.kill(process.pid, signal.SIGTERM)
    assert process.wait(timeout=60) == 0  # a requested stop is a clean exit
    deadline = time.monotonic() + 30
    while group_commands(process.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert group_commands(process.pid) == []


def test_when_the_task_worker_dies_it_is_started_again_and_pages_keep_coming(tmp_path):
    # A PostgreSQL restart stops the task worker (it loses its connection); the web server
    # must not go down with it, and the worker must come back by itself.
    server = start(tmp_path)
    try:
        process = server["process"]

        def workers() -> list[int]:
            return [
                pid
                for pid, command in group_processes(process.pid)
                if "manage.py db_worker" in command
            ]

        first = workers()
        assert len(first) == 1
        os.kill(first[0], signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (workers() in ([], first)):
            time.sleep(0.5)
        again = workers()
        assert len(again) == 1 and again != first
        assert process.poll() is None
        assert get(f"{server['base']}/healthz").status == 200
    finally:
        end(server)


def test_it_refuses_to_start_without_a_secret_key(tmp_path):
    env = minimal_env(tmp_path, PORT=str(free_port()))
    del env["SECRET_KEY"]
    done = subprocess.run(  # noqa: S603 (our own script)
        [str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "SECRET_KEY is not set" in done.stderr
    assert not (tmp_path / "db.sqlite3").exists()  # stopped before migrating anything


def test_production_settings_with_only_the_four_variables(tmp_path):
    env = minimal_env(
        tmp_path, DATABASE_URL="postgres://socialrx:pw@db.example:5432/socialrx", PORT="8000"
    )
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'hasher': s.PASSWORD_HASHERS[0], 'ssl': s.SECURE_SSL_REDIRECT, "
        "'proxy': s.SECURE_PROXY_SSL_HEADER, 'hsts': s.SECURE_HSTS_SECONDS, "
        "'cookies': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE], "
        "'health': s.DATABASES['default']['CONN_HEALTH_CHECKS'], "
        "'age': s.DATABASES['default']['CONN_MAX_AGE'], 'sms': s.SMS_BACKEND, "
        "'log': s.LOGGING['handlers']['console']['formatter']}))"
    )
    done = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got == {
        "debug": False,
        "hasher": "django.contrib.auth.hashers.Argon2PasswordHasher",
        "ssl": True,
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
        "hsts": 31536000,
        "cookies": [True, True],
        "health": True,
        "age": 60,
        "sms": "outcomes.sms.DisabledSMSBackend",
        "log": "json",
    }
