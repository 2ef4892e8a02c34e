"""How HSDS 3.0 tables, JSON nesting and socialrx models line up. Data, not logic.

Column lists and types come from the official datapackage.json (vendored), so the CSV form
uses the specification's own file names and column order.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from directory import models as m

DATAPACKAGE = Path(__file__).parent / "hsds" / "datapackage.json"

MODELS = {
    "organization": m.Organization,
    "program": m.Program,
    "service": m.Service,
    "attribute": m.Attribute,
    "service_at_location": m.ServiceAtLocation,
    "location": m.Location,
    "phone": m.Phone,
    "contact": m.Contact,
    "address": m.Address,
    "schedule": m.Schedule,
    "funding": m.Funding,
    "service_area": m.ServiceArea,
    "required_document": m.RequiredDocument,
    "language": m.Language,
    "accessibility": m.Accessibility,
    "taxonomy_term": m.TaxonomyTerm,
    "metadata": m.Metadata,
    "meta_table_description": m.MetaTableDescription,
    "cost_option": m.CostOption,
    "organization_identifier": m.OrganizationIdentifier,
    "taxonomy": m.Taxonomy,
}

# Parents before children, so foreign keys exist when rows are written.
WRITE_ORDER = [
    "taxonomy",
    "taxonomy_term",
    "organization",
    "program",
    "organization_identifier",
    "service",
    "location",
    "service_at_location",
    "contact",
    "phone",
    "schedule",
    "address",
    "language",
    "accessibility",
    "cost_option",
    "funding",
    "required_document",
    "service_area",
    "attribute",
    "metadata",
    "meta_table_description",
]

# HSDS column -> model attribute where they differ.
ATTNAME = {("taxonomy_term", "taxonomy_id"): "taxonomy_detail_id"}

# Nested arrays: (json key, child table, the child's column naming the parent).
MANY: dict[str, list[tuple[str, str, str]]] = {
    "service": [
        ("phones", "phone", "service_id"),
        ("schedules", "schedule", "service_id"),
        ("service_areas", "service_area", "service_id"),
        ("service_at_locations", "service_at_location", "service_id"),
        ("languages", "language", "service_id"),
        ("funding", "funding", "service_id"),
        ("cost_options", "cost_option", "service_id"),
        ("required_documents", "required_document", "service_id"),
        ("contacts", "contact", "service_id"),
    ],
    "service_at_location": [
        ("contacts", "contact", "service_at_location_id"),
        ("phones", "phone", "service_at_location_id"),
        ("schedules", "schedule", "service_at_location_id"),
    ],
    "location": [
        ("languages", "language", "location_id"),
        ("addresses", "address", "location_id"),
        ("contacts", "contact", "location_id"),
        ("accessibility", "accessibility", "location_id"),
        ("phones", "phone", "location_id"),
        ("schedules", "schedule", "location_id"),
    ],
    "organization": [
        ("funding", "funding", "organization_id"),
        ("contacts", "contact", "organization_id"),
        ("phones", "phone", "organization_id"),
        ("locations", "location", "organization_id"),
        ("programs", "program", "organization_id"),
        ("organization_identifiers", "organization_identifier", "organization_id"),
    ],
    "contact": [("phones", "phone", "contact_id")],
    "phone": [("languages", "language", "phone_id")],
}

# Nested single objects: (json key, child table, the parent's column naming the child).
ONE: dict[str, list[tuple[str, str, str]]] = {
    "service": [
        ("organization", "organization", "organization_id"),
        ("program", "program", "program_id"),
    ],
    "service_at_location": [("location", "location", "location_id")],
    "attribute": [("taxonomy_term", "taxonomy_term", "taxonomy_term_id")],
    "taxonomy_term": [("taxonomy_detail", "taxonomy", "taxonomy_id")],
}

# Objects that carry attributes and metadata when nested (link_id / resource_id = parent).
POLYMORPHIC_PARENTS = {
    "service",
    "service_at_location",
    "location",
    "organization",
    "contact",
    "phone",
    "program",
    "schedule",
    "address",
    "language",
    "accessibility",
    "cost_option",
    "funding",
    "required_document",
    "service_area",
    "organization_identifier",
    "taxonomy_term",
    "taxonomy",
}


@cache
def tables() -> dict[str, dict]:
    """name -> {path, fields: [(name, type)], required: set, foreign_keys: [(col, table)]}."""
    package = json.loads(DATAPACKAGE.read_text())
    out = {}
    for resource in package["resources"]:
        schema = resource["schema"]
        out[resource["name"]] = {
            "path": resource["path"],
            "fields": [(f["name"], f["type"]) for f in schema["fields"]],
            "required": {
                f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required")
            },
            "foreign_keys": [
                (fk["fields"], fk["reference"]["resource"]) for fk in schema.get("foreignKeys", [])
            ],
        }
    return out


def attname(table: str, column: str) -> str:
    return ATTNAME.get((table, column), column)


@cache
def scalar_columns(table: str) -> tuple[str, ...]:
    """Columns that appear in nested JSON (foreign keys are implied by nesting)."""
    fks = {col for col, _ in tables()[table]["foreign_keys"]}
    implicit = {"link_id", "resource_id"}
    return tuple(name for name, _ in tables()[table]["fields"] if name not in fks | implicit)


@cache
def scalar_column_set(table: str) -> frozenset[str]:
    return frozenset(scalar_columns(table))


@cache
def json_required(table: str) -> frozenset[str]:
    """Fields the JSON schema requires for `table` (exported even when empty)."""
    path = Path(__file__).parent / "hsds" / "schema" / f"{table}.json"
    if not path.exists():
        return frozenset()
    return frozenset(json.loads(path.read_text()).get("required", []))
