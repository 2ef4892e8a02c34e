"""HSDS import and export: the official examples import, round-trip, and bad data is
refused whole with a report; both when the dataset is checked whole before it is written (as
small ones are) and when it is streamed to the database while it is read (as large ones are)."""

import codecs
import copy
import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from directory.hsds_export import export_hsds, services_as_json
from directory.hsds_import import ImportFailed, import_hsds, tuned
from directory.models import Attribute, Organization, Phone, Service, TaxonomyTerm
from directory.tests.hsds_data import ARRAY, CSV_OFFICIAL, CSV_OK, FULL

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("writes"),
]


def canon(value):
    """Compare content, not layout: arrays as sets, empty arrays as absent."""
    if isinstance(value, dict):
        return {k: canon(v) for k, v in value.items() if v not in ([], None)}
    if isinstance(value, list):
        return sorted((canon(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def test_the_official_full_service_imports_and_exports_unchanged():
    report = import_hsds(FULL)
    assert report.counts["service"] == 1 and report.counts["attribute"] == 1
    assert canon(services_as_json()) == canon([json.loads(FULL.read_text())])


def test_one_record_with_many_parents_keeps_every_link():
    import_hsds(FULL)
    phone = Phone.objects.get()  # one phone, nested ten times in the example
    linked = [
        phone.service_id,
        phone.location_id,
        phone.organization_id,
        phone.contact_id,
        phone.service_at_location_id,
    ]
    assert all(linked)


def test_shared_organisation_and_location_are_stored_once():
    import_hsds(ARRAY)
    assert Service.objects.count() == 3 and Organization.objects.count() == 1
    assert canon(services_as_json()) == canon(json.loads(ARRAY.read_text()))


def test_reimport_is_idempotent_and_keeps_local_extensions():
    import_hsds(ARRAY)
    Service.objects.update(visibility="professionals", capacity="full")
    import_hsds(ARRAY)
    assert Service.objects.count() == 3
    assert set(Service.objects.values_list("visibility", flat=True)) == {"professionals"}


def test_reimport_updates_what_changed_and_new_records_get_local_defaults(tmp_path):
    import_hsds(ARRAY)
    services = json.loads(ARRAY.read_text())
    services[0]["name"] = "Renamed by the source"
    services[0]["phones"] = [*services[0].get("phones", []), {"id": NEW_PHONE, "number": "0"}]
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(services))
    import_hsds(changed)
    assert Service.objects.get(pk=services[0]["id"]).name == "Renamed by the source"
    assert Phone.objects.get(pk=NEW_PHONE).service_id is not None
    first = Service.objects.get(pk=services[0]["id"])
    assert (first.visibility, first.capacity) == ("public", "open")


NEW_PHONE = "0d8a4f8e-8d4e-4e55-9b0e-6f1b2a3c4d5e"


def test_dangling_references_the_spec_leaves_are_kept_as_given():
    import_hsds(FULL)
    assert Organization.objects.get().parent_organization_id is not None
    assert TaxonomyTerm.objects.get().parent_id is not None


def test_a_corrupted_file_is_rejected_whole_with_paths_and_reasons(tmp_path):
    import_hsds(ARRAY)
    before = json.dumps(services_as_json(), sort_keys=True)
    services = json.loads(ARRAY.read_text())
    broken = copy.deepcopy(services)
    broken[0]["name"] = "Changed but must not be saved"
    broken[1]["id"] = "not-a-uuid"
    broken[2]["phones"][0]["number"] = 123
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(ImportFailed) as exc:
        import_hsds(path)
    errors = exc.value.report.errors
    assert any(e.startswith("broken.json$[1].id:") for e in errors)
    assert any(e.startswith("broken.json$[2].phones[0].number:") for e in errors)
    assert json.dumps(services_as_json(), sort_keys=True) == before


def test_values_the_database_cannot_hold_are_reported_not_raised(tmp_path):
    """Schema-valid but too long, out of range or holding a NUL: each is a report naming
    its JSON path, on every database, and nothing is written."""
    import_hsds(ARRAY)
    before = json.dumps(services_as_json(), sort_keys=True)
    services = json.loads(ARRAY.read_text())
    services[0]["name"] = "x" * 256
    services[1]["minimum_age"] = -3
    services[1]["maximum_age"] = 40_000
    services[2]["phones"][0]["description"] = "ring\u0000twice"
    location = services[0]["service_at_locations"][0]["location"]
    location["name"] = "n" * 256
    path = tmp_path / "bounds.json"
    path.write_text(json.dumps(services))
    with pytest.raises(ImportFailed) as exc:
        import_hsds(path)
    errors = exc.value.report.errors
    assert "bounds.json$[0].name: 256 characters; at most 255 fit." in errors
    assert "bounds.json$[1].minimum_age: -3 is not between 0 and 32767." in errors
    assert "bounds.json$[1].maximum_age: 40000 is not between 0 and 32767." in errors
    assert "bounds.json$[2].phones[0].description: contains a NUL character." in errors
    at = "bounds.json$[0].service_at_locations[0].location"
    assert f"{at}.name: 256 characters; at most 255 fit." in errors
    assert len(errors) == len(set(errors)) == 5  # each once, when streamed too
    assert json.dumps(services_as_json(), sort_keys=True) == before


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"id": NaN}', b'[{"latitude": 1e400}]', b'{"name": "caf\xe9"}'],
    ids=["syntax", "NaN", "beyond a double", "not UTF-8"],
)
def test_malformed_json_is_reported_not_raised(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ImportFailed) as exc:
        import_hsds(path)
    assert exc.value.report.errors[0].startswith("bad.json: not valid JSON (")


