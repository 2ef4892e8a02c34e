"""Cells of every CSV socialrx writes, made safe to open in a spreadsheet.

A spreadsheet reads a cell starting with "=", "+", "-" or "@" (or a tab or carriage return
before one) as a formula, which can run commands or send the sheet's data elsewhere (CSV or
formula injection). As OWASP advises, such a cell is written with a single quote before it:
a spreadsheet then shows it as text, and `unquoted` gives the value back exactly (the HSDS
importer reads our own export that way).

Numbers and telephone numbers are written as they are: a value of digits, spaces and
"( ) . -" only, with one "+" or "-" before them ("+44 20 7946 0000", "-3.5"). Without a
letter or a quote it can neither call a function nor name a cell, so the worst a
spreadsheet can do with it is arithmetic; and every reader of an HSDS file would otherwise
have to strip a quote from each international telephone number.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

STARTS_A_FORMULA = frozenset("=+-@\t\r")
_NUMBER_OR_PHONE = re.compile(r"[+-]?[0-9][0-9 ().-]*")


def _starts_a_formula(text: str) -> bool:
    return text.lstrip("'")[:1] in STARTS_A_FORMULA


def spreadsheet_safe(value: Any) -> Any:
    """`value` as a CSV cell: text a spreadsheet would read as a formula with a single quote
    before it (and so text that starts with quotes before such a character, so that
    `unquoted` can tell them apart); anything else as it is."""
    if (
        isinstance(value, str)
        and _starts_a_formula(value)
        and not _NUMBER_OR_PHONE.fullmatch(value)
    ):
        return "'" + value
    return value


def unquoted(cell: str) -> str:
    """The value a cell written by `spreadsheet_safe` holds."""
    if cell[:1] == "'" and _starts_a_formula(cell):
        return cell[1:]
    return cell


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [spreadsheet_safe(cell) for cell in row]


class SafeWriter:
    """csv.writer whose rows are made spreadsheet-safe, cell by cell."""

    def __init__(self, handle, **kwargs) -> None:
        self._writer = csv.writer(handle, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
