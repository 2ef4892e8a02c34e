"""Every /api/v1 list, its query count pinned exactly: the count does not grow with rows."""

import pytest

from casework.tests.factories import busy_caseload
from referrals.tests.factories import ReferralFactory


@pytest.fixture
def world(worker, referrer, service):
    busy_caseload(worker, service)
    ReferralFactory.create_batch(6, referrer=referrer, team=worker.team)


@pytest.mark.parametrize(
    ("who", "url", "queries"),
    [
        ("worker", "/api/v1/caseload", 5),
        # Lists of people are audited: one event row per page shown.
        ("worker", "/api/v1/referrals", 5),
        ("referrer", "/api/v1/referrals", 5),
        ("referrer", "/api/v1/referral-teams", 3),
        (None, "/api/v1/referral-reasons", 0),
        (None, "/api/v1/outcomes/instruments", 0),
    ],
)
def test_every_api_list_query_count_is_pinned(
    request, client, api_client, world, who, url, queries, django_assert_num_queries
):
    caller = api_client(request.getfixturevalue(who)) if who else client
    with django_assert_num_queries(queries):
        resp = caller.get(url)
    assert resp.status_code == 200
    assert resp.json()
