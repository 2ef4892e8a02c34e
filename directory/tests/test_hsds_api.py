"""The HSDS API: every response validates against the official schemas."""

import pytest

from directory.hsds_import import import_hsds
from directory.hsds_schema import errors, list_response_ref
from directory.models import Service
from directory.tests.hsds_data import ARRAY

pytestmark = pytest.mark.django_db

EVENING = "Community Counselling – Evening Clinic"


@pytest.fixture
def dataset():
    import_hsds(ARRAY)
    return {s.name: s for s in Service.objects.all()}


def test_service_list_is_a_valid_page_with_every_envelope_field(client, dataset):
    body = client.get("/hsds/services?per_page=2").json()
    assert errors(body, list_response_ref("/services")) == []
    assert {
        k: body[k]
        for k in (
            "total_items",
            "total_pages",
            "page_number",
            "size",
            "first_page",
            "last_page",
            "empty",
        )
    } == {
        "total_items": 3,
        "total_pages": 2,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": False,
        "empty": False,
    }


def test_a_full_service_validates(client, dataset):
    service = dataset["Community Counselling"]
    body = client.get(f"/hsds/services/{service.pk}").json()
    assert errors(body) == []
    assert body["organization"]["name"] == "Example Organization Inc."


def test_organization_detail_validates_and_lists_its_services(client, dataset):
    org_id = dataset["Community Counselling"].organization_id
    body = client.get(f"/hsds/organizations/{org_id}").json()
    assert errors(body, "compiled/organization.json") == []
    assert len(body["services"]) == 3


@pytest.mark.parametrize("path", ["/organizations", "/taxonomies", "/taxonomy_terms"])
def test_other_lists_validate(client, dataset, path):
    assert errors(client.get("/hsds" + path).json(), list_response_ref(path)) == []


def test_search_and_taxonomy_filters(client, dataset):
    assert client.get("/hsds/services?search=evening").json()["total_items"] == 1
    term = client.get("/hsds/taxonomy_terms").json()["contents"][0]["id"]
    assert client.get(f"/hsds/services?taxonomy_term_id={term}").json()["total_items"] == 2


def test_professionals_only_listings_are_hidden_from_anonymous_callers(client, worker, dataset):
    hidden = dataset[EVENING]
    Service.objects.filter(pk=hidden.pk).update(visibility="professionals")
    names = {s["name"] for s in client.get("/hsds/services").json()["contents"]}
    assert EVENING not in names
    assert client.get(f"/hsds/services/{hidden.pk}").status_code == 404
    client.force_login(worker)
    names = {s["name"] for s in client.get("/hsds/services").json()["contents"]}
    assert EVENING in names


def test_proximity_by_lat_long_orders_by_distance(client, dataset):
    from directory.models import Location

    Location.objects.update(latitude=51.5, longitude=-0.12)
    body = client.get("/hsds/services?lat=51.51&long=-0.12&proximity=5000").json()
    assert body["total_items"] == 2  # the online-only service has no location
    assert client.get("/hsds/services?lat=40.0&long=-0.12&radius_km=5").json()["total_items"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "page=zero",
        "per_page=1000",
        "lat=91&long=0",
        "postcode=ZZ99%209ZZ",
        "taxonomy_term_id=nope",
        "lat=51",
    ],
)
def test_bad_parameters_get_a_clear_400(client, dataset, query):
    resp = client.get(f"/hsds/services?{query}")
    assert resp.status_code == 400
    assert resp.json()["detail"]


def test_unknown_ids_are_404(client, db):
    assert client.get("/hsds/services/6f1c1b1e-5a0b-4c7e-9a55-0d1f2a3b4c5d").status_code == 404
