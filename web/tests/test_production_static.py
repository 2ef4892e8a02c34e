"""Production mode: collectstatic succeeds and the main pages answer with hashed static URLs.

`collectstatic` runs in a child process with the production environment (DEBUG off, not
testing), so it uses the storage production uses (WhiteNoise's compressed manifest
storage, which fails on a reference to a missing file). The pages are then rendered here
with DEBUG off, that storage and the collected files, as a production server would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings

HASHED_CSS = re.compile(r'/static/vendor/nhsuk-frontend/nhsuk-frontend\.min\.[0-9a-f]{12}\.css"')
COLLECT = (
    "import json, django; django.setup();"
    "from django.conf import settings; from django.core.management import call_command;"
    "call_command('collectstatic', interactive=False, verbosity=0);"
    "print(json.dumps(settings.STORAGES))"
)


@pytest.fixture(scope="module")
def production_static(tmp_path_factory):
    root = tmp_path_factory.mktemp("staticfiles")
    env = {k: v for k, v in os.environ.items() if k not in {"SOCIALRX_TESTING", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="socialrx.settings",
        DEBUG="0",
        SECRET_KEY="production-static-test-key-not-secret",
        STATIC_ROOT=str(root),
    )
    done = subprocess.run(  # noqa: S603 (our own interpreter and a fixed script)
        [sys.executable, "-c", COLLECT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"collectstatic failed in production mode:\n{done.stderr}"
    storages = json.loads(done.stdout.strip().splitlines()[-1])
    assert "Manifest" in storages["staticfiles"]["BACKEND"]
    with override_settings(
        DEBUG=False, STATIC_ROOT=root, STORAGES=storages, WHITENOISE_AUTOREFRESH=False
    ):
        yield root


@pytest.fixture
def prod_client(production_static):
    # A fresh client, so WhiteNoise starts with the production settings and the new root.
    return Client(raise_request_exception=False)


def _assert_renders(client, url):
    resp = client.get(url)
    body = resp.content.decode()
    assert resp.status_code == 200, (url, resp.status_code, body[:300])
    return body


def test_collectstatic_writes_hashed_files_and_a_manifest(production_static):
    assert (production_static / "staticfiles.json").exists()
    assert list((production_static / "vendor" / "nhsuk-frontend").glob("nhsuk-frontend.min.*.css"))


def test_public_pages_render_with_hashed_static_urls(prod_client, team):
    for url in ("/login/", "/referrals/self/", "/directory/find/"):
        body = _assert_renders(prod_client, url)
        assert HASHED_CSS.search(body), url


def test_the_hashed_stylesheet_is_served(prod_client, db):
    body = _assert_renders(prod_client, "/login/")
    css_url = HASHED_CSS.search(body).group(0).rstrip('"')
    resp = prod_client.get(css_url)
    assert resp.status_code == 200
    assert b"nhsuk" in b"".join(resp.streaming_content)


@pytest.mark.parametrize(
    "persona", ["worker", "supervisor", "referrer", "partner", "commissioner", "admin_user"]
)
def test_each_roles_home_page_renders(prod_client, request, persona):
    prod_client.force_login(request.getfixturevalue(persona))
    body = _assert_renders(prod_client, "/")
    assert HASHED_CSS.search(body)


def test_directory_search_renders(prod_client, worker, service):
    prod_client.force_login(worker)
    body = _assert_renders(prod_client, "/directory/?q=walk")
    assert HASHED_CSS.search(body)


def test_api_docs_render_with_hashed_static_urls(prod_client, db):
    body = _assert_renders(prod_client, "/api/docs")
    assert re.search(r"/static/ninja/[\w./-]+\.[0-9a-f]{12}\.(css|js)", body)


def test_admin_pages_render(prod_client, db):
    # The admin signs in through the site's own login page (with its second step).
    assert prod_client.get("/admin/login/")["Location"].startswith("/login/")
    from accounts.tests.factories import UserFactory

    prod_client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    body = _assert_renders(prod_client, "/admin/")
    assert re.search(r"/static/admin/css/base\.[0-9a-f]{12}\.css", body)
