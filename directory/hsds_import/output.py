"""Writing an import: its one transaction and Loader, begun when the first records are
written; what is left when the file is read; and what the import then reports."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from contextlib import ExitStack, contextmanager, suppress

from django.db import DatabaseError, IntegrityError, connection, transaction

from directory import hsds_tables as t
from directory.hsds_import.dataset import HELD, Dataset
from directory.hsds_import.tuning import Tuning
from directory.hsds_write import Loader, drop_for_bulk_load, empty_tables, row_counts
from directory.models import Address, Location


@contextmanager
def page_cache_of_at_least(kib: int):
    """On SQLite, a page cache of at least `kib` KiB on this connection meanwhile."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]  # KiB if negative, else pages
        cursor.execute("PRAGMA page_size")
        now = -before if before < 0 else before * cursor.fetchone()[0] // 1024
        if now < kib:
            cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        if now < kib:
            with suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(before)}")


# The first address (by id) of each location is copied onto it, for display and search.
LOCATION_ADDRESS = (("address_1", 255), ("city", 120), ("postal_code", 16))


class Output:
    """The import's transaction and Loader, begun when the first records are written."""

    def __init__(self, tuning: Tuning | None = None) -> None:
        self.tuning = tuning or Tuning()
        self._stack = ExitStack()
        self._loading = ExitStack()
        self._loader: Loader | None = None
        self.empty: set = set()  # models whose tables held no rows when writing began
        self.stored_before: dict = {}  # rows in the others' tables then, by model
        self.keys_unchecked = False
        self._rebuild: list[str] = []  # what drop_for_bulk_load dropped, to create again
        self._key_checks: list[tuple[str, Future]] = []  # (table, its foreign_key_check)
        self._freeing: threading.Thread | None = None

    def __enter__(self) -> Output:
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._stack.__exit__(*exc)  # commits, or on an exception rolls everything back
        finally:
            if self._freeing is not None:
                self._freeing.join()

    def free_meanwhile(self, held: list) -> None:
        """Let go of `held` (tables' records and what is kept about them; the caller's last
        reference) on a thread of its own while the database finishes. Freeing a national
        directory's records takes seconds of interpreter time; the database's last steps
        (the last batches, rebuilding indexes, checking keys, commit) let go of the
        interpreter lock while they run. Leaving waits for it, so the memory is free when
        the import returns."""
        self._freeing = threading.Thread(
            target=_free_gradually, args=(held,), name="hsds-free", daemon=True
        )
        self._freeing.start()

    def loader(self) -> Loader:
        if self._loader is None:
            # Streamed batches reach the database in the order records are read, children
            # often before their parents. SQLite's deferred foreign keys would then make
            # every later parent row search its children's tables (whose indexes are
            # dropped for the load) for orphans it may adopt: hours at national scale. So this
            # connection leaves keys unchecked while it writes (PRAGMA foreign_keys, which
            # SQLite allows only outside a transaction), and `check_keys` checks every key
            # of the written tables in one pass before commit. Every reference has been
            # checked in Python before anything is written to stay, too.
            self.keys_unchecked = connection.disable_constraint_checking()
            if self.keys_unchecked:  # and on again once the transaction is over
                self._stack.callback(connection.enable_constraint_checking)
            self._stack.enter_context(page_cache_of_at_least(self.tuning.cache_kib))
            self._stack.enter_context(transaction.atomic())
            self.empty = empty_tables(t.MODELS.values())
            self.stored_before = row_counts(m for m in t.MODELS.values() if m not in self.empty)
            self._rebuild = drop_for_bulk_load(self.empty)
            self._stack.enter_context(self._loading)
            self._loader = self._loading.enter_context(Loader(self.empty))
        return self._loader

    @property
    def writing(self) -> bool:
        """Whether anything has been given to the database yet."""
        return self._loader is not None

    def query(self, sql: str, params) -> list[tuple]:
        """The rows of a query (as the ORM compiles it) that reads only what was stored
        before the import. While the loader writes, it runs on the loader's thread ahead of
        the statements queued there, between two of them; it need not wait for them."""
        if self._loader is None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        return self._loader.answer(self._loader.ask(sql, params))

    def finish_loading(self, tables: list[str]) -> None:
        """Once the last batch is given, queue on the loader's thread after it: checking the
        keys of `tables` if they went unchecked (see `check_keys`), rebuilding what was
        dropped for the load, and gathering fresh planner statistics for `tables`."""
        loader = self.loader()
        if self.keys_unchecked:  # each key against its parent's primary key: no index needed
            quote = connection.ops.quote_name
            for table in tables:
                check = f"PRAGMA foreign_key_check({quote(t.MODELS[table]._meta.db_table)})"
                self._key_checks.append((table, loader.ask(check, urgent=False)))
        for sql in self._rebuild:
            loader.execute(sql)
        self._rebuild = []
        # PostgreSQL would otherwise take a table it thinks empty (it was, a moment ago) and
        # scan it in full for each lookup that follows; SQLite samples (analysis_limit) so
        # this stays quick on a national directory.
        if connection.vendor == "sqlite":
            loader.execute("PRAGMA analysis_limit = 1000")
        for table in tables:
            loader.execute(f"ANALYZE {t.MODELS[table]._meta.db_table}")

    def end_loading(self) -> None:
        """Wait until the loader has done everything given to it."""
        self._loading.close()

    def check_keys(self) -> None:
        """Raise IntegrityError if the keys checked by `finish_loading` (SQLite's
        foreign_key_check: every key of a table in one pass) found any row whose parent is
        missing. Django's own check, run again on the tables at fault, names the row."""
        checks, self._key_checks = self._key_checks, []
        faulty = [t.MODELS[table]._meta.db_table for table, c in checks if self._loader.answer(c)]
        if faulty:
            connection.check_constraints(table_names=faulty)
            raise IntegrityError(f"Foreign keys of {', '.join(faulty)} name missing rows.")


