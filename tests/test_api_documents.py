"""The API's documents answer, and every GET path they list answers with real data.

The world is built here through factories: a team, its link worker, a person they hold a
case for, a connection to a partner's service. Each GET path in /api/openapi.json is then
called as someone who may see it, with every query parameter the document lists, and the
record made for it must be in the answer. A new GET path with a path parameter this file
does not know fails the test until a row is added below.
"""

from __future__ import annotations

import pytest

from casework.tests.factories import CaseFactory, ConnectionFactory


@pytest.fixture
def world(worker, service):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    connection = ConnectionFactory(case=case, service=service)
    return {
        "case": case,
        "connection": connection,
        "ids": {
            "referral_id": case.referral_id,
            "person_id": case.person_id,
            "case_id": case.pk,
            "connection_id": connection.pk,
        },
    }


def _query_values(worker) -> dict[str, str]:
    return {"status": "accepted", "worker": worker.username, "page": "1", "page_size": "50"}


def _expected(world) -> dict[str, str]:
    """What each GET path must contain: the id of the record made for it (or, for the
    public vocabularies, one of their codes)."""
    case, connection = world["case"], world["connection"]
    return {
        "/api/v1/referral-reasons": "loneliness",
        "/api/v1/referral-teams": case.team.name,
        "/api/v1/referrals": str(case.referral_id),
        "/api/v1/referrals/{referral_id}": str(case.referral_id),
        "/api/v1/people/{person_id}": str(case.person_id),
        "/api/v1/caseload": str(case.pk),
        "/api/v1/cases/{case_id}": str(case.pk),
        "/api/v1/connections/{connection_id}": str(connection.pk),
        "/api/v1/outcomes/instruments": "swemwbs",
    }


def test_the_openapi_document_answers(client):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200, resp.content[:500]
    assert "/api/v1/referrals" in resp.json()["paths"]


def test_the_interactive_documentation_answers(client):
    resp = client.get("/api/docs")
    assert resp.status_code == 200
    assert "/api/openapi.json" in resp.content.decode()


def test_every_get_path_in_the_document_answers_with_the_callers_data(
    client, api_client, worker, world
):
    paths = client.get("/api/openapi.json").json()["paths"]
    expected = _expected(world)
    as_worker = api_client(worker)
    called = []
    for path, operations in paths.items():
        if "get" not in operations:
            continue
        assert path in expected, f"{path} is new: add what it should return to _expected()"
        url = path
        query = {}
        for param in operations["get"].get("parameters", []):
            if param["in"] == "path":
                assert param["name"] in world["ids"], f"no record for {param['name']}"
                url = url.replace("{" + param["name"] + "}", str(world["ids"][param["name"]]))
            elif param["in"] == "query":
                values = _query_values(worker)
                assert param["name"] in values, f"add a value for ?{param['name']}= on {path}"
                query[param["name"]] = values[param["name"]]
        for params in ({}, query) if query else ({},):
            resp = as_worker.get(url, data=params)
            assert resp.status_code == 200, (url, params, resp.content[:500])
            assert expected[path] in resp.content.decode(), (url, params)
            called.append(url)
    # The document lists the list endpoints this test exists for.
    assert "/api/v1/referrals" in called and "/api/v1/caseload" in called


def test_a_paginated_list_says_how_many_there_are(api_client, worker, world):
    resp = api_client(worker).get("/api/v1/referrals", data={"status": "accepted"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 1
    assert [r["id"] for r in body["items"]] == [str(world["case"].referral_id)]
