import copy
import json

import pytest

from directory.hsds_schema import _fast_service_validator, errors, list_response_ref, service_errors
from directory.tests.hsds_data import EXAMPLES


def test_the_official_full_service_example_is_valid():
    assert errors(json.loads((EXAMPLES / "service_full.json").read_text())) == []


def test_the_official_service_list_example_is_a_valid_page():
    page = json.loads((EXAMPLES / "service_list.json").read_text())
    assert errors(page, list_response_ref("/services")) == []


def test_violations_are_reported_with_their_json_path():
    service = json.loads((EXAMPLES / "service_full.json").read_text())
    broken = copy.deepcopy(service)
    broken["id"] = "not-a-uuid"
    broken["phones"][0]["number"] = 12345
    del broken["name"]
    found = errors(broken)
    assert any(e.startswith("$.id:") and "uuid" in e for e in found)
    assert any(e.startswith("$.phones[0].number:") for e in found)
    assert any(e.startswith("$:") and "'name' is a required property" in e for e in found)


def test_nulls_are_not_allowed_for_optional_fields():
    service = json.loads((EXAMPLES / "service_full.json").read_text())
    service["alternate_name"] = None
    assert any(e.startswith("$.alternate_name:") for e in errors(service))


MUTATIONS = [
    ("id", "not-a-uuid"),
    ("name", 3),
    ("name", None),
    ("url", "::not a uri"),
    ("last_modified", "yesterday"),
    ("status", "maybe"),
    ("phones", [{"id": "not-a-uuid", "number": "1"}]),
    ("service_at_locations", [{"location": {"latitude": "north"}}]),
]


@pytest.mark.parametrize(("key", "value"), MUTATIONS)
def test_the_fast_validator_agrees_with_the_reference_one(key, value):
    """jsonschema-rs only speeds imports up: whatever it decides, the answer and the report
    are jsonschema's."""
    service = json.loads((EXAMPLES / "service_full.json").read_text())
    assert service_errors(service) == [] == errors(service)
    service[key] = value
    assert service_errors(service) == errors(service) != []


def test_where_the_fast_validator_is_stricter_the_reference_one_decides():
    # jsonschema-rs reads e-mail addresses by RFC 5321; jsonschema accepts any "x@y". Real
    # directories (San Mateo) hold such addresses, and they must keep importing.
    service = json.loads((EXAMPLES / "service_full.json").read_text())
    service["email"] = "info@_idausa.org"
    assert not _fast_service_validator().is_valid(service)
    assert service_errors(service) == errors(service) == []
