"""Fuzz every importer besides HSDS (directory/tests/test_hsds_fuzz.py) through its command:
caseload folders, healthcare use, UK postcodes (ONSPD and Code-Point Open). Each input,
however broken, is imported or refused with a message (CommandError, with the problems on
stderr), and a refused one writes nothing: every table's rows are counted before and after.

There is no FHIR importer: socialrx takes referrals over its JSON API, and `fhir` is only
a referral source code and a reserved URL prefix (socialrx.input_guard).
"""

from __future__ import annotations

import shutil
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from hypothesis import event, example, given
from hypothesis import strategies as st

from outcomes.models import HealthcareUse
from tests.fuzzing import FUZZ, broken_csv, cell_values

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
CASELOAD = ROOT / "docs" / "examples" / "caseload"
CASELOAD_FILES = sorted(p.name for p in CASELOAD.glob("*.csv"))
ONSPD = ROOT / "places" / "tests" / "data" / "onspd_lsoa_sample.csv"
SERVICES = (
    "6f1c2a9e-5b7d-4c1e-9a2b-6d8e0f1a2b3c",
    "8a4e6c2d-1f3b-4a5c-8e7d-9b0a1c2d3e4f",
    "2b7d9f1e-3c5a-4e6b-8d0f-1a2b3c4d5e6f",
)


def rows() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models()}


def run_or_refuse(command: str, *args, **options) -> bool:
    """Run the command; True if it imported. A refusal must say why (a CommandError and,
    when it lists problems, each on a line of stderr) and leave every table as it was."""
    before = rows()
    err = StringIO()
    try:
        call_command(command, *args, stdout=StringIO(), stderr=err, **options)
    except CommandError as exc:
        assert str(exc).strip()
        assert all(line.strip() for line in err.getvalue().splitlines())
        assert rows() == before
        event(f"{command}: refused")
        return False
    event(f"{command}: imported")
    return True


@pytest.fixture
def services(db):
    from directory.tests.factories import ServiceFactory

    return [ServiceFactory(id=sid) for sid in SERVICES]


@FUZZ
@given(data=st.data(), name=st.sampled_from(CASELOAD_FILES))
def test_any_caseload_folder_is_imported_or_refused_whole(team, worker, services, data, name):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "caseload"
        shutil.copytree(CASELOAD, folder)
        good = (folder / name).read_text(encoding="utf-8")
        (folder / name).write_bytes(data.draw(broken_csv(good), label=name))
        run_or_refuse("import_caseload", str(folder), team=team.name, link_worker="worker")


def healthcare_csv(nhs_numbers: list[str]):
    good_row = st.tuples(
        st.sampled_from(nhs_numbers),
        st.sampled_from(HealthcareUse.Kind.values),
        st.dates().map(lambda d: d.isoformat()),
        st.integers(1, 365).map(str),
    ).map(list)
    return st.lists(good_row, min_size=1, max_size=4).map(
        lambda rs: "nhs_number,kind,date,count\n" + "".join(",".join(r) + "\n" for r in rs)
    )


@pytest.fixture
def person(worker):
    from people.tests.factories import PersonFactory

    return PersonFactory(team=worker.team)


@FUZZ
@given(data=st.data())
def test_any_healthcare_use_file_is_imported_or_refused_whole(worker, person, data):
    good = data.draw(healthcare_csv([person.nhs_number, "9434765870", "1234"]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "use.csv"
        path.write_bytes(data.draw(broken_csv(good)))
        run_or_refuse("import_healthcare_use", str(path), username="worker")


def codepoint_csv():
    row = st.tuples(
        st.sampled_from(["TN23 1AA", "NR30 5AB", "SW1A 1AA", "not a postcode"]),
        st.just("10"),
        st.integers(0, 700_000).map(str),
        st.integers(0, 1_300_000).map(str),
    ).map(list)
    return st.lists(row, min_size=1, max_size=4).map(
        lambda rs: "".join(",".join(r) + "\n" for r in rs)
    )


@FUZZ
@given(data=st.data(), onspd=st.booleans())
def test_any_postcode_file_is_imported_or_refused_whole(db, data, onspd):
    good = ONSPD.read_text(encoding="utf-8") if onspd else data.draw(codepoint_csv())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "postcodes.csv"
        path.write_bytes(data.draw(broken_csv(good)))
        run_or_refuse("import_postcodes", str(path))


@FUZZ
@given(easting=cell_values, northing=cell_values)
@example(easting="nan", northing="100000")  # the conversion never ended on these
@example(easting="inf", northing="-inf")
def test_any_code_point_grid_reference_is_imported_or_refused(db, easting, northing):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "postcodes.csv"
        path.write_text(f'"TN23 1AA",10,"{easting}","{northing}"\n'.replace("\x00", ""))
        run_or_refuse("import_postcodes", str(path))


@pytest.mark.parametrize("raw", [b"pcds,lat,long\n\xff\xfe,1,2\n", b"PK\x03\x04broken"])
def test_a_postcode_file_that_cannot_be_read_is_refused_whole(db, raw, tmp_path):
    path = tmp_path / ("postcodes.zip" if raw.startswith(b"PK") else "postcodes.csv")
    path.write_bytes(raw)
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import_postcodes", str(path), stdout=StringIO(), stderr=StringIO())


def test_a_postcode_given_twice_in_a_file_is_written_once_as_its_last_row(db, tmp_path):
    # Found by the fuzz test on PostgreSQL, which refused to update a row twice in one
    # statement (a 500 from the command); SQLite kept the last row.
    from places.models import Postcode

    path = tmp_path / "postcodes.csv"
    path.write_text('"NR30 5AB",10,651500,313300\n"NR30 5AB",10,651410,313177\n')
    out = StringIO()
    call_command("import_postcodes", str(path), stdout=out, stderr=StringIO())
    assert "imported 1 postcodes" in out.getvalue()
    first, last = grid(651500, 313300), grid(651410, 313177)
    stored = Postcode.objects.get(postcode="NR30 5AB")
    assert (stored.latitude, stored.longitude) == last != first


def grid(easting: int, northing: int) -> tuple[float, float]:
    from places.osgb import grid_to_wgs84

    lat, lon = grid_to_wgs84(easting, northing)
    return round(lat, 6), round(lon, 6)


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ("{n},outpatient,2024-01-02,3", "Line 3: the same person, kind and date as line 2."),
        ("{n},outpatient," + "x" * 200_000, "The record after line 2: not readable as CSV"),
    ],
    ids=["a row given twice", "a cell over the csv module's limit"],
)
def test_a_healthcare_use_file_the_database_would_refuse_is_refused_with_its_line(
    worker, person, tmp_path, second, message
):
    # Found by the fuzz test: both ended the command with an exception, not a message.
    path = tmp_path / "use.csv"
    first = f"{person.nhs_number},outpatient,2024-01-02,2"
    path.write_text(f"nhs_number,kind,date,count\n{first}\n{second.format(n=person.nhs_number)}\n")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_healthcare_use", str(path), username="worker", stderr=err)
    assert err.getvalue().startswith(message)
    assert not HealthcareUse.objects.exists()
