"""Writing HSDS records for the importer, in bulk and in the background.

An import of a national directory writes millions of rows (a service brings some 28
records: its organisation, locations, addresses, phones, schedules, attributes ...). The ORM
would build a model instance per row and prepare each value through each field, all in the
one Python thread that is also reading the file. Here rows go to the database as JSON text,
an array of arrays of values, thousands of rows per statement, which the database takes
apart itself:

    INSERT INTO directory_phone (...) SELECT ... FROM json_each(?)                 -- SQLite
    INSERT INTO directory_phone (...) SELECT ... FROM jsonb_array_elements(%s) AS e(v) -- PostgreSQL

A `Loader` runs those statements on a thread of its own, on the import's connection and so
inside its one transaction. Python's sqlite3 and psycopg let go of the interpreter lock while
a statement runs, so the database's half of the work (parsing, converting, inserting) runs on
the second core while the importer goes on reading; encoding a batch as JSON is the only cost
left on the importer's side.

A table that is empty when the import starts (a first import) is bulk-loaded: plain INSERTs,
with its secondary indexes (and, on PostgreSQL, its foreign keys to other HSDS tables)
dropped first and rebuilt in one pass at the end, inside the same transaction (see
`drop_for_bulk_load`). A table that already has rows gets `INSERT ... ON CONFLICT (id) DO UPDATE`,
which SQLite (3.24+) and PostgreSQL both speak. Columns socialrx adds to HSDS (visibility,
capacity, verification, ...) get their model defaults on insert and are left alone on update.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from itertools import count, repeat

import orjson
import psycopg
from django.db import connection, models
from django.utils import timezone

from directory import hsds_tables as t

# How a checked HSDS value (schema-validated JSON; CSV converted by type) is stored: as it
# is, as 32 hex digits (SQLite's UUIDs), as "" for absent text in a NOT NULL column, or as
# a whole number. Each is a small SQL expression over the value taken from the JSON.
AS_IS, UUID_HEX, BLANK, INTEGER = "as is", "uuid hex", "blank", "integer"


def _encode(values: list) -> str:
    """JSON text for the database; orjson writes it in a quarter of the json module's time.
    Values are checked finite before they get here (orjson would write NaN as null)."""
    return orjson.dumps(values).decode()


def _kind(field: models.Field) -> str:
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.UUIDField):
        # PostgreSQL's uuid type parses (and checks) the text; SQLite stores 32 hex digits.
        return AS_IS if connection.features.has_native_uuid_field else UUID_HEX
    if isinstance(target, models.FloatField):
        return AS_IS
    if isinstance(target, models.IntegerField):
        return INTEGER
    if isinstance(target, models.CharField | models.TextField):  # Email/URL are CharFields
        return AS_IS if field.null else BLANK
    raise TypeError(f"{field} has a type the HSDS importer does not write ({type(field)}).")


def _pg_type(field: models.Field, kind: str) -> str:
    """The type a JSON value is cast to on PostgreSQL before it is stored; text stays text,
    so that the column itself checks its length, as a plain INSERT does."""
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.UUIDField):
        return "uuid"
    if isinstance(target, models.FloatField):
        return "double precision"
    return "numeric" if kind == INTEGER else "text"


def _statement(
    model, table: str, given: frozenset, *, update: bool, extensions=()
) -> tuple[str, list, list]:
    """The INSERT that stores a JSON array of rows, each an array of values in the order of
    the returned column names (those of `table`'s HSDS columns and `extensions` that are in
    `given`), into `model`'s table; and the parameters that come before the JSON (defaults of
    the columns socialrx adds). Arrays, not objects: the databases take them apart faster
    (docs/benchmarks.md, Directory).

    A column not in `given` is stored as a null value would be, without being sent: most
    optional HSDS fields are empty in a whole batch (twenty of a schedule's twenty-three in
    a typical directory), and taking each apart from the JSON of every row is most of the
    database's work in a load."""
    sqlite = connection.vendor == "sqlite"
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    hsds = [name for name, _ in t.tables()[table]["fields"]]
    names = [name for name in [*hsds, *extensions] if name in given]
    fields = [by_attname[t.attname(table, name)] for name in hsds]
    fields += [by_attname[name] for name in extensions]
    expressions = []
    for name, field in zip([*hsds, *extensions], fields, strict=True):
        kind = _kind(field)
        if name not in given:
            value = "NULL"
        elif sqlite:
            value = f"json_extract(value, '$[{names.index(name)}]')"
        else:  # jsonb: its arrays are indexed, where json's would be scanned again per column
            value = f"(v->>{names.index(name)})"
        if not sqlite and (cast := _pg_type(field, kind)) != "text":
            value = f"{value}::{cast}"
        if kind == UUID_HEX:
            value = f"lower(replace({value}, '-', ''))"
        elif kind == BLANK:
            value = f"coalesce({value}, '')"
        elif kind == INTEGER:
            value = f"CAST({value} AS INTEGER)" if sqlite else f"trunc({value})::integer"
        if table == "service" and name == "status":
            value = f"coalesce(nullif({value}, ''), 'active')"  # a service without one is active
        expressions.append(value)
    columns = [f.column for f in fields]
    defaults = []
    for field in model._meta.concrete_fields:
        if field.column in columns:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = timezone.now()
        else:
            value = field.get_default()
        columns.append(field.column)
        defaults.append(field.get_db_prep_save(value, connection))
        expressions.append("?" if sqlite else f"CAST(%s AS {field.db_type(connection)})")
    quote = connection.ops.quote_name
    source = "json_each(?)" if sqlite else "jsonb_array_elements(%s::jsonb) AS e(v)"
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"SELECT {', '.join(expressions)} FROM {source} WHERE true"
    )  # "WHERE true": SQLite's grammar wants it between a SELECT and ON CONFLICT
    if update:
        changed = [quote(c) for c in columns[: len(fields)] if c != "id"]
        sql += " ON CONFLICT (id) " + (
            "DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in changed)
            if changed
            else "DO NOTHING"
        )
    return sql, defaults, names


