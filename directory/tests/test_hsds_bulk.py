"""How an import writes: a first import bulk-loads (indexes and foreign keys dropped and
rebuilt in its transaction), later ones upsert; shared records are merged, first copy first.
Each test runs twice: with the dataset checked whole before it is written, as small ones are,
and streamed to the database record by record while it is read, as large ones are."""

import copy
import csv
import json
import shutil
from pathlib import Path

import pytest
from django.db import DatabaseError, IntegrityError, connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory import hsds_tables as t
from directory import hsds_write
from directory.hsds_import import ImportFailed, checks, import_hsds
from directory.hsds_import.output import Output, page_cache_of_at_least
from directory.hsds_write import Loader, _droppable
from directory.models import Location, Organization, Phone, Service, TaxonomyTerm
from directory.tests.hsds_data import ARRAY, CSV_OK

NOWHERE = "00000000-0000-4000-8000-00000000dead"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("writes"),
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


def nested(value, key: str) -> list[dict]:
    """Every object in the arrays named `key` anywhere in `value`."""
    if isinstance(value, list):
        return [found for item in value for found in nested(item, key)]
    if isinstance(value, dict):
        here = value.get(key) if isinstance(value.get(key), list) else []
        return here + [found for v in value.values() for found in nested(v, key)]
    return []


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
    real = hsds_write._statement

    def phones_fail(model, table, given, **kwargs):
        if table == "phone":  # a real database error, on the loader's thread when streamed
            mark = "?" if connection.vendor == "sqlite" else "%s"  # the rows' JSON
            return f"INSERT INTO no_such_table VALUES ({mark})", [], ["id"]  # noqa: S608
        return real(model, table, given, **kwargs)

    monkeypatch.setattr(hsds_write, "_statement", phones_fail)
    with pytest.raises(Exception, match="no_such_table"):
        import_hsds(ARRAY)
    assert schema() == before
    assert not Organization.objects.exists() and not Service.objects.exists()


def test_a_record_rejected_after_others_were_written_leaves_nothing_behind(tmp_path):
    services = json.loads(ARRAY.read_text())
    before = schema()
    services[-1]["phones"][0]["id"] = "not-a-uuid"  # the last record read
    with pytest.raises(ImportFailed, match="1 record"):
        import_hsds(write(tmp_path, services))
    assert schema() == before
    assert not Service.objects.exists() and not Phone.objects.exists()


def test_a_record_a_later_copy_adds_to_is_stored_whole(tmp_path):
    services = json.loads(ARRAY.read_text())
    whole = copy.deepcopy(services[0]["phones"][0])
    del services[0]["phones"][0]["extension"]  # first seen without it; streamed, it is
    services[2]["phones"].append(whole)  # written before this copy (after services[1]'s)
    import_hsds(write(tmp_path, services))
    assert Phone.objects.get(pk=whole["id"]).extension == whole["extension"]


def test_fields_no_record_of_a_batch_has_are_stored_as_absent_ones_are(tmp_path):
    # Only the columns some row of a batch has a value for are sent; the rest are stored
    # as a missing value is: null, or blank text. On a re-import that clears what was
    # stored before.
    import_hsds(ARRAY)
    services = json.loads(ARRAY.read_text())
    for service in services:
        for field in ("email", "minimum_age", "program"):
            service.pop(field, None)
    for phone in nested(services, "phones"):  # wherever it is nested: copies are merged
        phone.pop("extension", None)
        phone.pop("description", None)
    import_hsds(write(tmp_path, services))
    for service in Service.objects.filter(pk__in=[s["id"] for s in services]):
        assert (service.email, service.minimum_age, service.program_id) == ("", None, None)
        assert service.name  # still sent, still stored
    phones = Phone.objects.filter(service__in=[s["id"] for s in services])
    assert phones.exists()
    assert {(p.extension, p.description) for p in phones} == {(None, "")}


