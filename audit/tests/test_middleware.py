"""audit.middleware: each event written during a request carries the client's address, by the
same rule as the rate limits and the sign-in lockout (socialrx.client_ip)."""

import pytest

from audit.actions import record_event
from audit.middleware import AuditContextMiddleware

PROXY, CLIENT = "10.0.0.2", "198.51.100.7"


def _event_ip(rf, worker, **meta):
    middleware = AuditContextMiddleware(lambda request: record_event(worker, "view", worker))
    return middleware(rf.get("/", **meta)).ip


def test_without_a_trusted_proxy_the_address_is_the_peers(rf, worker, settings):
    settings.TRUSTED_PROXY_HOPS = 0
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": CLIENT}
    assert _event_ip(rf, worker, **meta) == PROXY


def test_behind_a_trusted_proxy_the_address_is_the_one_the_proxy_saw(rf, worker, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"203.0.113.66, {CLIENT}"}
    assert _event_ip(rf, worker, **meta) == CLIENT


@pytest.mark.parametrize("remote", ["", "unknown", "/run/gunicorn.sock"])
def test_a_request_without_a_valid_address_is_logged_without_one(rf, worker, remote):
    assert _event_ip(rf, worker, REMOTE_ADDR=remote) is None
