"""The records an import has read: by table and id, merged across the copies nesting
produces, and sent to the database in batches once a table is large."""

from __future__ import annotations

from collections import defaultdict
from itertools import count, islice
from typing import TYPE_CHECKING

from directory import hsds_tables as t
from directory.hsds_import.checks import bound_errors
from directory.hsds_import.records import Seen, Where, render

if TYPE_CHECKING:
    from directory.hsds_import.output import Output

# Records nested as one object that others name (an organisation, a location, a taxonomy
# term): those whose identical copies recur, under every service or attribute that names them.
SHARED = frozenset(child for nested in t.ONE.values() for _, child, _ in nested)
# Written last, whatever the size: a location carries its first address (LOCATION_ADDRESS).
HELD = frozenset({"location"})

_ABSENT = object()


class Dataset:
    """Records by table and id, merged across the copies nesting produces."""

    def __init__(self, flush_every: int = 20_000) -> None:
        self.flush_every = flush_every
        self.rows: dict[str, dict[str, dict]] = defaultdict(dict)
        # Where each record was first seen, in the order of `rows`: appending is cheap where
        # a second dict of millions of ids was not. Found by id only to report a problem.
        self.where: dict[str, list[Where]] = defaultdict(list)
        self._positions: dict[str, dict[str, int]] = defaultdict(dict)  # built on demand
        # table -> id -> (the nested object first collected, its parent link), for SHARED
        # tables: a later copy equal to it adds nothing, so it is skipped without walking it
        # again. Other records rarely recur; keeping theirs would keep the whole parsed file
        # (a service's object holds everything nested in it; docs/benchmarks.md, Directory).
        self.seen: dict[str, dict[str, Seen]] = defaultdict(dict)
        self.errors: list[str] = []
        self.warnings: list[str] = []
        # Records go to the database in the order first seen: per table, how many of the
        # first are sent, and the ids of those sent that a later copy added to. `output` is
        # None until the import writes anything.
        self.sent: dict[str, int] = defaultdict(int)
        self.amended: dict[str, set[str]] = defaultdict(set)
        self.output: Output | None = None
        # Stops when a batch holds a value the database cannot; the final check reports it.
        self.streaming = True
        # Whether any text read may hold a NUL character (PostgreSQL's text cannot).
        self.may_hold_nul = False

    def add(self, table: str, values: dict, where: Where) -> str | None:
        return self.put(table, {k: v for k, v in values.items() if v is not None}, where)

    def put(self, table: str, values: dict, where: Where) -> str | None:
        """add() for values without None; they are stored as given, not copied."""
        record_id = values.get("id")
        if record_id.__class__ is not str:  # its form is checked with the batch's
            self.errors.append(f"{render(where)}: {table} id {record_id!r} is not a UUID.")
            return None
        rows = self.rows[table]
        current = rows.setdefault(record_id, values)
        if current is values:  # the usual case: first sight of this record
            self.where[table].append(where)
            if (len(rows) - 1) % self.flush_every == 0 and len(rows) > 1:
                self._send(table)
            return record_id
        for key, value in values.items():
            if current.get(key, _ABSENT) == value:
                continue
            if key in current:
                # Real datasets repeat a shared record with small differences (the San
                # Mateo data spells one taxonomy term "Veterans" and "veterans"): the first
                # copy wins and the difference is reported, not fatal.
                self.warnings.append(
                    f"{render(where)}: {table} {record_id} has {key}={value!r} here but "
                    f"{current[key]!r} at {render(self.where_of(table, record_id))}; "
                    "kept the first."
                )
                continue
            current[key] = value
            if self._was_sent(table, record_id):
                self.amended[table].add(record_id)  # to be written again
        return record_id

    def _was_sent(self, table: str, record_id: str) -> bool:
        # The usual case is quick: nothing sent yet, or the record is the one just added
        # (the last of a table is never sent before the next arrives; see _send).
        if not self.sent[table] or next(reversed(self.rows[table])) == record_id:
            return False
        return self.position(table, record_id) < self.sent[table]

    def position(self, table: str, record_id: str) -> int:
        """Where the record is in the order its table's records were first seen."""
        positions = self._positions[table]
        if record_id not in positions:  # indexed as far as needed: each id once in all
            rows, known = self.rows[table], len(positions)
            newer = list(islice(reversed(rows), len(rows) - known))
            positions.update(zip(reversed(newer), count(known)))
        return positions[record_id]

    def where_of(self, table: str, record_id: str) -> Where:
        return self.where[table][self.position(table, record_id)]

    def _send(self, table: str) -> None:
        """Send the table's records not sent yet, but the one just added: a record is sent
        once the next of its table arrives, by when its nested records are collected and
        linked to it."""
        if self.output is None or self.errors or table in HELD or not self.streaming:
            return
        rows = self.rows[table]
        batch = list(islice(reversed(rows.items()), 1, len(rows) - self.sent[table]))[::-1]
        if bound_errors(self, table, batch):
            self.streaming = False  # the final check reports them, with the rest
            return
        self.output.loader().write(table, [values for _, values in batch])
        self.sent[table] += len(batch)

    def release(self) -> list:
        """Hand over the records and what is kept about them (millions of small objects),
        leaving only the report."""
        held = [self.rows, self.where, self.seen, self._positions, self.amended]
        self.rows, self.seen, self._positions = (
            defaultdict(dict),
            defaultdict(dict),
            defaultdict(dict),
        )
        self.where, self.sent, self.amended = defaultdict(list), defaultdict(int), defaultdict(set)
        return held

    def unsent(self, table: str) -> list[dict]:
        return list(islice(self.rows[table].values(), self.sent[table], None))

    def to_write(self, table: str) -> list[tuple[str, dict]]:
        """(id, values) of the records still to be written: unsent, or amended since sent."""
        rows = self.rows[table]
        unsent = islice(rows.items(), self.sent[table], None)
        return [*unsent, *((i, rows[i]) for i in sorted(self.amended[table]))]
