"""Every page carries a strict Content-Security-Policy and the other security headers, and
nothing on our pages needs the CSP loosened: no inline script, inline style or event
handler attribute in any template, and htmx told not to inject its own <style>."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

ROOT = Path(settings.BASE_DIR)
PUBLIC_PAGES = ["/login/", "/healthz", "/referrals/self/", "/directory/find/", "/no-such-page/"]
WORKER_PAGES = ["/", "/cases/", "/directory/", "/outcomes/due/"]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def _assert_strict(response):
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_carry_the_security_headers(client, db, path):
    _assert_strict(client.get(path))


@pytest.mark.parametrize("path", WORKER_PAGES)
def test_signed_in_pages_carry_the_security_headers(client, worker, path):
    client.force_login(worker)
    response = client.get(path)
    assert response.status_code == 200
    _assert_strict(response)


def test_the_api_carries_them_too(client, db):
    _assert_strict(client.get("/api/v1/referrals"))


def test_static_files_from_whitenoise_carry_the_policy_and_nosniff(db):
    # WhiteNoise answers before the later middleware (X-Frame-Options does not matter for
    # a stylesheet); a fresh client builds its middleware with these settings.
    with override_settings(WHITENOISE_USE_FINDERS=True):
        answer = Client().get("/static/css/socialrx.css")
    assert answer.status_code == 200
    assert _policy(answer)["default-src"] == ["'self'"]
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Referrer-Policy"] == "same-origin"


def _templates() -> list[Path]:
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return [p for folder in folders for p in folder.rglob("*.html")]


INLINE = {
    "a <script> without src": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "a <style> element": re.compile(r"<style\b", re.I),
    "a style= attribute": re.compile(r"\sstyle\s*=", re.I),
    "an on...= event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
    "an hx-on attribute (needs eval)": re.compile(r"\shx-on", re.I),
}


def test_no_template_holds_anything_the_policy_would_block():
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in _templates()
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text())
    ]
    assert len(_templates()) > 20
    assert not found, "The Content-Security-Policy blocks these:\n" + "\n".join(found)


def test_the_inline_check_catches_what_it_looks_for():
    samples = {
        "a <script> without src": '<script>alert(1)</script><script src="/x.js"></script>',
        "a <style> element": "<style>p{}</style>",
        "a style= attribute": '<p style="color: red">',
        "an on...= event handler": '<button onclick="go()">',
        "a javascript: URL": '<a href="javascript:go()">',
        "an hx-on attribute (needs eval)": '<form hx-on::after-request="x()">',
    }
    for what, sample in samples.items():
        assert INLINE[what].search(sample), what
    assert not INLINE["a <script> without src"].search('<script src="/x.js" defer></script>')


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(client, db):
    page = client.get("/login/").content.decode()
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page
    css = (ROOT / "static/css/socialrx.css").read_text()
    assert ".htmx-indicator" in css  # the rules htmx would have injected


def test_database_connections_are_health_checked_before_reuse():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
