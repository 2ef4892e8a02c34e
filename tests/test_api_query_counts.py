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


def test_a_new_referral_does_not_look_for_its_case(api_client, referrer, worker):
    """Nothing can point at a row saved for the first time: the signal receivers that
    re-read a referral's or a person's cases skip new ones (two queries per API post)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    body = {
        "person": {"given_name": "Ada", "family_name": "Quinn", "birth_date": "1950-01-01"},
        "reasons": ["loneliness"],
    }
    with CaptureQueriesContext(connection) as queries:
        resp = api_client(referrer).post("/api/v1/referrals", body)
    assert resp.status_code == 201, resp.content
    lookups = [
        q["sql"]
        for q in queries
        if 'FROM "casework_case"' in q["sql"]
        and ('"referral_id" =' in q["sql"] or '"person_id" =' in q["sql"])
    ]
    assert lookups == []
