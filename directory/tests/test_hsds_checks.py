"""The importer's whole-batch checks agree with checking value by value."""

import uuid

from hypothesis import given
from hypothesis import strategies as st

from directory.hsds_import import _all_uuids, _is_uuid

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
    assert _all_uuids(values) == all(map(_is_uuid, values))


def test_the_batch_check_takes_whole_uuids_only():
    good = str(uuid.uuid4())
    assert _all_uuids([good, good.upper()])
    assert _all_uuids([])
    assert not _all_uuids([good, good[:8] + "x" + good[9:]])  # a letter where a dash goes
    assert not _all_uuids([good[:35] + "-"])
    assert not _all_uuids([good, 7])
    assert not _all_uuids(["é" * 36])
