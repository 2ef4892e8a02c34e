import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import path
from django.utils.functional import SimpleLazyObject

from socialrx.urls import urlpatterns as real_patterns
from web.views import server_error


def _boom(request):
    raise RuntimeError("Mary Jones 9434765919")  # personal data must never reach the page


urlpatterns = [path("boom/", _boom), *real_patterns]
handler500 = "web.views.server_error"


@pytest.mark.urls("web.tests.test_errors")
def test_a_crash_shows_a_plain_page_with_a_reference_and_no_personal_data(db):
    client = Client(raise_request_exception=False)
    resp = client.get("/boom/")
    body = resp.content.decode()
    assert resp.status_code == 500
    assert "Sorry, there is a problem with the service" in body
    assert resp["X-Request-ID"] in body
    assert "Mary" not in body and "9434765919" not in body


def test_unknown_pages_get_the_404_page(client, worker):
    client.force_login(worker)
    resp = client.get("/no/such/page/")
    assert resp.status_code == 404
    assert "Page not found" in resp.content.decode()


def test_an_unknown_api_path_answers_json(client):
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404


def test_health_check_answers(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_form_sent_without_its_security_token_says_what_to_do(db):
    client = Client(enforce_csrf_checks=True)
    resp = client.post("/login/", {"username": "someone", "password": "x"})
    body = resp.content.decode()
    assert resp.status_code == 403
    assert "Your form could not be sent" in body and "reload the page" in body
    assert "CSRF verification failed" not in body


def test_the_error_page_still_renders_when_the_database_is_down(rf):
    # The full page reads the signed-in user from the session, in the database; when the
    # database is what failed, the page falls back to one that needs nothing but itself.
    def unreachable():
        raise DatabaseError("connection to server failed")

    request = rf.get("/cases/")
    request.user = SimpleLazyObject(unreachable)
    request.request_id = "req-42"
    resp = server_error(request)
    body = resp.content.decode()
    assert resp.status_code == 500
    assert "Sorry, there is a problem with the service" in body and "req-42" in body
    assert "connection to server" not in body
