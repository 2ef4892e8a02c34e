"""The tabular form: a folder of CSV files, one per HSDS table, naming records by id."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from directory import hsds_tables as t
from directory.hsds_import.checks import is_uuid
from directory.hsds_import.dataset import Dataset
from socialrx.csv_cells import unquoted

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# References kept as given and not enforced (the official examples leave them dangling).
UUID_REFERENCES = {"parent_organization_id", "parent_id", "link_id", "resource_id"}


def _convert(value: str, kind: str, where: str, data: Dataset):
    if value == "":
        return None
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            data.errors.append(f"{where}: {value!r} is not a number.")
            return None
    if kind == "date" and not _DATE.match(value):
        data.errors.append(f"{where}: {value!r} is not a date (YYYY-MM-DD).")
        return None
    return value


def read_csv_dir(folder: Path, data: Dataset) -> None:
    present = {p.name for p in folder.glob("*.csv")}
    for table, spec in t.tables().items():
        name = spec["path"]
        if name not in present:
            continue
        try:
            text = (folder / name).read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            data.errors.append(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}).")
            continue
        data.may_hold_nul |= "\x00" in text
        records = _csv_records(csv.reader(io.StringIO(text, newline="")))
        try:
            _read_csv_rows(records, table, spec, data)
        except _NotCsv as exc:
            data.errors.append(f"{name}, {exc}")


class _NotCsv(Exception):
    """A CSV file the csv module cannot read past a point; the message says where."""


def _csv_records(reader) -> Iterator[tuple[int, list[str]]]:
    """(the line it starts on, its cells) for each record of a csv.reader, blank lines left
    out. A record the csv module cannot read (a field over its size limit, say) raises
    _NotCsv naming the line after which it failed."""
    ended = 0  # the last line of the last record read (a record may span lines)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _NotCsv(f"the record after line {ended}: not valid CSV ({exc}).") from None
        line, ended = ended + 1, reader.line_num
        if cells:
            yield line, cells


def _read_csv_rows(records: Iterator, table: str, spec: dict, data: Dataset) -> None:
    """Read one CSV file's records into `data`. Rows are numbered from the header's, row 1.
    A row without exactly one cell per column of the header (cut short or running on) is
    refused by its line: which value belongs to which column would be a guess."""
    header = next(records, (1, []))[1]
    unknown = set(header) - {n for n, _ in spec["fields"]}
    if unknown:
        data.errors.append(f"{spec['path']}: unknown column(s) {sorted(unknown)}.")
        return
    types = dict(spec["fields"])
    references = {c for c, _ in spec["foreign_keys"]} | UUID_REFERENCES
    for number, (line, cells) in enumerate(records, start=2):
        where = f"{spec['path']} row {number}"
        if len(cells) != len(header):
            data.errors.append(
                f"{spec['path']} line {line}: {len(cells)} cell{'s' * (len(cells) != 1)} "
                f"where the header has {len(header)} columns."
            )
            continue
        # Cells a spreadsheet would take for formulas are quoted in our export.
        cells = [unquoted(c) if c[:1] == "'" else c for c in cells]
        row = dict(zip(header, cells, strict=True))
        empty = [c for c in spec["required"] if not (row.get(c) or "").strip()]
        # A missing id or reference is an error. An empty required text column is
        # kept as "" with a warning: CSV cannot tell "" from absent, and real data
        # (and our own export of it) has organisations with empty descriptions.
        missing = [c for c in empty if c == "id" or c in references]
        if missing:
            data.errors.append(f"{where}: required column(s) {missing} are empty.")
            continue
        if empty:
            data.warnings.append(f"{where}: required column(s) {empty} are empty.")
        malformed = [
            c
            for c in references | {"id"}
            if (row.get(c) or "").strip() and not is_uuid(row[c].strip())
        ]
        if malformed:
            data.errors.append(f"{where}: {sorted(malformed)} must be UUIDs.")
            continue
        values = {
            c: _convert(v or "", types[c], f"{where} column {c}", data) for c, v in row.items()
        }
        for column in empty:
            values[column] = ""
        for column in references | {"id"}:
            if values.get(column):
                values[column] = values[column].strip()
        data.add(table, values, where)
