"""Fast, all-database upserts of HSDS records for the importer.

An import of a national directory writes millions of rows (a service brings some 28
records: its organisation, locations, addresses, phones, schedules, attributes ...). The ORM's
bulk_create spends most of its time building model instances and preparing each value
through each field, so rows are converted here once per column kind and written in bulk.

A table that is empty when the import starts (a first import) is bulk-loaded: plain INSERTs
on SQLite, COPY straight into the table on PostgreSQL, with the table's secondary indexes
(and, on PostgreSQL, its foreign keys) dropped first and rebuilt in one pass at the end,
inside the same transaction (see `bulk_load`). A table that already has rows gets
`INSERT ... ON CONFLICT (id) DO UPDATE`, which SQLite (3.24+) and PostgreSQL both speak:
SQLite through executemany; PostgreSQL through COPY into a temporary table and one
INSERT ... SELECT. Columns socialrx adds to HSDS (visibility, capacity, verification, ...)
get their model defaults on insert and are left alone on update, as bulk_create did.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, models
from django.utils import timezone

from directory import hsds_tables as t

# How a checked HSDS value (schema-validated JSON; CSV converted by type) is stored: as it
# is, or by one of a few conversions applied in upsert's inner loop. A national directory
# has millions of values, so each kind is a plain statement, not a function call per value.
AS_IS, UUID_HEX, BLANK, INTEGER, FIELD = "as is", "uuid hex", "blank", "integer", "field"


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
    return FIELD


def _plan(model, table: str, extensions=()) -> tuple[list[str], list, list[str], list]:
    """(database columns of the HSDS fields, the fields, the other columns, and the values
    those get on insert)."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    names = [t.attname(table, name) for name, _ in t.tables()[table]["fields"]]
    fields = [by_attname[name] for name in [*names, *extensions]]
    columns = [f.column for f in fields]
    extra, extra_values = [], []
    for field in model._meta.concrete_fields:
        if field.column in columns:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = timezone.now()
        else:
            value = field.get_default()
        extra.append(field.column)
        extra_values.append(field.get_db_prep_save(value, connection))
    return columns, fields, extra, extra_values


def _service_row(row: dict) -> dict:
    """A service without a status is active."""
    return row if row.get("status") else {**row, "status": "active"}


def upsert(model, table: str, rows: Iterable[dict], *, empty: bool = False, extensions=()) -> None:
    """Insert or update (by id) HSDS rows, given as {HSDS column: value} dicts. `empty` says
    the table held no rows when this transaction began: every row is then simply inserted.
    `extensions` names socialrx columns (model attributes) whose values the rows carry too."""
    columns, fields, extra, extra_values = _plan(model, table, extensions)
    names = [name for name, _ in t.tables()[table]["fields"]] + list(extensions)
    kinds = [_kind(f) for f in fields]
    uuids, blanks, integers = (
        [i for i, k in enumerate(kinds) if k == kind] for kind in (UUID_HEX, BLANK, INTEGER)
    )
    others = [(i, f) for i, (k, f) in enumerate(zip(kinds, fields, strict=True)) if k == FIELD]
    fix = _service_row if table == "service" else None

    def values():
        for row in rows:
            if fix:
                row = fix(row)
            out = list(map(row.get, names))
            for i in uuids:
                if (value := out[i]) is not None:
                    out[i] = value.replace("-", "").lower()
            for i in blanks:
                if out[i] is None:
                    out[i] = ""
            for i in integers:
                if (value := out[i]) is not None:
                    out[i] = int(value)
            for i, field in others:
                if (value := out[i]) is not None:
                    out[i] = field.get_db_prep_save(field.to_python(value), connection)
            out.extend(extra_values)
            yield out

    db_table = model._meta.db_table
    all_columns = columns + extra
    quoted = ", ".join(connection.ops.quote_name(c) for c in all_columns)
    updates = [c for c in columns if c != "id"]
    on_conflict = (
        "DO UPDATE SET "
        + ", ".join(
            f"{connection.ops.quote_name(c)} = EXCLUDED.{connection.ops.quote_name(c)}"
            for c in updates
        )
        if updates
        else "DO NOTHING"
    )
    if connection.vendor == "postgresql":
        if empty:
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {db_table} ({quoted}) FROM STDIN") as copy,
            ):
                for row in values():
                    copy.write_row(row)
        else:
            _copy_upsert(db_table, quoted, on_conflict, values())
    else:
        sql = f"INSERT INTO {db_table} ({quoted}) VALUES ({', '.join(['%s'] * len(all_columns))})"  # noqa: S608
        if not empty:
            # Only when rows may exist: SQLite checks the id index once more per row for
            # an upsert, which cost a fifth of a first import.
            sql += f" ON CONFLICT (id) {on_conflict}"
        with connection.cursor() as cursor:
            cursor.executemany(sql, values())  # sqlite3 pulls the rows as it binds them


def empty_tables(models) -> set:
    """The models among `models` whose tables hold no rows."""
    found = set()
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"SELECT 1 FROM {model._meta.db_table} LIMIT 1")  # noqa: S608
            if cursor.fetchone() is None:
                found.add(model)
    return found


@contextmanager
def bulk_load(models) -> Iterator[None]:
    """Load the (empty) tables of `models` without keeping their secondary indexes, and on
    PostgreSQL their foreign keys to other HSDS tables, up to date row by row: they are
    dropped here and created again on the way out, each in one pass over the loaded rows.
    This is how PostgreSQL's manual ("Populating a Database") and pg_restore load data; a
    sorted build is several times faster than millions of random inserts into UUID-keyed
    indexes, and re-adding a foreign key checks every row in one join instead of one
    trigger per row at commit.

    Call it inside the import's transaction: DDL is transactional in SQLite and PostgreSQL,
    so a failure rolls the drops back with the rows. Primary keys and unique indexes stay
    in place throughout. Other transactions wait for the tables' locks until commit."""
    with connection.cursor() as cursor:
        statements = [pair for m in models for pair in _droppable(cursor, m._meta.db_table)]
        if statements:  # a re-import usually has none: nothing to check early or alter
            _check_deferred_now(cursor)
            for drop, _ in statements:
                cursor.execute(drop)
    yield
    if statements:
        with connection.cursor() as cursor:
            _check_deferred_now(cursor)
            for _, create in statements:
                cursor.execute(create)


def _check_deferred_now(cursor) -> None:
    """PostgreSQL will not alter a table whose deferred foreign-key checks are still pending
    in this transaction (rows written just before, by the caller or by an upsert into a
    table that was not empty). Run those checks now, as commit would, and go on deferring."""
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


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


def _copy_upsert(db_table: str, quoted: str, on_conflict: str, rows: Iterable[list]) -> None:
    staging = f"_import_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} (LIKE {db_table} INCLUDING DEFAULTS)")
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY {staging} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {db_table} ({quoted}) SELECT {quoted} FROM {staging} "  # noqa: S608
            f"ON CONFLICT (id) {on_conflict}"
        )
        cursor.execute(f"DROP TABLE {staging}")
