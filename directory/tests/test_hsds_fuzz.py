"""Fuzz the HSDS importer (manage.py import_hsds) in both forms: every input, however broken,
is imported or refused with a message per problem, and a refused one writes nothing. Run
both ways an import writes: checked whole, and streamed record by record while it is read."""

import json
import shutil
import tempfile
from contextlib import nullcontext
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import event, given
from hypothesis import strategies as st

from directory import hsds_tables as t
from directory.hsds_import import tuned
from directory.tests.hsds_data import ARRAY, CSV_OK
from tests.fuzzing import FUZZ, broken_csv, broken_json

pytestmark = pytest.mark.django_db

CSV_FILES = sorted(p.name for p in CSV_OK.glob("*.csv"))


def rows() -> dict[str, int]:
    return {table: model.objects.count() for table, model in t.MODELS.items()}


def import_or_refuse(path: Path, streamed: bool) -> None:
    """Import `path`; a refusal must give a message per problem and leave every table as it
    was. Anything else raised fails the test."""
    before = rows()
    err = StringIO()
    with tuned(flush_every=1, piece=1) if streamed else nullcontext():
        try:
            call_command("import_hsds", str(path), stdout=StringIO(), stderr=err)
        except CommandError as exc:
            assert "nothing was imported" in str(exc)
            problems = err.getvalue().splitlines()
            assert problems and all(p.strip() for p in problems)
            assert rows() == before
            event("refused")
            return
    event("imported")
    after = rows()
    assert all(after[table] >= before[table] for table in before)  # an import never deletes


@FUZZ
@given(services=broken_json(json.loads(ARRAY.read_text())), streamed=st.booleans())
def test_any_json_dataset_is_imported_or_refused_whole(services, streamed):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "services.json"
        path.write_bytes(json.dumps(services).encode())
        import_or_refuse(path, streamed)


@FUZZ
@given(raw=st.binary(max_size=64) | st.sampled_from([b"[", b"[]", b"{}", b"null", b'"x"']))
def test_any_bytes_as_a_json_file_are_imported_or_refused_whole(raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "services.json"
        path.write_bytes(raw)
        import_or_refuse(path, streamed=False)


@FUZZ
@given(data=st.data(), name=st.sampled_from(CSV_FILES), streamed=st.booleans())
def test_any_csv_dataset_is_imported_or_refused_whole(data, name, streamed):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "csv"
        shutil.copytree(CSV_OK, folder)
        good = (folder / name).read_text(encoding="utf-8-sig")
        (folder / name).write_bytes(data.draw(broken_csv(good), label=name))
        import_or_refuse(folder, streamed)
