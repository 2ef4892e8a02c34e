"""Any text in any cell of a caseload folder is either imported or reported as
`file.csv:line: column: message` against the row it is on; nothing else escapes."""

from __future__ import annotations

import csv
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insight.caseload import CaseloadProblems, read_folder
from insight.caseload.reading import COLUMNS

# A valid row for each file, the one a fuzzed cell is put into (on line 2 or, for the
# second row of people.csv, line 3).
VALID = {
    "people.csv": [["P1", "Ann", "Lee", "1960-01-31", "female", "TN23 1AA", ""]],
    "referrals.csv": [["R1", "P1", "2024-01-08", "clinician", "loneliness", "", "", ""]],
    "contacts.csv": [["R1", "2024-01-10", "phone", "20"]],
    "connections.csv": [],
    "measures.csv": [["R1", "ucla3", "2024-01-10", "baseline", "1 2 3"]],
}
PROBLEM = re.compile(r"^(?P<file>[a-z]+\.csv):(?P<line>\d+): (?P<column>[a-z_]+|\*): .+$")
CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "-", "2024-02-30", "2999-01-01", "0", "1441", "a;b", "1 2", "P1", "R1"]),
)
TARGETS = [(name, column) for name, columns in COLUMNS.items() if VALID[name] for column in columns]


def _write(folder: Path, rows: dict[str, list[list[str]]]) -> None:
    for name, columns in COLUMNS.items():
        with open(folder / name, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            writer.writerows(rows[name])


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(target=st.sampled_from(TARGETS), value=CELLS)
def test_any_cell_is_imported_or_reported_against_its_row(team, target, value):
    name, column = target
    rows = {k: [list(r) for r in v] for k, v in VALID.items()}
    rows[name][0][COLUMNS[name].index(column)] = value
    with tempfile.TemporaryDirectory() as tmp:
        _write(Path(tmp), rows)
        try:
            read_folder(Path(tmp), team)
        except CaseloadProblems as exc:
            problems = [PROBLEM.match(str(p)) for p in exc.problems]
            assert all(problems), exc.problems
            # The fuzzed cell is the only bad one, so every problem is about its row or a
            # row that refers to it (a ref that no longer matches), on the line it starts.
            assert {(p["file"], p["line"]) for p in problems} <= {
                (name, "2"),
                ("referrals.csv", "2"),
                ("contacts.csv", "2"),
                ("measures.csv", "2"),
            }
            assert problems


def test_the_valid_rows_import_cleanly(team):
    with tempfile.TemporaryDirectory() as tmp:
        _write(Path(tmp), VALID)
        caseload = read_folder(Path(tmp), team)
    assert list(caseload.people) == ["P1"] and list(caseload.referrals) == ["R1"]
