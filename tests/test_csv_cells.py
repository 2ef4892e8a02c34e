"""Every CSV socialrx writes is safe to open in a spreadsheet (socialrx.csv_cells)."""

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from insight.csv_tables import csv_response
from insight.dashboards import Table
from socialrx.csv_cells import STARTS_A_FORMULA, SafeWriter, spreadsheet_safe, unquoted

cells = st.text(alphabet=st.sampled_from("=+-@\t\r'0123456789 ().aZ,\"\n"), max_size=12)


@given(cells)
def test_a_quoted_cell_reads_back_as_the_value(value):
    assert unquoted(spreadsheet_safe(value)) == value


@given(cells)
def test_no_cell_starts_a_formula_unless_it_is_only_a_number(value):
    safe = spreadsheet_safe(value)
    if safe[:1] in STARTS_A_FORMULA:
        assert safe == value
        assert set(value[1:]) <= set("0123456789 ().-") and any(c.isdigit() for c in value)


def test_formulas_are_quoted_and_numbers_and_telephone_numbers_are_not():
    for formula in ["=1+1", "+SUM(A1)", "-cmd|' /C calc'!A0", "@SUM(1)", "\t=1", "\r=1", "-", "+"]:
        assert spreadsheet_safe(formula) == "'" + formula
    for number in ["+44 20 7946 0000", "-3.5", "07700 900123", "+1 (555) 010-0199", "42"]:
        assert spreadsheet_safe(number) == number
    assert spreadsheet_safe("'=x") == "''=x"  # so that unquoted can tell it from "=x"
    assert spreadsheet_safe("'plain") == "'plain"
    assert spreadsheet_safe(7) == 7 and spreadsheet_safe(None) is None


def test_the_safe_writer_quotes_every_cell_it_writes():
    out = io.StringIO()
    SafeWriter(out).writerows([["=a", "b"], [-1, "@c"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["'=a", "b"], ["-1", "'@c"]]


def test_an_insight_table_downloads_with_formulas_quoted():
    table = Table(slug="t", title="T", columns=["name", "n"], rows=[["=evil()", -2], ["ok", 3]])
    body = csv_response(table).content.decode()
    assert list(csv.reader(io.StringIO(body))) == [["name", "n"], ["'=evil()", "-2"], ["ok", "3"]]
