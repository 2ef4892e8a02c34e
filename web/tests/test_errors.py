import pytest
from django.test import Client
from django.urls import path

from socialrx.urls import urlpatterns as real_patterns


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
