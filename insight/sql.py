"""SQL pieces the insight queries share, where SQLite and PostgreSQL differ: ages, a
response's score for one measure, day arithmetic, unnesting a JSON list of reason codes.
Everything else in insight's SQL is the same text on both databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import Func, IntegerField, Model, QuerySet


class AgeOn(Func):
    """Whole years from a birth date to a day (NULL when either is unknown), the rule of
    people.rules.age_on."""

    arity = 2
    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        birth, birth_params = compiler.compile(self.source_expressions[0])
        day, day_params = compiler.compile(self.source_expressions[1])
        return f"CAST(EXTRACT(YEAR FROM age({day}, {birth})) AS integer)", (
            *day_params,
            *birth_params,
        )

    def as_sql(self, compiler, connection, **extra):
        birth, birth_params = compiler.compile(self.source_expressions[0])
        day, day_params = compiler.compile(self.source_expressions[1])
        sql = (
            f"(CAST(strftime('%%Y', {day}) AS INTEGER) - CAST(strftime('%%Y', {birth}) AS INTEGER)"
            f" - (strftime('%%m-%%d', {day}) < strftime('%%m-%%d', {birth})))"
        )
        return sql, (*day_params, *birth_params, *day_params, *birth_params)


def postgres() -> bool:
    return connection.vendor == "postgresql"


SORT_MEMORY = "256MB"


def sort_in_memory() -> None:
    """PostgreSQL: more work_mem for the rest of the current transaction (grouping or
    sorting a region's rows spills to disk at the default 4 MB). Call inside a
    transaction."""
    if postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{SORT_MEMORY}'")


@contextmanager
def in_one_process() -> Iterator[None]:
    """The enclosed statements in a transaction of their own with PostgreSQL's parallel
    workers off. For a statement that groups a region's rows per person before joining
    them: PostgreSQL plans that grouping on the inner side of a parallel join, so each
    worker repeats it in full (the equity reach tables: 2.0 s in parallel, 1.7 s alone, at
    1,000,000 referrals). Nothing changes on SQLite."""
    if not postgres():
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


@contextmanager
def sorting_in_memory() -> Iterator[None]:
    """The enclosed statements in a transaction of their own (a savepoint inside another)
    with more work_mem (sort_in_memory); nothing changes on SQLite."""
    if not postgres():
        yield
        return
    with transaction.atomic():
        sort_in_memory()
        yield


def value_sql() -> str:
    """A response's number for the measure joined as `m` (columns instrument, score_key),
    or NULL: a bare number is the score itself, an object holds one number per item."""
    if postgres():
        return (
            "CASE WHEN jsonb_typeof(r.score) = 'number' THEN (r.score #>> '{}')::float8 "
            "WHEN jsonb_typeof(r.score -> m.score_key) = 'number' "
            "THEN (r.score ->> m.score_key)::float8 END"
        )
    path = "'$.\"' || m.score_key || '\"'"
    return (
        "CASE WHEN json_type(r.score) IN ('integer', 'real') THEN json_extract(r.score, '$') "
        f"WHEN json_type(r.score, {path}) IN ('integer', 'real') "
        f"THEN json_extract(r.score, {path}) END"
    )


def at_least_days_apart(later: str, earlier: str, days: int) -> str:
    if postgres():
        return f"{later} - {earlier} >= INTERVAL '{int(days) * 24} hours'"
    # Django's own (exact, microsecond) difference of two stored timestamps.
    return f"django_timestamp_diff({later}, {earlier}) >= {int(days) * 86_400_000_000}"


def reasons_join(column: str) -> tuple[str, str]:
    """(join clause, code column) unnesting a JSON list of reason codes."""
    if postgres():
        return (
            "CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof("
            f"{column}) = 'array' THEN {column} ELSE '[]'::jsonb END) AS rs(code)",
            "rs.code",
        )
    return (
        f"JOIN json_each(CASE WHEN json_type({column}) = 'array' THEN {column} ELSE '[]' END)"
        " AS rs",
        "rs.value",
    )


def shift_days(day: str, days: int) -> str:
    if postgres():
        return f"({day} + {int(days)})"
    return f"date({day}, '{int(days):+d} days')"


def sql_of(queryset: QuerySet) -> tuple[str, list]:
    """The ORM's SQL for `queryset` (its ordering dropped) and its parameters, to nest in
    a larger statement."""
    sql, params = queryset.order_by().query.sql_with_params()
    return sql, list(params)


def quote(model) -> str:
    """A model's table name, quoted for SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def rebuilt_differences(models: list[type[Model]], rebuild: Callable[[], Any]) -> list[str]:
    """Where a summary's tables differ from what `rebuild` writes from the records now: a
    line per table whose rows (ids aside) differ. Compared in the database (copies in
    temporary tables, then every distinct row with its count on each side), inside a
    transaction rolled back at the end, so nothing changes and no row reaches Python."""
    out = []
    with transaction.atomic(), connection.cursor() as cursor:
        for model in models:
            columns = _columns(model)
            cursor.execute(
                f"CREATE TEMPORARY TABLE {_kept(model)} AS "  # noqa: S608
                f"SELECT {columns} FROM {quote(model)}"
            )
        rebuild()
        for model in models:
            columns = _columns(model)
            counted = [
                f"SELECT {columns}, COUNT(*) AS n FROM {table} GROUP BY {columns}"  # noqa: S608
                for table in (quote(model), _kept(model))
            ]
            for first, second in (counted, counted[::-1]):
                cursor.execute(f"SELECT COUNT(*) FROM ({first} EXCEPT {second}) d")  # noqa: S608
                if found := cursor.fetchone()[0]:
                    out.append(f"{model._meta.db_table}: {found} rows differ")
                    break
        transaction.set_rollback(True)
    return out


def _columns(model: type[Model]) -> str:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    return ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)


def _kept(model: type[Model]) -> str:
    return connection.ops.quote_name(f"kept_{model._meta.db_table}")
