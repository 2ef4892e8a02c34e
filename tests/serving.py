"""Start `make serve` (scripts/serve_production.sh) for real in a test: on a free loopback
port, with only the production variables, in its own process group so the teardown ends
all of it. Used by tests/test_production_server.py and tests/test_database_faults.py."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SCRIPT = ROOT / "scripts" / "serve_production.sh"
START_SECONDS = 240  # check --deploy, migrate and collectstatic on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


MODEL_VARIABLES = ("SOCIALRX_MATCHING_MODEL", "SOCIALRX_MODEL_CACHE")


def minimal_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # What the test needs: this interpreter, a temporary STATIC_ROOT, two workers.
        "PYTHON": sys.executable,
        "STATIC_ROOT": str(tmp / "static"),
        "WEB_CONCURRENCY": "2",
    }
    # The server runs the matching model the suite runs (ADR 0023), from the same cache.
    env.update({k: os.environ[k] for k in MODEL_VARIABLES if k in os.environ})
    env.update(extra)
    return env


class _Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, **headers: str) -> _Response:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http on loopback)
    try:
        with opener.open(request, timeout=30) as r:
            return _Response(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return _Response(e.code, e.headers, e.read())


def start(tmp: Path, **extra_env: str):
    port = free_port()
    stdout, stderr = open(tmp / "stdout.log", "wb"), open(tmp / "stderr.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603 (our own script)
        [str(SCRIPT)],
        cwd=ROOT,
        env=minimal_env(tmp, PORT=str(port), **extra_env),
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,  # its own process group: the teardown ends all of it
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            pytest.fail(f"serve_production.sh exited:\n{(tmp / 'stderr.log').read_text()[-3000:]}")
        try:
            if get(f"{base}/healthz").status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"no answer in {START_SECONDS}s:\n{(tmp / 'stderr.log').read_text()}")
        time.sleep(0.5)
    return {"base": base, "process": process, "tmp": tmp, "logs": (stdout, stderr)}


def end(server):
    process = server["process"]
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    for log in server["logs"]:
        log.close()


def group_processes(pgid: int) -> list[tuple[int, str]]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append((int(stat.parent.name), command))
        except (OSError, IndexError, ValueError):
            continue
    return found


def group_commands(pgid: int) -> list[str]:
    return [command for _, command in group_processes(pgid)]
