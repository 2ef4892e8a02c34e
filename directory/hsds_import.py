"""Import an HSDS 3.0 dataset: nested JSON services, the tabular CSV form, or a zip of either.

All or nothing: every record is checked (schema, types, references) and the dataset is
written in one transaction, which is rolled back if anything is rejected. Re-import upserts
by id. Every rejected record is reported with its file and JSON path or CSV row, and the
reason. Once everything is written, in the same transaction, the import records its audit
event and tells listeners (matching) what changed: directory.actions.record_hsds_import.

A small dataset is checked whole before anything is written. A large one is written while
it is read: once a table has FLUSH_EVERY new records they go to a background `Loader`, so
the database works on one core while this thread reads on the other. Records are complete
when first seen in the usual case; one that a later copy adds to is written again at the end.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import math
import re
import tempfile
import threading
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from itertools import count, islice, repeat
from pathlib import Path

import orjson
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations

from directory import hsds_tables as t
from directory.actions import record_hsds_import
from directory.hsds_schema import service_errors
from directory.hsds_write import Loader, drop_for_bulk_load, empty_tables, row_counts

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CSV_ROW = re.compile(r"\.csv row \d+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


# References kept as given and not enforced (the official examples leave them dangling).
UUID_REFERENCES = {"parent_organization_id", "parent_id", "link_id", "resource_id"}

# New records of a table sent to the database at a time, once the dataset is that large.
FLUSH_EVERY = 20_000
# Records nested as one object that others name (an organisation, a location, a taxonomy
# term): those whose identical copies recur, under every service or attribute that names them.
SHARED = frozenset(child for nested in t.ONE.values() for _, child, _ in nested)
# Written last, whatever the size: a location carries its first address (LOCATION_ADDRESS).
HELD = frozenset({"location"})
# An import of more records than this tells listeners (matching) that any directory record
# may have changed instead of listing what it wrote: re-reading the directory is then the
# cheaper way to learn it. So does a first import (no service was stored before it).
LIST_CHANGES_UP_TO = 20_000


class ImportFailed(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.errors)} record(s) rejected")
        self.report = report


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)  # records read, by table
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Of those, how many were new to the database and how many updated a stored one (tables
    # with none left out).
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)


_ABSENT = object()

# Where a record was read, for reports: a CSV row as text, or a JSON path kept as steps
# from its parent, (parent's where, key) or (parent's where, key, index), and rendered as
# text ("file.json$[0].phones[1].languages[0]") only for the few records ever reported.
Where = str | tuple


def render(where: Where) -> str:
    steps = []
    while isinstance(where, tuple):
        steps.append(f".{where[1]}[{where[2]}]" if len(where) == 3 else f".{where[1]}")
        where = where[0]
    return where + "".join(reversed(steps))


class _Dataset:
    """Records by table and id, merged across the copies nesting produces."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, dict]] = defaultdict(dict)
        # Where each record was first seen, in the order of `rows`: appending is cheap where
        # a second dict of millions of ids was not. Found by id only to report a problem.
        self.where: dict[str, list[Where]] = defaultdict(list)
        self._positions: dict[str, dict[str, int]] = defaultdict(dict)  # built on demand
        # table -> id -> (the nested object first collected, its parent link), for SHARED
        # tables: a later copy equal to it adds nothing, so it is skipped without walking it
        # again. Other records rarely recur; keeping theirs would keep the whole parsed file
        # (a service's object holds everything nested in it): 1.2 GB more at 100,000 services.
        self.seen: dict[str, dict[str, tuple[dict, tuple | None]]] = defaultdict(dict)
        self.errors: list[str] = []
        self.warnings: list[str] = []
        # Records go to the database in the order first seen: per table, how many of the
        # first are sent, and the ids of those sent that a later copy added to. `output` is
        # None until the import writes anything.
        self.sent: dict[str, int] = defaultdict(int)
        self.amended: dict[str, set[str]] = defaultdict(set)
        self.output: _Output | None = None
        # Stops when a batch holds a value the database cannot; the final check reports it.
        self.streaming = True
        # Whether any text read may hold a NUL character (PostgreSQL's text cannot).
        self.may_hold_nul = False

    def add(self, table: str, values: dict, where: Where) -> str | None:
        return self.put(table, {k: v for k, v in values.items() if v is not None}, where)

    def put(self, table: str, values: dict, where: Where) -> str | None:
        """add() for values without None; they are stored as given, not copied."""
        record_id = values.get("id")
        if record_id.__class__ is not str:  # its form is checked with the batch's
            self.errors.append(f"{render(where)}: {table} id {record_id!r} is not a UUID.")
            return None
        rows = self.rows[table]
        current = rows.setdefault(record_id, values)
        if current is values:  # the usual case: first sight of this record
            self.where[table].append(where)
            if (len(rows) - 1) % FLUSH_EVERY == 0 and len(rows) > 1:
                self._send(table)
            return record_id
        for key, value in values.items():
            if current.get(key, _ABSENT) == value:
                continue
            if key in current:
                # Real datasets repeat a shared record with small differences (the San
                # Mateo data spells one taxonomy term "Veterans" and "veterans"): the first
                # copy wins and the difference is reported, not fatal.
                self.warnings.append(
                    f"{render(where)}: {table} {record_id} has {key}={value!r} here but "
                    f"{current[key]!r} at {render(self.where_of(table, record_id))}; "
                    "kept the first."
                )
                continue
            current[key] = value
            if self._was_sent(table, record_id):
                self.amended[table].add(record_id)  # to be written again
        return record_id

    def _was_sent(self, table: str, record_id: str) -> bool:
        # The usual case is quick: nothing sent yet, or the record is the one just added
        # (the last of a table is never sent before the next arrives; see _send).
        if not self.sent[table] or next(reversed(self.rows[table])) == record_id:
            return False
        return self.position(table, record_id) < self.sent[table]

    def position(self, table: str, record_id: str) -> int:
        """Where the record is in the order its table's records were first seen."""
        positions = self._positions[table]
        if record_id not in positions:  # indexed as far as needed: each id once in all
            rows, known = self.rows[table], len(positions)
            newer = list(islice(reversed(rows), len(rows) - known))
            positions.update(zip(reversed(newer), count(known)))
        return positions[record_id]

    def where_of(self, table: str, record_id: str) -> Where:
        return self.where[table][self.position(table, record_id)]

    def _send(self, table: str) -> None:
        """Send the table's records not sent yet, but the one just added: a record is sent
        once the next of its table arrives, by when its nested records are collected and
        linked to it."""
        if self.output is None or self.errors or table in HELD or not self.streaming:
            return
        rows = self.rows[table]
        batch = list(islice(reversed(rows.items()), 1, len(rows) - self.sent[table]))[::-1]
        if _bound_errors(self, table, batch):
            self.streaming = False  # the final check reports them, with the rest
            return
        self.output.loader().write(table, [values for _, values in batch])
        self.sent[table] += len(batch)

    def release(self) -> list:
        """Hand over the records and what is kept about them (millions of small objects),
        leaving only the report."""
        held = [self.rows, self.where, self.seen, self._positions, self.amended]
        self.rows, self.seen, self._positions = (
            defaultdict(dict),
            defaultdict(dict),
            defaultdict(dict),
        )
        self.where, self.sent, self.amended = defaultdict(list), defaultdict(int), defaultdict(set)
        return held

    def unsent(self, table: str) -> list[dict]:
        return list(islice(self.rows[table].values(), self.sent[table], None))

    def to_write(self, table: str) -> list[tuple[str, dict]]:
        """(id, values) of the records still to be written: unsent, or amended since sent."""
        rows = self.rows[table]
        unsent = islice(rows.items(), self.sent[table], None)
        return [*unsent, *((i, rows[i]) for i in sorted(self.amended[table]))]


