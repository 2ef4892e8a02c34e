"""/hsds/openapi.json: the document the /hsds/ index advertises is served, is OpenAPI 3, and
every path it names answers with data that its own response schema accepts."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from directory.models import Attribute, Service, Taxonomy, TaxonomyTerm
from directory.tests.factories import (
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db
DOC_URI = "https://socialrx.test/hsds/openapi.json"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def world():
    org = OrganizationFactory(name="Ashford Ramblers")
    walk = ServiceFactory(organization=org, name="Tuesday health walk", status="active")
    ServiceAtLocationFactory(service=walk, location=LocationFactory(organization=org))
    ServiceFactory(
        organization=OrganizationFactory(name="Survivors Circle"),
        name="Survivors walking circle",
        visibility=Service.Visibility.PROFESSIONALS,
    )
    taxonomy = Taxonomy.objects.create(name="Community services", description="Categories")
    term = TaxonomyTerm.objects.create(
        name="Walking", description="Walking groups", code="walk", taxonomy_detail=taxonomy
    )
    Attribute.objects.create(link_id=walk.pk, link_entity="service", taxonomy_term=term)
    return {"service_id": walk.pk, "organization_id": org.pk}


def _document(client) -> dict:
    advertised = client.get("/hsds/").json()["openapi_url"]
    response = client.get(urlparse(advertised).path)
    assert response.status_code == 200, advertised
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _pointer(doc: dict, ref: str):
    assert ref.startswith("#/"), f"{ref} points outside the document"
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def test_the_advertised_document_is_openapi_3_and_self_contained(client, world):
    doc = _document(client)
    assert re.fullmatch(r"3\.\d+\.\d+", doc["openapi"])
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["paths"], "the document names no paths"
    for path, item in doc["paths"].items():
        assert path.startswith("/hsds/"), path
        templated = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            assert method in METHODS, f"{path}: {method}"
            assert operation["responses"], f"{method} {path} has no responses"
            assert "200" in operation["responses"], f"{method} {path} has no 200 answer"
            params = operation.get("parameters", [])
            for param in params:
                assert {"name", "in", "schema"} <= set(param), param
                assert param["in"] in {"query", "path", "header", "cookie"}
            in_path = {p["name"] for p in params if p["in"] == "path"}
            assert in_path == templated, f"{path}: path parameters {in_path} != {templated}"
            assert all(p.get("required") for p in params if p["in"] == "path")
    for ref in _refs(doc):
        _pointer(doc, ref)  # every reference resolves inside the document
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_path_it_names_answers_with_data_its_schema_accepts(client, world):
    doc = _document(client)
    registry = Registry().with_resource(
        DOC_URI, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    answered = []
    for path, item in doc["paths"].items():
        for method in item:
            assert method == "get", f"{method} {path}: add a request for it here"
            url = re.sub(r"{([^}]+)}", lambda m: str(world[m.group(1)]), path)
            response = client.get(url)
            assert response.status_code == 200, f"{url}: {response.status_code}"
            body = response.json()
            pointer = "/".join(
                _escape(p)
                for p in ("paths", path, method, "responses", "200", "content", "application/json")
            )
            validator = Draft202012Validator(
                {"$ref": f"{DOC_URI}#/{pointer}/schema"},
                registry=registry,
                format_checker=FormatChecker(),
            )
            problems = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(body)]
            assert not problems, f"{url}: {problems[:3]}"
            if "contents" in body:
                assert body["contents"], f"{url} answered an empty page"
            answered.append(path)
    assert {"/hsds/services", "/hsds/organizations/{organization_id}"} <= set(answered)


def test_the_document_says_what_a_bad_parameter_gets(client, world):
    doc = _document(client)
    services = doc["paths"]["/hsds/services"]["get"]
    names = {p["name"] for p in services["parameters"]}
    assert {"search", "page", "per_page", "taxonomy_term_id", "organization_id"} <= names
    assert {"400"} <= set(services["responses"])
    bad = client.get("/hsds/services?per_page=1000")
    assert bad.status_code == 400
    assert bad.json()["detail"]
