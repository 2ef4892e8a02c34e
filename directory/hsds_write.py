"""Fast, all-database upserts of HSDS records for the importer.

An import of a national directory writes millions of rows (a service brings some 28
records: its organisation, locations, addresses, phones, schedules, attributes ...). The ORM's
bulk_create spends most of its time building model instances and preparing each value
through each field, so rows are converted here once per column kind and written with
`INSERT ... ON CONFLICT (id) DO UPDATE`, which SQLite (3.24+) and PostgreSQL both speak:
SQLite through executemany; PostgreSQL through COPY, straight into the table when none of
the incoming ids exist yet, else into a temporary table and one INSERT ... SELECT. Columns
socialrx adds to HSDS (visibility, capacity, verification, ...) get their model defaults
on insert and are left alone on update, as bulk_create did.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable

from django.db import connection, models
from django.utils import timezone

from directory import hsds_tables as t

_SQLITE_BATCH = 5_000


_CANONICAL_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def uuid_to_db() -> Callable:
    """str -> what the backend stores for a UUIDField: the text itself on PostgreSQL, 32 hex
    digits on SQLite (as Django writes them; canonical input takes a string fast path,
    anything else goes through uuid.UUID)."""
    if connection.features.has_native_uuid_field:
        return lambda v: v  # PostgreSQL's uuid type parses (and checks) the text itself
    return lambda v: (
        None if v is None else v.replace("-", "") if _CANONICAL_UUID.match(v) else uuid.UUID(v).hex
    )


def _converter(field: models.Field) -> Callable:
    target = field.target_field if field.is_relation else field
    if isinstance(target, models.UUIDField):
        return uuid_to_db()
    if isinstance(target, models.FloatField):
        return lambda v: None if v is None else float(v)
    if isinstance(target, models.IntegerField):
        return lambda v: None if v is None else int(v)
    if isinstance(target, models.CharField | models.TextField):  # Email/URL are CharFields
        if field.null:
            return lambda v: None if v is None else str(v)
        return lambda v: "" if v is None else str(v)
    return lambda v: None if v is None else field.get_db_prep_save(field.to_python(v), connection)


def _plan(model, table: str) -> tuple[list[str], list[Callable], list[str], list]:
    """(database columns of the HSDS fields, their converters, the other columns, and
    the values those get on insert)."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[t.attname(table, name)] for name, _ in t.tables()[table]["fields"]]
    columns = [f.column for f in fields]
    converters = [_converter(f) for f in fields]
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
    return columns, converters, extra, extra_values


def _service_row(row: dict) -> dict:
    """A service without a status is active (ages become ints through their converter)."""
    return row if row.get("status") else {**row, "status": "active"}


def upsert(model, table: str, rows: Iterable[dict]) -> None:
    """Insert or update (by id) HSDS rows, given as {HSDS column: value} dicts."""
    columns, converters, extra, extra_values = _plan(model, table)
    names = [name for name, _ in t.tables()[table]["fields"]]
    pairs = list(zip(names, converters, strict=True))
    fix = _service_row if table == "service" else None

    def values():
        for row in rows:
            if fix:
                row = fix(row)
            yield [convert(row.get(name)) for name, convert in pairs] + extra_values

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
        rows = list(rows)
        if _any_exist(db_table, [row["id"] for row in rows]):
            _copy_upsert(db_table, quoted, on_conflict, values())
        else:  # all new (a first import): straight in, no staging table
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {db_table} ({quoted}) FROM STDIN") as copy,
            ):
                for row in values():
                    copy.write_row(row)
    else:
        sql = (
            f"INSERT INTO {db_table} ({quoted}) VALUES ({', '.join(['%s'] * len(all_columns))}) "  # noqa: S608
            f"ON CONFLICT (id) {on_conflict}"
        )
        batch: list[list] = []
        with connection.cursor() as cursor:
            for row in values():
                batch.append(row)
                if len(batch) == _SQLITE_BATCH:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)


def _any_exist(db_table: str, ids: list[str]) -> bool:
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 50_000):
            cursor.execute(
                f"SELECT 1 FROM {db_table} WHERE id = ANY(%s::uuid[]) LIMIT 1",  # noqa: S608
                [ids[start : start + 50_000]],
            )
            if cursor.fetchone():
                return True
    return False


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
