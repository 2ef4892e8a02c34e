"""Any insight table as a CSV download, with the same suppressed numbers the page shows."""

from __future__ import annotations

from django.http import HttpResponse

from insight.dashboards import Table, shown
from socialrx.csv_cells import SafeWriter


def csv_response(table: Table, *, filename: str | None = None) -> HttpResponse:
    """The table as CSV: a header row, then its rows; "<5" where a count is small and an
    empty cell where a statistic is withheld. Cells that a spreadsheet would read as a
    formula are quoted with a leading apostrophe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename or table.slug}.csv"'
    writer = SafeWriter(response)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([shown(cell) for cell in row])
    return response