def _free_gradually(held: list[dict]) -> None:
    """Free `held`, dicts by table of dicts, sets or lists, a slice at a time. Letting go of a
    table's records in one call would free millions of objects without a pause, holding the
    interpreter lock that the importer's thread needs between the database's steps."""
    while held:
        by_table = held.pop()
        while by_table:
            _, contents = by_table.popitem()
            items = list(contents.values() if isinstance(contents, dict) else contents)
            contents.clear()  # the items are still held, so this frees little
            del contents
            while items:
                del items[-5000:]


def write_rest(data: Dataset, output: Output) -> None:
    """Give the loader what is not written yet, within the transaction output.loader() began,
    and after it what finishes the load (`finish_loading`)."""
    loader = output.loader()
    for table in t.WRITE_ORDER:
        if data.rows.get(table) and table not in HELD:
            loader.write(table, data.unsent(table))
            loader.write(
                table, [data.rows[table][i] for i in sorted(data.amended[table])], update=True
            )
    # With no locations stored before, every address of every location is in this dataset,
    # so the first address is known before a location is written.
    addresses_first = t.MODELS["location"] in output.empty
    if addresses_first:
        _first_addresses_onto_locations(data)
    loader.write(
        "location",
        list(data.rows.get("location", {}).values()),
        extensions=[c for c, _ in LOCATION_ADDRESS] if addresses_first else (),
    )
    output.finish_loading(_written(data))


def _written(data: Dataset) -> list[str]:
    return [table for table in t.WRITE_ORDER if data.rows.get(table)]


def complete(data: Dataset, output: Output) -> tuple[dict[str, int], dict | None]:
    """Wait for the loader and what it was given after the last batch. Returns the records
    read by table, and what was written for listeners: the ids by model label, or None for
    "any record may have changed"."""
    counts = {table: len(data.rows[table]) for table in _written(data)}
    stored_before = t.MODELS["location"] not in output.empty
    locations = list(data.rows.get("location", {})) if stored_before else []
    written = None
    few = sum(counts.values()) <= output.tuning.list_changes_up_to
    if t.MODELS["service"] not in output.empty and few:
        written = {t.MODELS[table]._meta.label: set(data.rows[table]) for table in counts}
    output.free_meanwhile(data.release())  # nothing below reads the records
    output.end_loading()
    output.check_keys()
    if locations:
        _derive_location_addresses(locations)
    return counts, written


def created_counts(counts: dict[str, int], output: Output) -> dict[str, int]:
    """How many of each table's records were new: all of them in a table that was empty;
    otherwise what the table grew by (an import adds and updates rows, never deletes)."""
    now = row_counts(m for m in map(t.MODELS.get, counts) if m in output.stored_before)
    created = {}
    for table, n in counts.items():
        model = t.MODELS[table]
        created[table] = min(n, now[model] - output.stored_before[model]) if model in now else n
    return created


def _first_addresses_onto_locations(data: Dataset) -> None:
    first: dict[str, tuple[str, dict]] = {}
    for address_id, address in data.rows.get("address", {}).items():
        key = address_id.lower()  # ids sort as the databases store them
        held = first.get(address["location_id"])
        if held is None or key < held[0]:
            first[address["location_id"]] = (key, address)
    for location_id, location in data.rows.get("location", {}).items():
        if location_id in first:
            address = first[location_id][1]
            for column, length in LOCATION_ADDRESS:
                location[column] = (address.get(column) or "")[:length]


def _derive_location_addresses(location_ids: list[str]) -> None:
    """LOCATION_ADDRESS for locations that may have addresses stored before this import."""
    location, address = Location._meta.db_table, Address._meta.db_table
    pk = Location._meta.pk

    def first(column: str, length: int) -> str:
        return (
            f"SUBSTR((SELECT a.{column} FROM {address} a WHERE a.location_id = {location}.id "  # noqa: S608
            f"ORDER BY a.id LIMIT 1), 1, {length})"
        )

    with connection.cursor() as cursor:
        for start in range(0, len(location_ids), 500):
            chunk = [pk.get_db_prep_value(i, connection) for i in location_ids[start : start + 500]]
            cursor.execute(
                f"UPDATE {location} SET address_1 = {first('address_1', 255)}, "  # noqa: S608
                f"city = {first('city', 120)}, postal_code = {first('postal_code', 16)} "
                f"WHERE id IN ({', '.join(['%s'] * len(chunk))}) AND EXISTS "
                f"(SELECT 1 FROM {address} a WHERE a.location_id = {location}.id)",
                chunk,
            )