# --- what the database can hold ----------------------------------------------------------


@cache
def _bounds(table: str) -> tuple[tuple, tuple, tuple, tuple, tuple]:
    """What `table`'s columns can hold that the HSDS schema leaves open: (column, most
    characters) for bounded text, (column, lowest, highest) for whole numbers, the columns
    of floating-point numbers, every text column (for NUL characters), and the UUID columns
    the file gives (its id, and references kept as given; links made by nesting are ids
    checked where they are given)."""
    model = t.MODELS[table]
    lengths, ranges, floats, texts, uuids = [], [], [], [], []
    for name, _ in t.tables()[table]["fields"]:
        field = model._meta.get_field(t.attname(table, name))
        if field.is_relation:
            continue
        if isinstance(field, models.UUIDField):
            uuids.append(name)
        elif isinstance(field, models.CharField | models.TextField):
            texts.append(name)
            if field.max_length:
                lengths.append((name, field.max_length))
        elif isinstance(field, models.IntegerField):
            # The same on every database (SQLite's own are wider), so that what one
            # accepts, the other does too.
            low, high = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
            ranges.append((name, low, high))
        elif isinstance(field, models.FloatField):
            floats.append(name)
    return tuple(lengths), tuple(ranges), tuple(floats), tuple(texts), tuple(uuids)