# Order of the jobs on a Loader's queue: asks that jump the queue, then statements in the
# order given, then the end.
_URGENT, _IN_TURN, _END = 0, 1, 2


class Loader:
    """Writes batches of HSDS rows on a background thread, in the order given, on the
    import's own connection (so in its transaction). Use it as a context manager: leaving
    waits for every batch; a database error raised on the thread is raised again in the
    caller, at its next `write`, `execute`, `ask` or on leaving, and later batches are
    skipped.

    The caller must not use the connection itself until it has left; it can `ask` a query
    of its own instead, run on the loader's thread."""

    def __init__(self, empty: set) -> None:
        self.empty = empty  # models whose tables held no rows when the import began
        self._statements: dict[tuple, tuple[str, list, list]] = {}
        # Each job is (order, number, (sql, parameters, where its rows go or None)).
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        # A few batches in flight: the reader never waits for the writer unless it is ahead
        # by that much, and memory stays bounded by it. Other jobs never wait.
        self._room = threading.Semaphore(16)
        self._numbers = count()
        self._error: BaseException | None = None
        self._cursor = self._asking = None
        self._as_django_error = connection.wrap_database_errors  # the importer's connection
        self._thread = threading.Thread(target=self._run, name="hsds-loader", daemon=True)

    def __enter__(self) -> Loader:
        # Made here, on the importer's thread: `connection` is per thread in Django, and the
        # loader's thread must use the importer's connection, not one of its own.
        connection.ensure_connection()
        raw = connection.connection
        if connection.vendor == "postgresql":
            self._cursor = psycopg.Cursor(raw)  # server-side parameters: no quoting of the JSON
        else:
            self._cursor = raw.cursor()  # sqlite3's own, with its "?" parameters
        self._asking = connection.create_cursor()  # Django's, for SQL the ORM compiled
        self._thread.start()
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None and self._error is None:
            self._error = exc  # the import is failing (or interrupted): skip what is queued
        self._put(_END, None)
        self._thread.join()
        if kind is None:
            self._raise()

    def write(self, table: str, rows: list[dict], *, update: bool = False, extensions=()) -> None:
        """Store `rows` (HSDS column -> value; `extensions` names socialrx columns they carry
        too) in `table`, updating those already stored when `update` or the table had rows."""
        self._raise()
        if not rows:
            return
        model = t.MODELS[table]
        given = frozenset().union(*rows)  # the columns any of the rows has a value for
        key = (table, given, update or model not in self.empty, tuple(extensions))
        if key not in self._statements:
            self._statements[key] = _statement(
                model, table, given, update=key[2], extensions=extensions
            )
        sql, defaults, names = self._statements[key]
        # Column by column, and rows as tuples: C-level loops, half the time of a list per row.
        values = list(zip(*(map(dict.get, rows, repeat(name)) for name in names), strict=True))
        self._room.acquire()  # released once the batch is written
        self._put(_IN_TURN, (sql, [*defaults, _encode(values)], None))

    def execute(self, sql: str) -> None:
        """Run `sql` (without parameters) after the batches given so far."""
        self._raise()
        self._put(_IN_TURN, (sql, (), None))

    def ask(self, sql: str, params=(), *, urgent: bool = True) -> Future:
        """The rows `sql` (with Django's placeholders, as the ORM compiles it) returns, to
        come: run before the batches still queued, between two statements, or when
        `urgent` is false after them. A query that only reads what was stored before the
        import need not wait for the import's writes."""
        self._raise()
        answer: Future = Future()
        self._put(_URGENT if urgent else _IN_TURN, (sql, params, answer))
        return answer

    def answer(self, asked: Future) -> list:
        """The rows of a query asked for, once run; its database error raised as django.db's."""
        with self._as_django_error:
            return asked.result()

    def _put(self, order: int, job) -> None:
        self._queue.put((order, next(self._numbers), job))

    def _raise(self) -> None:
        if self._error is not None:
            with self._as_django_error:  # psycopg's or sqlite3's own, as django.db's
                raise self._error

    def _run(self) -> None:
        while (job := self._queue.get()[2]) is not None:
            sql, params, answer = job
            try:
                if answer is not None:  # asked for, and answered even after an error
                    self._asking.execute(sql, params)
                    answer.set_result(self._asking.fetchall())
                elif self._error is None:
                    self._cursor.execute(sql, params)
            except BaseException as exc:  # noqa: BLE001 - handed to the importer's thread
                if answer is None:
                    self._error = exc
                else:
                    answer.set_exception(exc)
            finally:
                if answer is None and params:  # a batch (statements have no parameters)
                    self._room.release()
                self._queue.task_done()
        self._queue.task_done()
        self._cursor.close()
        self._asking.close()