def test_records_read_before_a_json_fault_are_reported_after_it(tmp_path):
    services = json.loads(ARRAY.read_text())
    services[0]["name"] = 7
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(services)[:-1] + ", ]")  # a comma before nothing, at the end
    # A service at a time, as a large file is read.
    with pytest.raises(ImportFailed) as exc, tuned(piece=1):
        import_hsds(path)
    first, *rest = exc.value.report.errors
    assert first.startswith("cut.json: not valid JSON (")
    assert [e for e in rest if e.startswith("cut.json$[0].name: ")]
    assert not Service.objects.exists()


def test_a_json_file_may_start_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(codecs.BOM_UTF8 + ARRAY.read_bytes())
    assert import_hsds(path).counts["service"] == 3


def test_the_consistent_csv_imports():
    report = import_hsds(CSV_OK)
    assert report.counts["service"] == 1 and report.counts["meta_table_description"] == 1
    assert Attribute.objects.get().link_id is not None


def test_the_official_csv_is_rejected_naming_its_four_broken_references():
    with pytest.raises(ImportFailed) as exc:
        import_hsds(CSV_OFFICIAL)
    errors = exc.value.report.errors
    assert len(errors) == 4
    assert any(e.startswith("locations.csv row 2: location.organization_id") for e in errors)
    assert any(e.startswith("contacts.csv row 2: contact.organization_id") for e in errors)
    assert any(e.startswith("contacts.csv row 2: contact.service_at_location_id") for e in errors)
    assert any(e.startswith("taxonomy_terms.csv row 2: taxonomy_term.taxonomy_id") for e in errors)
    assert not Service.objects.exists()


def test_a_csv_reference_that_is_not_a_uuid_is_reported_even_where_not_enforced(tmp_path):
    folder = tmp_path / "csv"
    shutil.copytree(CSV_OK, folder)
    attributes = folder / "attributes.csv"
    lines = attributes.read_text().splitlines()
    cells = lines[1].split(",")
    cells[1] = "not-a-uuid"  # link_id: kept as given, never enforced, but must be a UUID
    attributes.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")
    with pytest.raises(ImportFailed) as exc:
        import_hsds(folder)
    assert exc.value.report.errors == ["attributes.csv row 2: ['link_id'] must be UUIDs."]
    assert not Service.objects.exists()


def test_csv_values_the_database_cannot_hold_are_reported_by_row_and_column(tmp_path):
    folder = tmp_path / "csv"
    shutil.copytree(CSV_OK, folder)
    services = folder / "services.csv"
    with services.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["name"] = "x" * 300
    rows[0]["minimum_age"] = "1e6"
    rows[0]["alert"] = "closed\x00for refit"
    write_csv(services, rows)
    locations = folder / "locations.csv"
    with locations.open(newline="") as handle:
        places = list(csv.DictReader(handle))
    places[0]["latitude"] = "inf"  # Python's float() reads it
    write_csv(locations, places)
    with pytest.raises(ImportFailed) as exc:
        import_hsds(folder)
    assert sorted(exc.value.report.errors) == [
        "locations.csv row 2 column latitude: inf is not a finite number.",
        "services.csv row 2 column alert: contains a NUL character.",
        "services.csv row 2 column minimum_age: 1000000.0 is not between 0 and 32767.",
        "services.csv row 2 column name: 300 characters; at most 255 fit.",
    ]
    assert not Service.objects.exists()


