"""`PORT` moves the demo: the printed addresses and links made outside a request follow it.

Settings are read once per process, so each case starts a fresh interpreter with the
environment a person would have typed (`PORT=8123 make run`).
"""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

PRINT_SITE_URL = (
    "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
)


def _run(args: list[str], **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in {"PORT", "SITE_URL"}}
    environ.update(DJANGO_SETTINGS_MODULE="socialrx.settings", DEBUG="1", **env)
    done = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_demo_logins_print_the_port_the_demo_is_served_on():
    out = _run(["manage.py", "demo_logins"], PORT="8123")
    assert "http://127.0.0.1:8123/referrals/self/" in out
    assert "http://127.0.0.1:8123/api/docs" in out
    assert ":8000" not in out


def test_links_made_outside_a_request_use_the_port():
    assert _run(["-c", PRINT_SITE_URL], PORT="8123").strip() == "http://127.0.0.1:8123"


def test_without_a_port_the_demo_stays_on_8000():
    assert _run(["-c", PRINT_SITE_URL]).strip() == "http://127.0.0.1:8000"


def test_an_explicit_site_url_wins_over_the_port():
    url = _run(["-c", PRINT_SITE_URL], PORT="8123", SITE_URL="https://srx.example.org")
    assert url.strip() == "https://srx.example.org"