_HEX = b"0123456789abcdefABCDEF"
_DASHES = (8, 13, 18, 23)  # 8-4-4-4-12 hex digits


def _is_uuid(value) -> bool:
    return value.__class__ is str and _UUID.fullmatch(value) is not None


def _all_uuids(values: list) -> bool:
    """Whether every value is a UUID as text (8-4-4-4-12 hex digits), in a few C-level passes
    over them all: a regular expression per value cost 2 s on a national directory."""
    try:
        if not values or set(map(len, values)) != {36}:
            return not values
        joined = "".join(values).encode("ascii")
    except (TypeError, UnicodeEncodeError):  # not all text, or not all ASCII
        return False
    dashes = b"-" * len(values)
    return (
        all(joined[i::36] == dashes for i in _DASHES)
        and joined.count(b"-") == len(dashes) * len(_DASHES)
        and not joined.translate(None, _HEX + b"-")
    )


def _finite(value) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # a whole number too large for a float
        return False


def _bound_errors(data: _Dataset, table: str, items: list[tuple[str, dict]]) -> list[str]:
    """A report line for each value of `items` ((id, values) of `table`) that the schema
    allows but the database cannot hold: too long, out of range, not finite, not a UUID, or
    holding a NUL. Each column is checked in one pass over the batch, and looked at value by
    value only if that pass finds something."""
    lengths, ranges, floats, texts, uuids = _bounds(table)
    errors = []

    rows = [row for _, row in items]

    def given(column: str) -> list:
        return [v for v in map(dict.get, rows, repeat(column)) if v is not None]

    def report(column: str, wrong, reason) -> None:
        for record_id, row in items:
            value = row.get(column)
            if value is not None and wrong(value):
                where = render(data.where_of(table, record_id))
                at = f"{where} column {column}" if _CSV_ROW.search(where) else f"{where}.{column}"
                errors.append(f"{at}: {reason(value)}")

    for column, limit in lengths:
        values = given(column)
        if values and max(map(len, values)) > limit:
            report(
                column,
                lambda v, limit=limit: len(v) > limit,
                lambda v, limit=limit: f"{len(v)} characters; at most {limit} fit.",
            )
    for column, low, high in ranges:
        values = given(column)
        # Stored whole (truncated toward zero), so -0.5 is stored as 0.
        if values and not (low - 1 < min(values) and max(values) < high + 1):
            report(
                column,
                lambda v, low=low, high=high: not low - 1 < v < high + 1,
                lambda v, low=low, high=high: f"{v} is not between {low} and {high}.",
            )
    for column in floats:
        values = given(column)
        if values and not _finite(sum(values)):  # inf or nan anywhere makes the sum so
            report(column, lambda v: not _finite(v), lambda v: f"{v} is not a finite number.")
    for column in uuids:
        if not _all_uuids(given(column)):
            report(column, lambda v: not _is_uuid(v), lambda v: f"{v!r} is not a UUID.")
    if data.may_hold_nul:
        for column in texts:
            if any("\x00" in v for v in given(column)):
                report(column, lambda v: "\x00" in v, lambda v: "contains a NUL character.")
    return errors


# --- nested JSON -----------------------------------------------------------------------


_POLYMORPHIC = (("attributes", "attribute", "link_id"), ("metadata", "metadata", "resource_id"))


@cache
def _shape(table: str) -> tuple[frozenset, tuple, tuple, tuple]:
    """(columns read from the object itself; nested arrays as (key, child table, the child's
    column naming the parent); nested single objects as (key, child table, own column naming
    the child); attributes and metadata, when the table carries them, as nested arrays).

    An object may name its single child by id alone (a taxonomy term's taxonomy_id, with no
    taxonomy_detail), so those own columns are read too; a parent in an array is implied by
    the nesting."""
    polymorphic = _POLYMORPHIC if table in t.POLYMORPHIC_PARENTS else ()
    one = tuple(t.ONE.get(table, ()))
    return (
        t.scalar_column_set(table) | {own_column for _, _, own_column in one},
        tuple(t.MANY.get(table, ())),
        one,
        polymorphic,
    )


