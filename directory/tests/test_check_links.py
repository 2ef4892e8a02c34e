"""check_links against a web server on 127.0.0.1 started by the test: never the internet."""

import http.server
import io
import json
import socket
import threading

import pytest
from django.core.management import call_command

from directory.links import check_email, check_url
from directory.tests.factories import OrganizationFactory, ServiceFactory


class _Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self):
        if self.path == "/ok":
            self.send_response(200)
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
        elif self.path == "/no-head" and self.command == "HEAD":
            self.send_response(405)
        elif self.path == "/no-head":
            self.send_response(200)
        elif self.path == "/broken":
            self.send_response(500)
        else:
            self.send_response(404)
        self.end_headers()

    do_HEAD = do_GET = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.mark.parametrize(
    ("path", "ok"),
    [("/ok", True), ("/moved", True), ("/no-head", True), ("/gone", False), ("/broken", False)],
)
def test_urls_are_judged_by_what_the_server_answers(site, path, ok):
    assert check_url(site + path, timeout=5)[0] is ok


def test_a_refused_connection_is_dead(closed_port):
    ok, detail = check_url(closed_port, timeout=5)
    assert not ok and "unreachable" in detail


def test_email_domains_are_checked_with_the_given_resolver():
    known = {"example.org"}
    assert check_email("hello@example.org", resolver=known.__contains__) == (
        True,
        "domain resolves",
    )
    assert check_email("hello@gone.invalid", resolver=known.__contains__)[0] is False
    assert check_email("not-an-address", resolver=known.__contains__)[0] is False


def test_the_command_lists_dead_websites_as_json(db, site, closed_port):
    ServiceFactory(
        name="Live walk",
        url=f"{site}/ok",
        email="",
        organization=OrganizationFactory(website="", email=""),
    )
    ServiceFactory(
        name="Closed choir",
        url=f"{site}/gone",
        email="",
        organization=OrganizationFactory(website=closed_port, email=""),
    )
    out = io.StringIO()
    call_command("check_links", "--json", "--timeout", "5", stdout=out)
    dead = {(d["name"], d["field"]) for d in json.loads(out.getvalue())}
    assert ("Closed choir", "url") in dead
    assert ("Live walk", "url") not in dead
    assert any(field == "website" for _, field in dead)
