"""How an import writes: a first import bulk-loads (indexes and foreign keys dropped and
rebuilt in its transaction), later ones upsert; shared records are merged, first copy first."""

import copy
import json
from pathlib import Path

import pytest
from django.db import connection

from directory import hsds_import
from directory import hsds_tables as t
from directory.hsds_import import import_hsds
from directory.hsds_write import _droppable
from directory.models import Location, Organization, Service

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "hsds"
ARRAY = SHARED / "derived" / "services_array.json"

pytestmark = [
    pytest.mark.skipif(not SHARED.exists(), reason="../shared/data/hsds missing"),
    pytest.mark.django_db,
]


def schema() -> dict[str, list[str]]:
    """Every HSDS table's secondary indexes and foreign keys, as the statements that make them."""
    with connection.cursor() as cursor:
        return {
            m._meta.db_table: [create for _, create in _droppable(cursor, m._meta.db_table)]
            for m in t.MODELS.values()
        }


def write(tmp_path, services, name="services.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(services))
    return path


def test_a_first_import_leaves_every_index_and_foreign_key_as_it_found_them():
    before = schema()
    assert any(before.values())  # there is something to drop
    import_hsds(ARRAY)
    assert schema() == before
    assert Service.objects.count() == 3


def test_only_keys_between_directory_tables_are_dropped_for_a_load():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps its foreign keys (they cannot be dropped)")
    with connection.cursor() as cursor:
        made = [create for _, create in _droppable(cursor, Service._meta.db_table)]
    assert any("REFERENCES directory_organization" in sql for sql in made)
    assert not any("accounts_user" in sql for sql in made)  # who verified it: left alone


def test_a_load_that_fails_part_way_rolls_back_the_rows_and_the_dropped_indexes(monkeypatch):
    before = schema()
    written = []
    real = hsds_import.upsert

    def fails_on_the_third_table(model, table, rows, **kwargs):
        if len(written) == 2:
            raise RuntimeError("disk full")
        real(model, table, rows, **kwargs)
        written.append(table)

    monkeypatch.setattr(hsds_import, "upsert", fails_on_the_third_table)
    with pytest.raises(RuntimeError):
        import_hsds(ARRAY)
    assert written  # some tables were loaded before the failure
    assert schema() == before
    assert not Organization.objects.exists() and not Service.objects.exists()


def test_a_location_carries_its_first_address_by_id_on_first_import_and_after(tmp_path):
    services = json.loads(ARRAY.read_text())
    location = services[0]["service_at_locations"][0]["location"]
    later = copy.deepcopy(location["addresses"][0])
    later.update(id="ffffffff-0000-4000-8000-000000000001", address_1="9 Back Lane")
    location["addresses"].append(later)  # listed second, and sorts after the first
    import_hsds(write(tmp_path, services))
    assert Location.objects.get(pk=location["id"]).address_1 == "1-30 Main Street"

    earlier = copy.deepcopy(later)
    earlier.update(id="00000000-0000-4000-8000-000000000001", address_1="2 Front Street")
    location["addresses"].append(earlier)  # re-import: the location is stored already
    import_hsds(write(tmp_path, services, "again.json"))
    assert Location.objects.get(pk=location["id"]).address_1 == "2 Front Street"


def test_a_shared_record_that_differs_keeps_the_first_copy_and_says_where_each_was(tmp_path):
    services = json.loads(ARRAY.read_text())
    first = services[0]["service_at_locations"][0]["location"]
    services[1]["service_at_locations"][0]["location"]["name"] = "Another name"
    report = import_hsds(write(tmp_path, services))
    assert Location.objects.get(pk=first["id"]).name == first["name"]
    assert report.warnings == [
        f"services.json$[1].service_at_locations[0].location: location {first['id']} has "
        f"name='Another name' here but {first['name']!r} at "
        "services.json$[0].service_at_locations[0].location; kept the first."
    ]


def test_identical_copies_add_no_warnings():
    assert import_hsds(ARRAY).warnings == []


def test_uuids_in_capitals_are_stored_as_the_databases_store_uuids(tmp_path):
    services = json.loads(ARRAY.read_text())
    for service in services:
        service["id"] = service["id"].upper()
    import_hsds(write(tmp_path, services))
    assert Service.objects.filter(pk=services[0]["id"].lower()).exists()
    import_hsds(write(tmp_path, services, "again.json"))  # the upsert path matches them too
    assert Service.objects.count() == 3


def test_stored_ids_are_found_whatever_their_case():
    import_hsds(ARRAY)
    stored = Service.objects.values_list("pk", flat=True)[0]
    asked = {str(stored).upper(), "00000000-0000-4000-8000-000000000000"}
    assert hsds_import._stored(Service, asked) == {str(stored).upper()}