def empty_tables(models) -> set:
    """The models among `models` whose tables hold no rows."""
    found = set()
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"SELECT 1 FROM {model._meta.db_table} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is None:
                found.add(model)
    return found


def row_counts(models) -> dict:
    """How many rows each of `models`' tables holds now (in this transaction)."""
    counts = {}
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"SELECT COUNT(*) FROM {model._meta.db_table}")  # noqa: S608
            counts[model] = cursor.fetchone()[0]
    return counts


def drop_for_bulk_load(models) -> list[str]:
    """Prepare the (empty) tables of `models` to be loaded without keeping their secondary
    indexes, and on PostgreSQL their foreign keys to other HSDS tables, up to date row by
    row: drop them, and return the statements that create them again, each in one pass over
    the loaded rows, for the caller to run once the rows are in (on the Loader, after the
    last batch). This is how PostgreSQL's manual ("Populating a Database") and pg_restore
    load data; a sorted build is several times faster than millions of random inserts into
    UUID-keyed indexes, and re-adding a foreign key checks every row in one join instead of
    one trigger per row at commit.

    Call it inside the import's transaction: DDL is transactional in SQLite and PostgreSQL,
    so a failure rolls the drops back with the rows. Primary keys and unique indexes stay
    in place throughout. Other transactions wait for the tables' locks until commit."""
    with connection.cursor() as cursor:
        statements = [pair for m in models for pair in _droppable(cursor, m._meta.db_table)]
        if not statements:  # a re-import usually has none: nothing to check early or alter
            return []
        for check in _deferred_now():
            cursor.execute(check)
        for drop, _ in statements:
            cursor.execute(drop)
    return [*_deferred_now(), *(create for _, create in statements)]


def _deferred_now() -> list[str]:
    """PostgreSQL will not alter a table whose deferred foreign-key checks are still pending
    in this transaction (rows written just before, by the caller or by an upsert into a
    table that was not empty). These statements run those checks now, as commit would, and
    go on deferring."""
    if connection.vendor == "postgresql":
        return ["SET CONSTRAINTS ALL IMMEDIATE", "SET CONSTRAINTS ALL DEFERRED"]
    return []


def _droppable(cursor, db_table: str) -> list[tuple[str, str]]:
    """(DROP statement, CREATE statement) for each secondary index and foreign key, indexes
    first so they are rebuilt before the foreign keys are checked."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) "
            "ORDER BY i.relname",
            [db_table],
        )
        indexes = [(f'DROP INDEX "{name}"', sql) for name, sql in cursor.fetchall()]
        # Only keys between HSDS tables: re-adding one locks the table it references, and
        # a key to accounts (who verified a service) would hold up sign-ins meanwhile.
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' AND confrelid IN "
            "(SELECT oid FROM pg_class WHERE relname = ANY(%s)) ORDER BY conname",
            [db_table, sorted(m._meta.db_table for m in t.MODELS.values())],
        )
        keys = [
            (
                f'ALTER TABLE "{db_table}" DROP CONSTRAINT "{name}"',
                f'ALTER TABLE "{db_table}" ADD CONSTRAINT "{name}" {definition}',
            )
            for name, definition in cursor.fetchall()
        ]
        return indexes + keys
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
        "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
        [db_table],
    )
    return [(f'DROP INDEX "{name}"', sql) for name, sql in cursor.fetchall()]