def _collect(
    data: _Dataset, table: str, obj: dict, where: Where, parent: tuple[str, str] | None = None
) -> str | None:
    """Add `obj` and everything nested in it; `parent` is (column, id) linking it upward."""
    if obj.__class__ is not dict:
        data.errors.append(f"{render(where)}: expected an object.")
        return None
    # Shared records (an organisation's services, a taxonomy term under every attribute
    # that uses it) arrive as identical copies: comparing the copy is one C-level walk.
    seen_here = data.seen[table]
    given_id = obj.get("id")
    seen = seen_here.get(given_id) if given_id.__class__ is str else None
    if seen is not None and seen[1] == parent and seen[0] == obj:
        return given_id
    columns, many, one, polymorphic = _shape(table)
    values = {k: v for k, v in obj.items() if v is not None and k in columns}
    if parent is not None:
        values[parent[0]] = parent[1]
    record_id = data.put(table, values, where)
    if record_id is None:
        return None
    if seen is None and table in SHARED:
        seen_here[record_id] = (obj, parent)
    if many:
        _collect_many(data, obj, where, many, record_id)
    if one:
        stored = data.rows[table][record_id]
        for key, child_table, own_column in one:
            child = obj.get(key)
            if child is not None:
                child_id = _collect(data, child_table, child, (where, key))
                # Usually the object names its child already (taxonomy_term_id beside
                # taxonomy_term): then there is nothing to add.
                if child_id and stored.get(own_column) != child_id:
                    data.put(table, {"id": record_id, own_column: child_id}, (where, key))
    if polymorphic:
        _collect_many(data, obj, where, polymorphic, record_id)
    return record_id


def _collect_many(data: _Dataset, obj: dict, where: Where, many: tuple, record_id: str) -> None:
    for key, child_table, parent_column in many:
        children = obj.get(key)
        if children:
            link = (parent_column, record_id)
            for i, child in enumerate(children):
                _collect(data, child_table, child, (where, key, i), link)


# A JSON array is parsed a piece (a run of whole elements) at a time, so that collecting and
# writing begin while the rest is still unparsed. Measured on 545 MB: 2.7 s in 1 MiB pieces,
# 5.8 s all at once.
PIECE = 1 << 20
SEEK = 4 << 20
_JSON_SPACE = b" \t\r\n"
_NOT_SPACE = re.compile(rb"[^ \t\r\n]")


def _array_span(raw: bytes) -> tuple[int, int] | None:
    """Where the elements of `raw` lie, if it is a JSON array: the indices just after its
    "[" and at its "]"."""
    opening = _NOT_SPACE.search(raw)  # not lstrip(): that copies the file
    last = len(raw) - 1
    while last >= 0 and raw[last] in _JSON_SPACE:
        last -= 1
    first = opening.start() if opening else len(raw)
    if first < last and raw[first : first + 1] == b"[" and raw[last : last + 1] == b"]":
        return first + 1, last
    return None


def _pieces(raw: bytes, start: int, end: int) -> Iterator[list]:
    """The elements of the JSON array whose elements lie in raw[start:end], a list of whole
    elements at a time. Raises orjson.JSONDecodeError, with the message for the whole of
    `raw`, if it is not valid JSON.

    A cut is tried at a comma PIECE bytes or more into the rest, where brackets balance,
    and kept only if the part before it parses as an array of one or more elements on its
    own. A comma inside a string or a nested value cannot pass (the part would end in an
    open string or bracket), so the pieces are the array's elements, in order. Where no cut
    passes, the rest is parsed as one piece: if that fails, so does the whole."""
    first = start
    while start < end:
        cut = _cut(raw, start, end)
        piece = None
        if cut < end:
            with suppress(orjson.JSONDecodeError):
                piece = orjson.loads(b"[" + raw[start:cut] + b"]")
        if not piece:
            cut = end
            try:
                piece = orjson.loads(b"[" + raw[start:end] + b"]")
                if not piece and start > first:  # "[1, ]": a comma before nothing
                    raise orjson.JSONDecodeError("expected a value", "", 0)
            except orjson.JSONDecodeError:
                orjson.loads(raw)  # raises with the whole document's line and column
                raise
        yield piece
        start = cut + 1