def test_a_reference_in_capitals_names_the_record_in_small_letters(tmp_path):
    # Found in the dataset itself, so it never depends on what the database has written yet.
    folder = tmp_path / "csv"
    shutil.copytree(CSV_OK, folder)
    with (folder / "phones.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    named = next(row for row in rows if row["service_id"])
    named["service_id"] = named["service_id"].upper()
    with (folder / "phones.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    import_hsds(folder)
    assert str(Phone.objects.get(pk=named["id"]).service_id) == named["service_id"].lower()


@pytest.mark.django_db(transaction=True)
def test_keys_left_unchecked_while_streaming_are_checked_before_commit(tmp_path, monkeypatch):
    # Outside a test transaction SQLite's key checks really are switched off for the load.
    # Only the tabular form names parents by id; here one phone's location is made up.
    folder = tmp_path / "csv"
    shutil.copytree(CSV_OK, folder)
    with (folder / "phones.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["location_id"] = NOWHERE
    with (folder / "phones.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setattr(checks, "check_references", lambda data: None)  # only the DB's
    with pytest.raises(IntegrityError):
        import_hsds(folder)
    assert not Service.objects.exists() and not Phone.objects.exists()
    import_hsds(ARRAY)  # a good one still loads, and the checks are back on afterwards
    assert Service.objects.count() == 3
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            assert cursor.execute("PRAGMA foreign_keys").fetchone() == (1,)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    latitude=st.floats(-90, 90, allow_nan=False, allow_subnormal=False),
    longitude=st.floats(-180, 180, allow_nan=False, allow_subnormal=False),
)
def test_coordinates_survive_the_trip_through_json_exactly(tmp_path, latitude, longitude):
    services = json.loads(ARRAY.read_text())
    location = services[0]["service_at_locations"][0]["location"]
    location.update(latitude=latitude, longitude=longitude)
    import_hsds(write(tmp_path, services))
    stored = Location.objects.get(pk=location["id"])
    assert (stored.latitude, stored.longitude) == (latitude, longitude)


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
    assert checks.stored_ids(Service, asked, Output()) == {str(stored).upper()}


def terms_naming_their_taxonomy_by_id_only(services: list[dict], taxonomy_id=None) -> list:
    for attribute in nested(services, "attributes"):
        term = attribute["taxonomy_term"]
        term["taxonomy_id"] = taxonomy_id or term.pop("taxonomy_detail")["id"]
        term.pop("taxonomy_detail", None)
    return services


def test_references_to_records_stored_before_are_found_while_the_load_goes_on(tmp_path):
    # Streamed, the reference check asks the database between the loader's statements.
    import_hsds(ARRAY)  # stores the taxonomies the terms name
    services = terms_naming_their_taxonomy_by_id_only(json.loads(ARRAY.read_text()))
    import_hsds(write(tmp_path, services))
    for term in (attribute["taxonomy_term"] for attribute in nested(services, "attributes")):
        stored = TaxonomyTerm.objects.get(pk=term["id"]).taxonomy_detail_id
        assert str(stored) == term["taxonomy_id"]  # named by id alone, and kept
    broken = terms_naming_their_taxonomy_by_id_only(json.loads(ARRAY.read_text()), NOWHERE)
    with pytest.raises(ImportFailed) as failed:
        import_hsds(write(tmp_path, broken, "broken.json"))
    assert f"taxonomy_id {NOWHERE} names no taxonomy" in str(failed.value.report.errors)


def test_a_query_asked_of_the_loader_goes_ahead_of_the_statements_queued():
    loader = Loader(set())  # not entered: its thread takes nothing from the queue
    loader.execute("SELECT 1")
    loader.ask("SELECT 2", urgent=False)
    loader.execute("SELECT 3")
    loader.ask("SELECT 4")
    taken = [loader._queue.get()[2][0] for _ in range(4)]
    assert taken == ["SELECT 4", "SELECT 1", "SELECT 2", "SELECT 3"]


def test_the_loader_answers_queries_and_raises_their_errors_as_djangos():
    import_hsds(ARRAY)
    stored = Service.objects.order_by("pk").values_list("pk", flat=True)
    query = Service.objects.filter(pk__in=list(stored)).values_list("pk", flat=True).query
    with Loader(set()) as loader:
        rows = loader.answer(loader.ask(*query.sql_with_params()))
        assert sorted(Service._meta.pk.to_python(pk) for (pk,) in rows) == list(stored)
        with pytest.raises(DatabaseError, match="no_such_table"):
            loader.answer(loader.ask("SELECT * FROM no_such_table"))


def test_a_large_import_has_a_larger_page_cache_and_gives_it_back(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's page cache")

    def cache_size() -> int:
        with connection.cursor() as cursor:
            return cursor.execute("PRAGMA cache_size").fetchone()[0]

    before = cache_size()
    with page_cache_of_at_least(-before + 1024):
        assert cache_size() == before - 1024
    assert cache_size() == before
    with page_cache_of_at_least(1024):  # never made smaller
        assert cache_size() == before
    import_hsds(ARRAY)
    services = json.loads(ARRAY.read_text())
    services[-1]["phones"][0]["id"] = "not-a-uuid"  # rejected after others were written
    with pytest.raises(ImportFailed):
        import_hsds(write(tmp_path, services))
    assert cache_size() == before
