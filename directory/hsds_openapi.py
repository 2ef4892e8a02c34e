"""What the /hsds/ OpenAPI document says each endpoint answers, in the official words.

The schemas are the official HSDS 3.0 ones (vendored in directory/hsds/schema, CC BY-SA 4.0;
"Human Services Data Specification: an Open Referral resource", https://openreferral.org/),
put in the document's `components` so it is self-contained: each modular schema as it is,
with its references (`"phone.json"`) pointed at the component, the compiled list items,
and the `Page` envelope and index answer of the official openapi.json.
"""

from __future__ import annotations

import json
from functools import cache

from directory.hsds_schema import ROOT

# Keys of the modular files that describe the CSV form, not the JSON document.
_TABULAR_ONLY = {"path", "datapackage_metadata", "tabular_required"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _pointed_here(node):
    """`node` with every reference to a sibling file pointed at its component."""
    if isinstance(node, dict):
        out = {k: _pointed_here(v) for k, v in node.items()}
        target = out.get("$ref")
        if isinstance(target, str) and target.endswith(".json") and "/" not in target:
            out["$ref"] = ref(target.removesuffix(".json"))["$ref"]
        return out
    if isinstance(node, list):
        return [_pointed_here(v) for v in node]
    return node


def _component(schema: dict) -> dict:
    out = {k: v for k, v in _pointed_here(schema).items() if k not in _TABULAR_ONLY}
    if "name" in out:  # the object's name: a title in JSON Schema terms
        out["title"] = out.pop("name")
    return out


def _read(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def components() -> dict[str, dict]:
    """Every schema the document's responses name, by component name."""
    out = {
        p.stem: _component(_read(p))
        for p in sorted(ROOT.glob("*.json"))
        if p.name != "openapi.json"
    }
    for name in ("service_list", "organization_list"):
        out[name] = _component(_read(ROOT / "compiled" / f"{name}.json"))
    out["organization_with_services"] = {
        "description": "An organization with the services the caller may see (each without "
        "its organization, which is the object itself).",
        "allOf": [ref("organization")],
        "properties": {"services": {"type": "array", "items": ref("service")}},
    }
    original = _read(ROOT / "openapi.json")
    out["Page"] = original["components"]["schemas"]["Page"]
    index = original["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]
    out["index"] = index["schema"]
    out["Error"] = {
        "type": "object",
        "required": ["detail"],
        "properties": {
            "detail": {"type": "string", "description": "What is wrong, for a person."},
            "errors": {
                "type": "array",
                "description": "The fields at fault, when there are any.",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    }
    return out


def page_of(item: str) -> dict:
    """A paginated list of `item` (the official envelope)."""
    return {
        "allOf": [ref("Page")],
        "properties": {"contents": {"type": "array", "items": ref(item)}},
    }


_ERRORS = {
    400: "A parameter is not valid: `detail` says which and why.",
    404: "No such record, or not one the caller may see (the same answer, on purpose).",
    401: "A token was sent but is not valid (send none for the public view).",
}


def answers(description: str, schema: dict, *errors: int) -> dict:
    """An operation's `openapi_extra`: its 200 answer, the errors it may give, and that a
    token is optional (`{}` is "no authentication")."""
    responses = {200: {"description": description, "content": _json(schema)}}
    for status in (*errors, 401):
        responses[status] = {"description": _ERRORS[status], "content": _json(ref("Error"))}
    return {"responses": responses, "security": [{}]}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}
