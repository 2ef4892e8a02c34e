"""Any insight table as a CSV download, with the same suppressed numbers the page shows."""

from __future__ import annotations

import csv

from django.http import HttpResponse

from insight.dashboards import Table, shown


def csv_response(table: Table, *, filename: str | None = None) -> HttpResponse:
    """The table as CSV: a header row, then its rows; "<5" where a count is small and an
    empty cell where a statistic is withheld. Cells that a spreadsheet would read as a
    formula are quoted with a leading apostrophe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename or table.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_safe(shown(cell)) for cell in row])
    return response


def _safe(text: str) -> str:
    # "<5" starts with "<", which is harmless; "=", "+", "-" and "@" start formulas. Numbers
    # (negative ones included) are written as they are.
    if text[:1] in ("=", "+", "@") or (text[:1] == "-" and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
