"""The nested JSON form: a service, or an array of services, each with everything nested in
it. A large array is parsed a piece (a run of whole services) at a time."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from contextlib import suppress
from functools import cache
from typing import NamedTuple

import orjson

from directory import hsds_tables as t
from directory.hsds_import.dataset import SHARED, Dataset
from directory.hsds_import.records import Link, Seen, Where, render
from directory.hsds_import.tuning import Tuning
from directory.hsds_schema import service_errors

_POLYMORPHIC = (("attributes", "attribute", "link_id"), ("metadata", "metadata", "resource_id"))


class Shape(NamedTuple):
    """How a table's object is read."""

    columns: frozenset[str]  # read from the object itself
    # Nested arrays as (key, child table, the child's column naming the parent).
    many: tuple[tuple[str, str, str], ...]
    # Nested single objects as (key, child table, own column naming the child).
    one: tuple[tuple[str, str, str], ...]
    # Attributes and metadata, when the table carries them, as nested arrays.
    polymorphic: tuple[tuple[str, str, str], ...]


@cache
def shape(table: str) -> Shape:
    """How `table`'s object is read (see Shape).

    An object may name its single child by id alone (a taxonomy term's taxonomy_id, with no
    taxonomy_detail), so those own columns are read too; a parent in an array is implied by
    the nesting."""
    polymorphic = _POLYMORPHIC if table in t.POLYMORPHIC_PARENTS else ()
    one = tuple(t.ONE.get(table, ()))
    return Shape(
        t.scalar_column_set(table) | {own_column for _, _, own_column in one},
        tuple(t.MANY.get(table, ())),
        one,
        polymorphic,
    )


def _collect(
    data: Dataset, table: str, obj: dict, where: Where, parent: Link | None = None
) -> str | None:
    """Add `obj` and everything nested in it; `parent` links it upward."""
    if obj.__class__ is not dict:
        data.errors.append(f"{render(where)}: expected an object.")
        return None
    # Shared records (an organisation's services, a taxonomy term under every attribute
    # that uses it) arrive as identical copies: comparing the copy is one C-level walk.
    seen_here = data.seen[table]
    given_id = obj.get("id")
    seen = seen_here.get(given_id) if given_id.__class__ is str else None
    if seen is not None and seen.parent == parent and seen.obj == obj:
        return given_id
    columns, many, one, polymorphic = shape(table)
    values = {k: v for k, v in obj.items() if v is not None and k in columns}
    if parent is not None:
        values[parent[0]] = parent[1]
    record_id = data.put(table, values, where)
    if record_id is None:
        return None
    if seen is None and table in SHARED:
        seen_here[record_id] = Seen(obj, parent)
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


def _collect_many(data: Dataset, obj: dict, where: Where, many: tuple, record_id: str) -> None:
    for key, child_table, parent_column in many:
        children = obj.get(key)
        if children:
            link = Link(parent_column, record_id)
            for i, child in enumerate(children):
                _collect(data, child_table, child, (where, key, i), link)


_JSON_SPACE = b" \t\r\n"
_NOT_SPACE = re.compile(rb"[^ \t\r\n]")


def array_span(raw: bytes) -> tuple[int, int] | None:
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


def pieces(
    raw: bytes, start: int, end: int, size: int = Tuning.piece, seek: int = Tuning.seek
) -> Iterator[list]:
    """The elements of the JSON array whose elements lie in raw[start:end], a list of whole
    elements at a time. Raises orjson.JSONDecodeError, with the message for the whole of
    `raw`, if it is not valid JSON.

    A cut is tried at a comma `size` bytes or more into the rest, where brackets balance,
    and kept only if the part before it parses as an array of one or more elements on its
    own. A comma inside a string or a nested value cannot pass (the part would end in an
    open string or bracket), so the pieces are the array's elements, in order. Where no cut
    passes, the rest is parsed as one piece: if that fails, so does the whole."""
    first = start
    while start < end:
        cut = _cut(raw, start, end, size, seek)
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


def _cut(raw: bytes, start: int, end: int, size: int, seek: int) -> int:
    """A comma `size` bytes or more after `start` where brackets (counted as if no string
    held any) balance since `start`; `end` if there is none within `seek` bytes more. A string
    holding a bracket can only make this choose a later comma, or one that does not parse;
    one holding an unmatched bracket makes it give up, and the rest is parsed whole."""
    comma = raw.find(b",", start + size, end)
    if comma == -1:
        return end
    depth = _depth(raw, start, comma)
    while depth and comma < start + size + seek:
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


def read_json(raw: bytes, name: str, data: Dataset, tuning: Tuning) -> None:
    # PostgreSQL's text cannot hold NUL; JSON can only spell it escaped.
    data.may_hold_nul |= b"\\u0000" in raw
    # orjson: strict RFC 8259 JSON (no NaN, no numbers beyond a double), UTF-8 checked,
    # parsed from the bytes in under half the time of the json module from text.
    raw = raw.removeprefix(codecs.BOM_UTF8)
    before = len(data.errors)
    try:
        span = array_span(raw)
        if span is None:
            _read_service(orjson.loads(raw), f"{name}$", data)
        else:
            i = 0
            for piece in pieces(raw, *span, tuning.piece, tuning.seek):
                for service in piece:
                    _read_service(service, f"{name}$[{i}]", data)
                    i += 1
    except orjson.JSONDecodeError as exc:
        # First in the file's report; records read before the fault are reported after it.
        data.errors.insert(before, f"{name}: not valid JSON ({exc}).")


def _read_service(service, where: str, data: Dataset) -> None:
    problems = service_errors(service)
    if problems:
        data.errors.extend(f"{where}{p[1:]}" for p in problems)
    else:
        _collect(data, "service", service, where)