def _cut(raw: bytes, start: int, end: int) -> int:
    """A comma PIECE bytes or more after `start` where brackets (counted as if no string held
    any) balance since `start`; `end` if there is none within SEEK bytes more. A string
    holding a bracket can only make this choose a later comma, or one that does not parse;
    one holding an unmatched bracket makes it give up, and the rest is parsed whole."""
    comma = raw.find(b",", start + PIECE, end)
    if comma == -1:
        return end
    depth = _depth(raw, start, comma)
    while depth and comma < start + PIECE + SEEK:
        after = raw.find(b",", comma + 1, end)
        if after == -1:
            return end
        depth += _depth(raw, comma, after)
        comma = after
    return end if depth else comma


def _depth(raw: bytes, start: int, end: int) -> int:
    """Brackets opened less those closed in raw[start:end], strings not told apart."""
    tally = raw.count
    return (
        tally(b"{", start, end)
        + tally(b"[", start, end)
        - tally(b"}", start, end)
        - tally(b"]", start, end)
    )


def _read_json(raw: bytes, name: str, data: _Dataset) -> None:
    # PostgreSQL's text cannot hold NUL; JSON can only spell it escaped.
    data.may_hold_nul |= b"\\u0000" in raw
    # orjson: strict RFC 8259 JSON (no NaN, no numbers beyond a double), UTF-8 checked,
    # parsed from the bytes in under half the time of the json module from text.
    raw = raw.removeprefix(codecs.BOM_UTF8)
    before = len(data.errors)
    try:
        span = _array_span(raw)
        if span is None:
            _read_service(orjson.loads(raw), f"{name}$", data)
        else:
            i = 0
            for piece in _pieces(raw, *span):
                for service in piece:
                    _read_service(service, f"{name}$[{i}]", data)
                    i += 1
    except orjson.JSONDecodeError as exc:
        # First in the file's report; records read before the fault are reported after it.
        data.errors.insert(before, f"{name}: not valid JSON ({exc}).")


def _read_service(service, where: str, data: _Dataset) -> None:
    problems = service_errors(service)
    if problems:
        data.errors.extend(f"{where}{p[1:]}" for p in problems)
    else:
        _collect(data, "service", service, where)


# --- tabular CSV -------------------------------------------------------------------------


def _convert(value: str, kind: str, where: str, data: _Dataset):
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


def _read_csv_dir(folder: Path, data: _Dataset) -> None:
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


def _read_csv_rows(records: Iterator, table: str, spec: dict, data: _Dataset) -> None:
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
            if (row.get(c) or "").strip() and not _is_uuid(row[c].strip())
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


# --- checking and writing ----------------------------------------------------------------


def _check_references(data: _Dataset) -> None:
    for table, spec in t.tables().items():
        rows = data.rows.get(table)
        if not rows:
            continue
        for column, target in spec["foreign_keys"]:
            named = set(filter(None, map(dict.get, rows.values(), repeat(column))))
            missing = named - data.rows.get(target, {}).keys()
            if missing:  # UUIDs that differ only in case name the same record
                here = {record_id.lower() for record_id in data.rows.get(target, {})}
                missing = {value for value in missing if value.lower() not in here}
            if missing:  # then only rows stored before the import can be named
                missing -= _stored(t.MODELS[target], missing, data.output)
            if not missing:
                continue
            for record_id, row in rows.items():
                if row.get(column) in missing:
                    data.errors.append(
                        f"{render(data.where_of(table, record_id))}: {table}.{column} "
                        f"{row[column]} names no {target}."
                    )


def _stored(model, ids: set[str], output: _Output) -> set[str]:
    """Those of `ids` (as given, none of them this dataset's) that name a row stored before
    the import, asked in chunks the databases' limits on query parameters allow."""
    wanted = sorted(ids)
    found = set()
    pk = model._meta.pk
    for start in range(0, len(wanted), 10_000):
        chunk = wanted[start : start + 10_000]
        query = model.objects.filter(pk__in=chunk).values_list("pk", flat=True).query
        rows = output.query(*query.sql_with_params())
        stored = {str(pk.to_python(value)) for (value,) in rows}  # SQLite's hex or a UUID
        found.update(i for i in chunk if i.lower() in stored)
    return found


# SQLite's page cache while a large import writes (settings give connections 64 MiB). The
# index rebuild and key checks at the end look up rows all over the new tables; with 64 MiB
# pages go out to the write-ahead log and are read back. Measured at 100,000 services:
# 256 MiB took 1.4 s less of the database's time and about 0.6 s off the import; 1 GiB no
# more than that, for 800 MB more memory.
IMPORT_CACHE_KIB = 256 * 1024


