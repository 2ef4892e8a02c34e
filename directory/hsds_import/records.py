"""What an import reports, and where each record was read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class ImportFailed(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.errors)} record(s) rejected")
        self.report = report


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)  # records read, by table
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Of those, how many were new to the database and how many updated a stored one (tables
    # with none left out).
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)


# Where a record was read, for reports: a CSV row as text, or a JSON path kept as steps
# from its parent, (parent's where, key) or (parent's where, key, index), and rendered as
# text ("file.json$[0].phones[1].languages[0]") only for the few records ever reported.
# Plain tuples, not a record type: one is made per nested record read (millions in a
# national directory), and building a tuple costs a third of building a NamedTuple.
Where = str | tuple


def render(where: Where) -> str:
    steps = []
    while isinstance(where, tuple):
        steps.append(f".{where[1]}[{where[2]}]" if len(where) == 3 else f".{where[1]}")
        where = where[0]
    return where + "".join(reversed(steps))


class Link(NamedTuple):
    """How a nested record names the record it is nested in."""

    column: str
    id: str


class Seen(NamedTuple):
    """The first copy read of a shared record, and the link it was read with."""

    obj: dict
    parent: Link | None
