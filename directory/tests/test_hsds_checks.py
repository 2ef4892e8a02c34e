"""The importer's whole-batch checks agree with checking value by value, and a JSON array
read in pieces is the array read whole."""

import json
import uuid
from itertools import chain

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.hsds_import.checks import all_uuids, is_uuid
from directory.hsds_import.dataset import Dataset
from directory.hsds_import.json_reader import array_span, pieces

uuids = st.uuids().map(str)
cased = st.tuples(uuids, st.booleans()).map(lambda p: p[0].upper() if p[1] else p[0])
# One character of a UUID replaced by anything, or one added or removed.
broken = st.one_of(
    st.tuples(uuids, st.integers(0, 35), st.characters()).map(
        lambda p: p[0][: p[1]] + p[2] + p[0][p[1] + 1 :]
    ),
    st.tuples(uuids, st.integers(0, 36), st.characters()).map(
        lambda p: p[0][: p[1]] + p[2] + p[0][p[1] :]
    ),
    uuids.map(lambda u: u[:-1]),
    uuids.map(lambda u: u + "\n"),
    uuids.map(lambda u: u.replace("-", "")),
    st.text(max_size=40),
)


@given(st.lists(st.one_of(cased, broken), max_size=30))
def test_the_batch_check_agrees_with_the_value_check(values):
    assert all_uuids(values) == all(map(is_uuid, values))


def test_the_batch_check_takes_whole_uuids_only():
    good = str(uuid.uuid4())
    assert all_uuids([good, good.upper()])
    assert all_uuids([])
    assert not all_uuids([good, good[:8] + "x" + good[9:]])  # a letter where a dash goes
    assert not all_uuids([good[:35] + "-"])
    assert not all_uuids([good, 7])
    assert not all_uuids(["é" * 36])


# JSON values whose strings are full of what a cut must not fall inside.
awkward_text = st.text(alphabet=st.sampled_from('ab ,[]{}:"\\\n\u00e9\U0001f600'), max_size=12)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | awkward_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(awkward_text, inner, max_size=4),
    max_leaves=12,
)
layouts = st.sampled_from(
    [
        orjson.dumps,
        lambda v: json.dumps(v, indent=2).encode(),
        lambda v: b" \r\n" + json.dumps(v, separators=(" , ", " : ")).encode() + b"\n\t",
    ]
)


def read_in_pieces(raw: bytes, size: int, seek: int = 1 << 20) -> list:
    return list(chain.from_iterable(in_pieces(raw, size, seek)))


def in_pieces(raw: bytes, size: int, seek: int) -> list[list]:
    span = array_span(raw)
    assert span is not None
    return list(pieces(raw, *span, size, seek))


@given(st.lists(json_values, max_size=12), layouts, st.integers(0, 64))
def test_an_array_read_in_pieces_is_the_array(elements, layout, size):
    assert read_in_pieces(layout(elements), size) == orjson.loads(layout(elements))


@given(
    st.lists(json_values, min_size=1, max_size=8),
    st.integers(0, 10_000),
    st.sampled_from([b"", b",", b"[", b"]", b"{", b"}", b'"', b"\\", b" ", b"x"]),
    st.integers(0, 32),
)
def test_a_broken_array_fails_in_pieces_as_it_does_whole(elements, at, put, size):
    raw = orjson.dumps(elements)
    at = 1 + at % (len(raw) - 2)  # inside the brackets, so that it stays an array
    broken = raw[:at] + put + raw[at + 1 :]  # one byte replaced, or removed
    try:
        whole = orjson.loads(broken)
    except orjson.JSONDecodeError as exc:
        with pytest.raises(orjson.JSONDecodeError) as caught:
            read_in_pieces(broken, size)
        assert str(caught.value) == str(exc)  # the whole document's line and column
    else:
        assert read_in_pieces(broken, size) == whole


def test_an_unmatched_bracket_in_a_string_stops_the_cutting_not_the_reading():
    elements = [{"a": 1}, {"b": "[:"}, {"c": 2}, {"d": 3}]
    raw = orjson.dumps(elements)
    assert in_pieces(raw, 1, 1 << 20) == [[{"a": 1}], [{"b": "[:"}, {"c": 2}, {"d": 3}]]
    assert in_pieces(raw, 1, 4) == [[{"a": 1}], [{"b": "[:"}, {"c": 2}, {"d": 3}]]


@pytest.mark.parametrize(
    ("raw", "span"),
    [
        (b"[]", (1, 1)),
        (b" [1] \n", (2, 3)),
        (b"{}", None),
        (b"", None),
        (b"[", None),
        (b"1]", None),
    ],
)
def test_only_an_array_is_read_in_pieces(raw, span):
    assert array_span(raw) == span


@given(st.lists(st.tuples(st.sampled_from(["phone", "schedule"]), st.integers(0, 30)), max_size=60))
def test_a_records_place_and_where_it_was_seen_are_found_as_records_arrive(steps):
    # Records are found by id (indexed on demand, as far as needed) only to report them.
    data = Dataset()
    for i, (table, n) in enumerate(steps):
        record_id = str(uuid.UUID(int=n))
        data.put(table, {"id": record_id, "n": i}, f"$[{i}]")
        order = list(data.rows[table])
        assert data.position(table, record_id) == order.index(record_id)
        first = next(j for j, (t, m) in enumerate(steps) if (t, m) == (table, n))
        assert data.where_of(table, record_id) == f"$[{first}]"
