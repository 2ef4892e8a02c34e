"""Checks of values the HSDS schema allows but the database cannot hold, and of references
between records."""

from __future__ import annotations

import math
import re
from functools import cache
from itertools import repeat
from typing import TYPE_CHECKING, NamedTuple

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

from directory import hsds_tables as t
from directory.hsds_import.caps import cap
from directory.hsds_import.records import render

if TYPE_CHECKING:
    from directory.hsds_import.dataset import Dataset
    from directory.hsds_import.output import Output

_CSV_ROW = re.compile(r"\.csv row \d+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Length(NamedTuple):
    column: str
    limit: int  # most characters
    # What the field holds, when the limit is its cap by meaning (caps.py); None when it
    # is the database column's own length.
    meaning: str | None


class Range(NamedTuple):
    column: str
    low: int
    high: int


class Bounds(NamedTuple):
    """What a table's columns can hold that the HSDS schema leaves open."""

    lengths: tuple[Length, ...]  # every text column, by its cap or column length
    ranges: tuple[Range, ...]  # whole numbers
    floats: tuple[str, ...]  # floating-point numbers
    texts: tuple[str, ...]  # every text column (for NUL characters)
    # The UUID columns the file gives (its id, and references kept as given; links made by
    # nesting are ids checked where they are given).
    uuids: tuple[str, ...]


@cache
def bounds(table: str) -> Bounds:
    """What `table`'s columns can hold that the HSDS schema leaves open (see Bounds)."""
    model = t.MODELS[table]
    lengths: list[Length] = []
    ranges: list[Range] = []
    floats: list[str] = []
    texts: list[str] = []
    uuids: list[str] = []
    for name, _ in t.tables()[table]["fields"]:
        field = model._meta.get_field(t.attname(table, name))
        if field.is_relation:
            continue
        if isinstance(field, models.UUIDField):
            uuids.append(name)
        elif isinstance(field, models.CharField | models.TextField):
            texts.append(name)
            capped = cap(name)
            if field.max_length and field.max_length <= capped.limit:
                lengths.append(Length(name, field.max_length, None))
            else:
                lengths.append(Length(name, capped.limit, capped.meaning))
        elif isinstance(field, models.IntegerField):
            # The same on every database (SQLite's own are wider), so that what one
            # accepts, the other does too.
            low, high = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
            ranges.append(Range(name, low, high))
        elif isinstance(field, models.FloatField):
            floats.append(name)
    return Bounds(tuple(lengths), tuple(ranges), tuple(floats), tuple(texts), tuple(uuids))


_HEX = b"0123456789abcdefABCDEF"
_DASHES = (8, 13, 18, 23)  # 8-4-4-4-12 hex digits


def is_uuid(value) -> bool:
    return value.__class__ is str and _UUID.fullmatch(value) is not None


def all_uuids(values: list) -> bool:
    """Whether every value is a UUID as text (8-4-4-4-12 hex digits), in a few C-level passes
    over them all, not a regular expression per value (docs/benchmarks.md, Directory)."""
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


def finite(value) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # a whole number too large for a float
        return False


def _too_long(length: int, limit: int, meaning: str | None) -> str:
    if meaning is None:
        return f"{length} characters; at most {limit} fit."
    return f"{length:,} characters; {meaning} may have at most {limit:,}."


def bound_errors(data: Dataset, table: str, items: list[tuple[str, dict]]) -> list[str]:
    """A report line for each value of `items` ((id, values) of `table`) that the schema
    allows but the database cannot hold, or that is longer than its field's cap: too long,
    out of range, not finite, not a UUID, or holding a NUL. Each column is checked in one
    pass over the batch, and looked at value by value only if that pass finds something."""
    lengths, ranges, floats, texts, uuids = bounds(table)
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

    for column, limit, meaning in lengths:
        # Every text column: one C-level pass (empty and absent values are not counted).
        longest = max(map(len, filter(None, map(dict.get, rows, repeat(column)))), default=0)
        if longest > limit:
            report(
                column,
                lambda v, limit=limit: len(v) > limit,
                lambda v, limit=limit, meaning=meaning: _too_long(len(v), limit, meaning),
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
        if values and not finite(sum(values)):  # inf or nan anywhere makes the sum so
            report(column, lambda v: not finite(v), lambda v: f"{v} is not a finite number.")
    for column in uuids:
        if not all_uuids(given(column)):
            report(column, lambda v: not is_uuid(v), lambda v: f"{v!r} is not a UUID.")
    if data.may_hold_nul:
        for column in texts:
            if any("\x00" in v for v in given(column)):
                report(column, lambda v: "\x00" in v, lambda v: "contains a NUL character.")
    return errors


def check_references(data: Dataset) -> None:
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
                missing -= stored_ids(t.MODELS[target], missing, data.output)
            if not missing:
                continue
            for record_id, row in rows.items():
                if row.get(column) in missing:
                    data.errors.append(
                        f"{render(data.where_of(table, record_id))}: {table}.{column} "
                        f"{row[column]} names no {target}."
                    )


def stored_ids(model, ids: set[str], output: Output) -> set[str]:
    """Those of `ids` (as given, none of them this dataset's) that name a row stored before
    the import, asked in chunks the databases' limits on query parameters allow."""
    wanted = sorted(ids)
    found = set()
    pk = model._meta.pk
    for start in range(0, len(wanted), 10_000):
        chunk = wanted[start : start + 10_000]
        query = model.objects.filter(pk__in=chunk).values_list("pk", flat=True).query
        rows = output.query(*query.sql_with_params())
        there = {str(pk.to_python(value)) for (value,) in rows}  # SQLite's hex or a UUID
        found.update(i for i in chunk if i.lower() in there)
    return found