@contextmanager
def _page_cache_of_at_least(kib: int):
    """On SQLite, a page cache of at least `kib` KiB on this connection meanwhile."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]  # KiB if negative, else pages
        cursor.execute("PRAGMA page_size")
        now = -before if before < 0 else before * cursor.fetchone()[0] // 1024
        if now < kib:
            cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        if now < kib:
            with suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(before)}")


# The first address (by id) of each location is copied onto it, for display and search.
LOCATION_ADDRESS = (("address_1", 255), ("city", 120), ("postal_code", 16))


class _Output:
    """The import's transaction and Loader, begun when the first records are written."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._loading = ExitStack()
        self._loader: Loader | None = None
        self.empty: set = set()  # models whose tables held no rows when writing began
        self.stored_before: dict = {}  # rows in the others' tables then, by model
        self.keys_unchecked = False
        self._rebuild: list[str] = []  # what drop_for_bulk_load dropped, to create again
        self._key_checks: list[tuple[str, Future]] = []  # (table, its foreign_key_check)
        self._freeing: threading.Thread | None = None

    def __enter__(self) -> _Output:
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._stack.__exit__(*exc)  # commits, or on an exception rolls everything back
        finally:
            if self._freeing is not None:
                self._freeing.join()

    def free_meanwhile(self, held: list) -> None:
        """Let go of `held` (tables' records and what is kept about them; the caller's last
        reference) on a thread of its own while the database finishes. Freeing a national
        directory's records takes seconds of interpreter time; the database's last steps
        (the last batches, rebuilding indexes, checking keys, commit) let go of the
        interpreter lock while they run. Leaving waits for it, so the memory is free when
        the import returns."""
        self._freeing = threading.Thread(
            target=_free_gradually, args=(held,), name="hsds-free", daemon=True
        )
        self._freeing.start()

    def loader(self) -> Loader:
        if self._loader is None:
            # Streamed batches reach the database in the order records are read, children
            # often before their parents. SQLite's deferred foreign keys would then make
            # every later parent row search its children's tables (whose indexes are
            # dropped for the load) for orphans it may adopt: hours at national scale. So this
            # connection leaves keys unchecked while it writes (PRAGMA foreign_keys, which
            # SQLite allows only outside a transaction), and `check_keys` checks every key
            # of the written tables in one pass before commit. Every reference has been
            # checked in Python before anything is written to stay, too.
            self.keys_unchecked = connection.disable_constraint_checking()
            if self.keys_unchecked:  # and on again once the transaction is over
                self._stack.callback(connection.enable_constraint_checking)
            self._stack.enter_context(_page_cache_of_at_least(IMPORT_CACHE_KIB))
            self._stack.enter_context(transaction.atomic())
            self.empty = empty_tables(t.MODELS.values())
            self.stored_before = row_counts(m for m in t.MODELS.values() if m not in self.empty)
            self._rebuild = drop_for_bulk_load(self.empty)
            self._stack.enter_context(self._loading)
            self._loader = self._loading.enter_context(Loader(self.empty))
        return self._loader

    @property
    def writing(self) -> bool:
        """Whether anything has been given to the database yet."""
        return self._loader is not None

    def query(self, sql: str, params) -> list[tuple]:
        """The rows of a query (as the ORM compiles it) that reads only what was stored
        before the import. While the loader writes, it runs on the loader's thread ahead of
        the statements queued there, between two of them; it need not wait for them."""
        if self._loader is None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        return self._loader.answer(self._loader.ask(sql, params))

    def finish_loading(self, tables: list[str]) -> None:
        """Once the last batch is given, queue on the loader's thread after it: checking the
        keys of `tables` if they went unchecked (see `check_keys`), rebuilding what was
        dropped for the load, and gathering fresh planner statistics for `tables`."""
        loader = self.loader()
        if self.keys_unchecked:  # each key against its parent's primary key: no index needed
            quote = connection.ops.quote_name
            for table in tables:
                check = f"PRAGMA foreign_key_check({quote(t.MODELS[table]._meta.db_table)})"
                self._key_checks.append((table, loader.ask(check, urgent=False)))
        for sql in self._rebuild:
            loader.execute(sql)
        self._rebuild = []
        # PostgreSQL would otherwise take a table it thinks empty (it was, a moment ago) and
        # scan it in full for each lookup that follows; SQLite samples (analysis_limit) so
        # this stays quick on a national directory.
        if connection.vendor == "sqlite":
            loader.execute("PRAGMA analysis_limit = 1000")
        for table in tables:
            loader.execute(f"ANALYZE {t.MODELS[table]._meta.db_table}")

    def end_loading(self) -> None:
        """Wait until the loader has done everything given to it."""
        self._loading.close()

    def check_keys(self) -> None:
        """Raise IntegrityError if the keys checked by `finish_loading` (SQLite's
        foreign_key_check: every key of a table in one pass) found any row whose parent is
        missing. Django's own check, run again on the tables at fault, names the row."""
        checks, self._key_checks = self._key_checks, []
        faulty = [t.MODELS[table]._meta.db_table for table, c in checks if self._loader.answer(c)]
        if faulty:
            connection.check_constraints(table_names=faulty)
            raise IntegrityError(f"Foreign keys of {', '.join(faulty)} name missing rows.")


