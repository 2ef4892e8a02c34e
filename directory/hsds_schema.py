"""Validate HSDS 3.0 documents against the official schemas, offline.

The schemas (directory/hsds/schema, CC BY-SA 4.0) are registered under their upstream base
URL, so every `$ref` — relative in the modular files, absolute in openapi.json — resolves to
the vendored copy. Formats (uuid, email, uri, date-time) are checked, so a non-UUID id fails.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

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
