"""Hypothesis for the importer fuzz tests: a settings profile bounded for the suite and
deterministic in CI, and strategies that break a good file in the ways real ones break.

`FUZZ` (the "importer-fuzz" profile) runs SOCIALRX_FUZZ_EXAMPLES examples per test (40 by
default; raise it for a longer hunt), derandomized and without the example database, so that
every run of the suite tries the same inputs and a failure reproduces as it was seen.
Failures are not shrunk (see `phases`).
"""

from __future__ import annotations

import copy
import csv
import io
import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

settings.register_profile(
    "importer-fuzz",
    max_examples=int(os.environ.get("SOCIALRX_FUZZ_EXAMPLES", "40")),
    derandomize=True,
    database=None,
    deadline=None,
    # No shrinking: an example can take a second (an import and two counts of every table),
    # and a failure is reported as found, with the input that caused it.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
FUZZ = settings.get_profile("importer-fuzz")

# Text with what trips parsers: separators, quotes, line ends, NUL, a byte order mark,
# formula starts, non-ASCII and astral characters, digits and dates.
awkward_text = st.text(
    alphabet=st.sampled_from(
        list(",;\"'\n\r\t\x00\ufeff=+-@ é€\U0001f600\\{}[]:") + list("0123456789-/.aAzZ")
    ),
    max_size=24,
)
cell_values = st.one_of(
    awkward_text,
    st.text(max_size=12),
    st.sampled_from(["", " ", "-1", "0", "1e400", "nan", "inf", "2024-02-30", "9999-12-31"]),
    st.integers(-(2**70), 2**70).map(str),
    st.floats().map(str),
    st.uuids().map(str),
    st.integers(1, 300).map(lambda n: "x" * n * 100),
)


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@st.composite
def broken_csv(draw, text: str) -> bytes:
    """`text` (a good CSV file) with one thing wrong, or nothing: a cell replaced, a row cut
    short or run on, a row repeated or dropped, the header changed, or raw bytes (not
    always UTF-8) put in, or the file cut off."""
    rows = _rows(text)
    kinds = ["none", "cell", "short", "long", "repeat", "drop", "header", "bytes", "cut"]
    kind = draw(st.sampled_from(kinds))
    if kind in ("cell", "short", "long", "repeat", "drop", "header") and rows:
        r = 0 if kind == "header" else draw(st.integers(0, len(rows) - 1))
        row = rows[r]
        if kind in ("cell", "header") and row:
            row[draw(st.integers(0, len(row) - 1))] = draw(cell_values)
        elif kind == "short" and row:
            del row[draw(st.integers(0, len(row) - 1))]
        elif kind == "long":
            row.append(draw(cell_values))
        elif kind == "repeat":
            rows.insert(r, list(row))
        elif kind == "drop":
            del rows[r]
    raw = _text(rows).encode("utf-8") if kind != "none" else text.encode("utf-8")
    if kind == "bytes":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    elif kind == "cut":
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | cell_values,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(awkward_text, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def broken_json(draw, value):
    """`value` (a parsed JSON document) with one value somewhere in it replaced or removed,
    or nothing changed."""
    value = copy.deepcopy(value)
    paths: list[tuple] = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, (*path, key))
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, (*path, i))

    walk(value, ())
    path = draw(st.sampled_from(paths))
    if not path:
        return draw(st.sampled_from([value, draw(json_values)]))
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    if draw(st.booleans()):
        parent[path[-1]] = draw(json_values)
    elif isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent.pop(path[-1])
    return value
