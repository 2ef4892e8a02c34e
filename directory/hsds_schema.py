"""Validate HSDS 3.0 documents against the official schemas, offline.

The schemas (directory/hsds/schema, CC BY-SA 4.0) are registered under their upstream base
URL, so every `$ref` — relative in the modular files, absolute in openapi.json — resolves to
the vendored copy. Formats (uuid, email, uri, date-time) are checked, so a non-UUID id fails.

Two validators read the same schemas. `jsonschema` (Python) is the authority and writes every
report. `jsonschema-rs` (Rust, about 200 times faster) answers only "is this service valid?"
during imports: a yes is final, a no hands the document to `jsonschema` for the report. Where
the two disagree on formats (jsonschema-rs reads email addresses more strictly), the
document is judged by `jsonschema`, so both paths accept and reject exactly the same input.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
ROOT = Path(__file__).parent / "hsds" / "schema"


def _load(path: Path):
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return json.load(handle)
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def registry() -> Registry:
    resources = []
    for path in ROOT.rglob("*.json*"):
        uri = BASE + str(path.relative_to(ROOT)).removesuffix(".gz")
        resources.append(
            (uri, Resource.from_contents(_load(path), default_specification=DRAFT202012))
        )
    return Registry().with_resources(resources)


@cache
def validator(ref: str) -> Draft202012Validator:
    """A validator for a schema by reference, e.g. "service.json" or
    "openapi.json#/paths/~1services/get/responses/200/content/application~1json/schema"."""
    return Draft202012Validator(
        {"$ref": BASE + ref}, registry=registry(), format_checker=FormatChecker()
    )


@cache
def _fast_service_validator():
    # The modular files only: openapi.json names schemas the release does not ship
    # (compiled/organization_identifier.json), which jsonschema-rs would try to resolve.
    resources = [(BASE + p.name, _load(p)) for p in ROOT.glob("*.json") if p.name != "openapi.json"]
    return jsonschema_rs.validator_for(
        {"$ref": BASE + "service.json"},
        registry=jsonschema_rs.Registry(resources),
        validate_formats=True,
    )


def service_errors(document) -> list[str]:
    """errors(document, "service.json"), with a fast path for the (usual) valid document."""
    if _fast_service_validator().is_valid(document):
        return []
    return errors(document, "service.json")


def errors(document, ref: str = "service.json") -> list[str]:
    """Every schema violation, each as "<json path>: <message>" ('$' is the document)."""
    found = []
    for error in sorted(validator(ref).iter_errors(document), key=lambda e: list(e.path)):
        path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
        found.append(f"{path}: {error.message}")
    return found


def list_response_ref(path: str) -> str:
    """The schema of a paginated list response, e.g. list_response_ref("/services")."""
    return (
        "openapi.json#/paths/"
        + path.replace("/", "~1")
        + "/get/responses/200/content/application~1json/schema"
    )