def _free_gradually(held: list[dict]) -> None:
    """Free `held`, dicts by table of dicts, sets or lists, a slice at a time. Letting go of a
    table's records in one call would free millions of objects without a pause, holding the
    interpreter lock that the importer's thread needs between the database's steps."""
    while held:
        by_table = held.pop()
        while by_table:
            _, contents = by_table.popitem()
            items = list(contents.values() if isinstance(contents, dict) else contents)
            contents.clear()  # the items are still held, so this frees little
            del contents
            while items:
                del items[-5000:]


def _write_rest(data: _Dataset, output: _Output) -> None:
    """Give the loader what is not written yet, within the transaction output.loader() began,
    and after it what finishes the load (`finish_loading`)."""
    loader = output.loader()
    for table in t.WRITE_ORDER:
        if data.rows.get(table) and table not in HELD:
            loader.write(table, data.unsent(table))
            loader.write(
                table, [data.rows[table][i] for i in sorted(data.amended[table])], update=True
            )
    # With no locations stored before, every address of every location is in this dataset,
    # so the first address is known before a location is written.
    addresses_first = t.MODELS["location"] in output.empty
    if addresses_first:
        _first_addresses_onto_locations(data)
    loader.write(
        "location",
        list(data.rows.get("location", {}).values()),
        extensions=[c for c, _ in LOCATION_ADDRESS] if addresses_first else (),
    )
    output.finish_loading(_written(data))


def _written(data: _Dataset) -> list[str]:
    return [table for table in t.WRITE_ORDER if data.rows.get(table)]


def _complete(data: _Dataset, output: _Output) -> tuple[dict[str, int], dict | None]:
    """Wait for the loader and what it was given after the last batch. Returns the records
    read by table, and what was written for listeners: the ids by model label, or None for
    "any record may have changed"."""
    counts = {table: len(data.rows[table]) for table in _written(data)}
    stored_before = t.MODELS["location"] not in output.empty
    locations = list(data.rows.get("location", {})) if stored_before else []
    written = None
    if t.MODELS["service"] not in output.empty and sum(counts.values()) <= LIST_CHANGES_UP_TO:
        written = {t.MODELS[table]._meta.label: set(data.rows[table]) for table in counts}
    output.free_meanwhile(data.release())  # nothing below reads the records
    output.end_loading()
    output.check_keys()
    if locations:
        _derive_location_addresses(locations)
    return counts, written


def _created(counts: dict[str, int], output: _Output) -> dict[str, int]:
    """How many of each table's records were new: all of them in a table that was empty;
    otherwise what the table grew by (an import adds and updates rows, never deletes)."""
    now = row_counts(m for m in map(t.MODELS.get, counts) if m in output.stored_before)
    created = {}
    for table, n in counts.items():
        model = t.MODELS[table]
        created[table] = min(n, now[model] - output.stored_before[model]) if model in now else n
    return created


def _first_addresses_onto_locations(data: _Dataset) -> None:
    first: dict[str, tuple[str, dict]] = {}
    for address_id, address in data.rows.get("address", {}).items():
        key = address_id.lower()  # ids sort as the databases store them
        held = first.get(address["location_id"])
        if held is None or key < held[0]:
            first[address["location_id"]] = (key, address)
    for location_id, location in data.rows.get("location", {}).items():
        if location_id in first:
            address = first[location_id][1]
            for column, length in LOCATION_ADDRESS:
                location[column] = (address.get(column) or "")[:length]