def test_csv_files_that_are_not_text_or_not_csv_are_reported(tmp_path):
    folder = tmp_path / "csv"
    shutil.copytree(CSV_OK, folder)
    with (folder / "services.csv").open("ab") as handle:
        handle.write(b"caf\xe9\n")  # Latin-1, not UTF-8
    phones = folder / "phones.csv"
    lines = phones.read_text().splitlines()
    phones.write_text("\n".join([lines[0], lines[1] + ",extra", *lines[2:]]) + "\n")
    organizations = folder / "organizations.csv"
    lines = organizations.read_text().splitlines()
    huge = "x" * (csv.field_size_limit() + 1)
    organizations.write_text("\n".join([lines[0], lines[1].replace(",", f",{huge}", 1)]) + "\n")
    with pytest.raises(ImportFailed) as exc:
        import_hsds(folder)
    errors = exc.value.report.errors
    assert any(e.startswith("services.csv: not UTF-8 text (") for e in errors)
    assert "phones.csv line 2: 11 cells where the header has 10 columns." in errors
    assert any(
        e.startswith("organizations.csv, the record after line 1: not valid CSV (field")
        for e in errors
    )
    assert not Service.objects.exists()


def test_csv_rows_with_too_few_or_too_many_cells_are_refused_naming_file_and_line(tmp_path):
    import_hsds(ARRAY)  # something stored already, which a refused import must leave alone
    before = services_as_json()
    stored = {model: model.objects.count() for model in (Service, Phone, Organization)}
    folder = tmp_path / "csv"
    shutil.copytree(CSV_OK, folder)
    phones = folder / "phones.csv"
    # Three of the ten cells and no number: a row cut short.
    with phones.open("a", newline="") as handle:
        csv.writer(handle).writerow(["0c6b5e3e-2f0f-4c55-9f4e-6f1e7e1c0a11", "", ""])
    schedules = folder / "schedules.csv"
    lines = schedules.read_text().splitlines()
    schedules.write_text("\n".join([lines[0], "", lines[1] + ",surplus", *lines[2:]]) + "\n")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_hsds", str(folder), stdout=out, stderr=err)
    header = len(lines[0].split(","))
    reported = err.getvalue().splitlines()
    assert "phones.csv line 3: 3 cells where the header has 10 columns." in reported
    assert f"schedules.csv line 3: {header + 1} cells where the header has {header} columns." in (
        reported
    )
    assert services_as_json() == before
    assert {model: model.objects.count() for model in stored} == stored


def test_export_import_export_is_lossless_in_both_forms(tmp_path):
    import_hsds(ARRAY)
    first = tmp_path / "first.json"
    export_hsds(first)
    export_hsds(tmp_path / "csv")
    for model in (Attribute, Phone):
        model.objects.all().delete()
    Service.objects.all().delete()
    Organization.objects.all().delete()
    import_hsds(tmp_path / "csv")
    second = tmp_path / "second.json"
    export_hsds(second)
    assert first.read_text() == second.read_text()


def test_a_zip_of_csv_files_at_its_root_imports(tmp_path):
    archive = tmp_path / "dataset.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in CSV_OK.glob("*.csv"):
            z.write(f, f.name)
    assert import_hsds(archive).counts["service"] == 1


def test_export_to_zip_puts_files_at_the_root(tmp_path):
    import_hsds(FULL)
    export_hsds(tmp_path / "out.zip")
    names = zipfile.ZipFile(tmp_path / "out.zip").namelist()
    assert "services.csv" in names and all("/" not in n for n in names)


def test_the_commands_report_and_fail_cleanly(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_hsds", str(FULL), stdout=out, stderr=err)
    assert "Imported" in out.getvalue()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_hsds", str(CSV_OFFICIAL), stdout=out, stderr=err)
    call_command("export_hsds", str(tmp_path / "new" / "dir"), stdout=out)
    assert (tmp_path / "new" / "dir" / "services.csv").exists()
    shutil.rmtree(tmp_path / "new")


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