def _derive_location_addresses(location_ids: list[str]) -> None:
    """LOCATION_ADDRESS for locations that may have addresses stored before this import."""
    from directory.models import Address, Location

    location, address = Location._meta.db_table, Address._meta.db_table
    pk = Location._meta.pk

    def first(column: str, length: int) -> str:
        return (
            f"SUBSTR((SELECT a.{column} FROM {address} a WHERE a.location_id = {location}.id "  # noqa: S608
            f"ORDER BY a.id LIMIT 1), 1, {length})"
        )

    with connection.cursor() as cursor:
        for start in range(0, len(location_ids), 500):
            chunk = [pk.get_db_prep_value(i, connection) for i in location_ids[start : start + 500]]
            cursor.execute(
                f"UPDATE {location} SET address_1 = {first('address_1', 255)}, "  # noqa: S608
                f"city = {first('city', 120)}, postal_code = {first('postal_code', 16)} "
                f"WHERE id IN ({', '.join(['%s'] * len(chunk))}) AND EXISTS "
                f"(SELECT 1 FROM {address} a WHERE a.location_id = {location}.id)",
                chunk,
            )


@contextmanager
def _without_cycle_collection():
    """An import holds millions of small dicts and lists until it ends. Python's cycle
    collector would walk them over and over while they are built (it nearly tripled JSON
    parsing at 100,000 services) and can free none of them; reference counting still frees
    everything the import lets go of."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_hsds(path: Path, *, by=None, via: str = "import_hsds") -> ImportReport:
    """Import a .json file, a folder of CSVs, or a .zip of either. Raises ImportFailed with
    the report (and writes nothing) when any record is rejected.

    In the import's transaction, once every record is written: its audit event (who: the
    user `by`, or without one `via`, naming the command or job; the file; the records
    created and updated) and the notice to listeners of what changed (matching's index and
    embeddings), by directory.actions.record_hsds_import."""
    with _without_cycle_collection():
        return _import(Path(path), _Done(source=str(path), by=by, via=via))


@dataclass(frozen=True)
class _Done:
    """Who imports what, for record_hsds_import once it is written."""

    source: str
    by: object
    via: str


def _import(path: Path, done: _Done) -> ImportReport:
    data = _Dataset()
    with _Output() as data.output:
        if path.suffix.lower() == ".zip":
            with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(path) as archive:
                archive.extractall(tmp)  # noqa: S202 - names are checked below
                root = Path(tmp)
                if any(".." in Path(n).parts or Path(n).is_absolute() for n in archive.namelist()):
                    data.errors.append(f"{path.name}: the zip contains unsafe paths.")
                else:
                    _read_tree(root, path.name, data)
                    return _finish(data, done)
        elif path.is_dir():
            _read_tree(path, path.name, data)
        elif path.exists():
            _read_json(path.read_bytes(), path.name, data)
        else:
            data.errors.append(f"{path}: no such file or folder.")
        return _finish(data, done)


def _read_tree(root: Path, label: str, data: _Dataset) -> None:
    jsons = sorted(root.glob("*.json"))
    if list(root.glob("*.csv")):
        _read_csv_dir(root, data)
    elif jsons:
        for file in jsons:
            if file.name != "datapackage.json":
                _read_json(file.read_bytes(), file.name, data)
    else:
        data.errors.append(f"{label}: no .json or .csv files at its top level.")


def _finish(data: _Dataset, done: _Done) -> ImportReport:
    """Check references and write the rest, or raise ImportFailed; leaving the caller's
    `with _Output()` then commits, or rolls back whatever was written already."""
    for table in list(data.rows):
        data.errors.extend(_bound_errors(data, table, data.to_write(table)))
    # Once writing has begun, the rest goes to the loader now, and after it the key checks
    # and index rebuilds, all done while the references are checked here (the check asks
    # the database only about rows stored before, ahead of the queue). A small dataset is
    # still checked whole first.
    streamed = data.output.writing
    if streamed and not data.errors:
        _write_rest(data, data.output)
    if not data.errors:
        _check_references(data)
    report = ImportReport(errors=data.errors, warnings=data.warnings)
    if data.errors:
        raise ImportFailed(report)
    if not streamed:
        _write_rest(data, data.output)
    report.counts, written = _complete(data, data.output)
    created = _created(report.counts, data.output)
    report.created = {table: n for table, n in created.items() if n}
    report.updated = {
        table: n - created[table] for table, n in report.counts.items() if n > created[table]
    }
    record_hsds_import(report, source=done.source, by=done.by, via=done.via, records=written)
    return report
