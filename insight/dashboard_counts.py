"""The dashboards' summaries, kept in step with the records (docs/insight.md#dashboard-summaries).

- `DashboardCount`: per (area, team, local day, kind, key), referrals received by source
  ("source") and by each reason they give ("reason"), cases discharged by reason
  ("discharge"), each also per month (kind + MONTHLY, day the 1st); and open cases per
  link worker ("open", today). A day period is whole months plus the days of its partial
  months at either end, so every filter is exact.
- `ContactDay`: per (case area, case team, person), one row per day with contacts, with
  the person's previous contact day in that team. People with a contact in a period
  [s, e] are the rows with s <= day <= e whose previous day is before s (or none): each
  person's first day inside the period, exactly once. `ContactMonth` sums those rows per
  (area, team, month, month of the previous day), so whole months are read from it and
  only the partial months at the ends of a period from ContactDay.

Kept by insight.signals_dashboard in the same transaction as the change: referral and
case counters by deltas (`INSERT ... ON CONFLICT DO UPDATE SET n = n + delta`, atomic per
cell, the old values read under the row's lock in pre_save), a person's ContactDay rows
recomputed from the contacts under a transaction-level advisory lock on (area, team,
person), with their ContactMonth cells moved by the difference. Writes that bypass the
models (bulk_create, QuerySet.update, raw SQL, a restore) call `rebuild()`, or
`refresh_people()` for the people they touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import CharField, Count, DateTimeField, F, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from casework.models import Case, Contact
from insight.models import ContactDay, ContactMonth, DashboardCount
from insight.months import month_start_sql
from insight.sql import postgres, quote, sort_in_memory, sql_of
from referrals.models import Referral

SOURCE, REASON, DISCHARGE = "source", "reason", "discharge"
OPEN = "open"  # open cases per link worker (key: the worker's id), today: day is NO_PREVIOUS
NO_PREVIOUS = dt.date(1, 1, 1)  # ContactMonth.previous_month of a person's first day

Cell = tuple[Any, Any, dt.date, str, str]  # (area_id, team_id, day, kind, key)
Person = tuple[Any, Any, Any]  # (area_id, team_id, person_id)


# --- What one record contributes -----------------------------------------------------------


def reason_codes(reasons: Any) -> set[str]:
    """The distinct codes a referral gives, as the dashboards match them: a JSON list of
    strings (anything else gives none). SQLite's dashboards matched codes without regard
    to case, so there they are lower-cased."""
    if not isinstance(reasons, list):
        return set()
    codes = {code for code in reasons if isinstance(code, str)}
    return codes if postgres() else {code.lower() for code in codes}


def local_day(value: Any) -> dt.date:
    """The local date of a stored time, as TruncDate gives it (a string as the model would
    parse it; a naive time as Django stores it, in the default time zone)."""
    if isinstance(value, str):
        value = DateTimeField().to_python(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return timezone.localdate(value)


def referral_cells(values: dict[str, Any] | None) -> Counter[Cell]:
    """The counters one referral adds to (its area, team and local day of receipt)."""
    if not values or values["received_at"] is None:
        return Counter()
    day = local_day(values["received_at"])
    area, team = values["area_id"], values["team_id"]
    cells = Counter({(area, team, day, SOURCE, values["source"]): 1})
    for code in reason_codes(values["reasons"]):
        cells[(area, team, day, REASON, code[:40])] += 1
    return cells


def case_cells(values: dict[str, Any] | None) -> Counter[Cell]:
    """The counters a case adds to: an open case its link worker's, a discharged case its
    local day of discharge and reason."""
    if not values:
        return Counter()
    area, team = values["area_id"], values["team_id"]
    if values["status"] == Case.Status.OPEN:
        return Counter({(area, team, NO_PREVIOUS, OPEN, str(values["link_worker_id"])): 1})
    if values["status"] != Case.Status.DISCHARGED or not values["discharged_at"]:
        return Counter()
    day = local_day(values["discharged_at"])
    return Counter({(area, team, day, DISCHARGE, values["discharge_reason"]): 1})


REFERRAL_FIELDS = ["area_id", "team_id", "received_at", "source", "reasons"]
CASE_FIELDS = [
    "area_id",
    "team_id",
    "person_id",
    "link_worker_id",
    "status",
    "discharged_at",
    "discharge_reason",
]


def values_of(instance, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def stored_values(model, pk, fields: list[str]) -> dict[str, Any] | None:
    """The row as stored, read under its lock (so two transactions changing one record
    take turns and each sees what the other wrote)."""
    if pk is None:
        return None
    with transaction.atomic():
        return model.objects.select_for_update().filter(pk=pk).values(*fields).first()


# --- Writing counters -------------------------------------------------------------------------


def _upsert(model, keys: list[str], sums: list[str], rows: list[tuple]) -> None:
    """Add each row's sums to its cell (created when missing), then drop cells left at
    zero. Cells are written in key order so that two transactions wait for each other
    rather than deadlock."""
    if not rows:
        return
    table = quote(model)
    columns = ", ".join([*keys, *sums])
    marks = ", ".join(["%s"] * (len(keys) + len(sums)))
    updates = ", ".join(f"{s} = {table}.{s} + EXCLUDED.{s}" for s in sums)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) "  # noqa: S608 (our names)
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )
    zero = " AND ".join([*(f"{k} = %s" for k in keys), *(f"{s} = 0" for s in sums)])
    rows = sorted(rows, key=lambda row: tuple(str(v) for v in row[: len(keys)]))
    with connection.cursor() as cursor:
        for row in rows:
            cursor.execute(sql, list(row))
        for row in rows:  # only a cell that went down can have reached zero
            if any(value < 0 for value in row[len(keys) :]):
                cursor.execute(f"DELETE FROM {table} WHERE {zero}", list(row[: len(keys)]))  # noqa: S608


MONTHLY = "/m"  # suffix of a kind's month cells (day = the 1st of the month)
DATED = (SOURCE, REASON, DISCHARGE)  # the kinds with month cells


def add_cells(delta: Counter[Cell]) -> None:
    """Move DashboardCount cells by `delta` (which may be negative), and their months."""
    delta = Counter(delta)
    for (area, team, day, kind, key), n in list(delta.items()):
        if kind in DATED:
            delta[(area, team, day.replace(day=1), kind + MONTHLY, key)] += n
    rows = [
        (kind, area, team, day, key, n) for (area, team, day, kind, key), n in delta.items() if n
    ]
    with transaction.atomic():
        _upsert(DashboardCount, ["kind", "area_id", "team_id", "day", "key"], ["n"], rows)


def change_cells(old: Counter[Cell], new: Counter[Cell]) -> None:
    delta = Counter(new)
    delta.subtract(old)
    if any(delta.values()):
        add_cells(delta)


# --- A person's contact days ----------------------------------------------------------------


def _lock(person: Person) -> None:
    if postgres():
        digest = hashlib.blake2b(f"contactday:{person}".encode(), digest_size=8).digest()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
            )


def _month(day: dt.date | None) -> dt.date:
    return day.replace(day=1) if day else NO_PREVIOUS


def _by_month(rows: Iterable[tuple]) -> Counter:
    out: Counter = Counter()
    for day, previous, contacts, minutes in rows:
        cell = (_month(day), _month(previous))
        out[(*cell, "days")] += 1
        out[(*cell, "contacts")] += contacts
        out[(*cell, "minutes")] += minutes
    return out


def _refresh_person(person: Person) -> None:
    area, team, person_id = person
    _lock(person)
    stored = ContactDay.objects.filter(area_id=area, team_id=team, person_id=person_id)
    old = sorted(stored.values_list("day", "previous", "contacts", "minutes"))
    days = (
        Contact.objects.filter(case__area_id=area, case__team_id=team, case__person_id=person_id)
        .values_list("happened_on")
        .annotate(n=Count("pk"), spent=Coalesce0("minutes"))
        .order_by("happened_on")
    )
    new, previous = [], None
    for day, n, spent in days:
        new.append((day, previous, n, int(spent)))
        previous = day
    if old == new:
        return
    stored.delete()
    ContactDay.objects.bulk_create(
        ContactDay(
            area_id=area,
            team_id=team,
            person_id=person_id,
            day=d,
            previous=p,
            contacts=n,
            minutes=m,
        )
        for d, p, n, m in new
    )
    delta = _by_month(new)
    delta.subtract(_by_month(old))
    cells: dict[tuple, dict[str, int]] = {}
    for (month, previous_month, column), value in delta.items():
        cells.setdefault((month, previous_month), {"days": 0, "contacts": 0, "minutes": 0})[
            column
        ] = value
    rows = [
        (area, team, month, prev, v["days"], v["contacts"], v["minutes"])
        for (month, prev), v in cells.items()
        if any(v.values())
    ]
    _upsert(
        ContactMonth,
        ["area_id", "team_id", "month", "previous_month"],
        ["days", "contacts", "minutes"],
        rows,
    )


def Coalesce0(field: str):  # noqa: N802 (reads as the SQL it makes)
    return Coalesce(Sum(field), Value(0))


def refresh_people(people: Iterable[Person]) -> None:
    """Recompute the ContactDay rows (and their ContactMonth cells) of each (area, team,
    person) from the contacts as they are now, in one transaction."""
    with transaction.atomic():
        for person in sorted(set(people), key=str):
            _refresh_person(person)


def people_of_cases(case_ids: Iterable[Any]) -> set[Person]:
    ids = [pk for pk in set(case_ids) if pk is not None]
    if not ids:
        return set()
    return set(Case.objects.filter(pk__in=ids).values_list("area_id", "team_id", "person_id"))


def people_of_person(person_id: Any) -> set[Person]:
    """Every (area, team) in which a person has cases or contact days."""
    found = set(
        Case.objects.filter(person_id=person_id).values_list("area_id", "team_id", "person_id")
    )
    found |= set(
        ContactDay.objects.filter(person_id=person_id)
        .values_list("area_id", "team_id", "person_id")
        .distinct()
    )
    return found


# --- Full rebuild -----------------------------------------------------------------------------


def _strings_join(column: str) -> tuple[str, str, str]:
    """(join, code, condition) unnesting the strings of a JSON list (as `reason_codes`)."""
    if postgres():
        return (
            "CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof("
            f"{column}) = 'array' THEN {column} ELSE '[]'::jsonb END) AS rs(v)",
            "rs.v #>> '{}'",
            "jsonb_typeof(rs.v) = 'string'",
        )
    return (
        f"JOIN json_each(CASE WHEN json_type({column}) = 'array' THEN {column} ELSE '[]' END)"
        " AS rs",
        "LOWER(rs.value)",
        "rs.type = 'text'",
    )


def rebuild() -> None:
    """Rebuild every dashboard summary from the records, in one transaction (on
    PostgreSQL the summaries are locked meanwhile: changes wait, then apply on top)."""
    tables = [quote(m) for m in (DashboardCount, ContactDay, ContactMonth)]
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres():
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
            try:
                with transaction.atomic():  # a savepoint
                    cursor.execute(f"TRUNCATE {', '.join(tables)}")
            except OperationalError:  # rows written earlier in this transaction
                for table in tables:
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608
            sort_in_memory()
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608
        counters = quote(DashboardCount)
        insert = f"INSERT INTO {counters} (area_id, team_id, day, kind, key, n) "  # noqa: S608
        rows, params = sql_of(
            Referral.objects.values(
                "area_id", "team_id", "reasons", ref=F("pk"), day_on=TruncDate("received_at")
            )
        )
        join, code, is_text = _strings_join("r.reasons")
        cursor.execute(
            f"""{insert}
            SELECT d.area_id, d.team_id, d.day_on, %s, d.code, COUNT(*) FROM (
                SELECT DISTINCT r.ref, r.area_id, r.team_id, r.day_on, SUBSTR({code}, 1, 40) AS code
                FROM ({rows}) r {join} WHERE {is_text}
            ) d GROUP BY d.area_id, d.team_id, d.day_on, d.code""",  # noqa: S608
            [REASON, *params],
        )
        by_source = Referral.objects.values(
            "area_id", "team_id", day_on=TruncDate("received_at"), code=F("source")
        )
        by_discharge = Case.objects.filter(
            status=Case.Status.DISCHARGED, discharged_at__isnull=False
        ).values(
            "area_id", "team_id", day_on=TruncDate("discharged_at"), code=F("discharge_reason")
        )
        for kind, grouped in ((SOURCE, by_source), (DISCHARGE, by_discharge)):
            sql, params = sql_of(grouped.annotate(n=Count("pk")))
            cursor.execute(
                f"{insert} SELECT s.area_id, s.team_id, s.day_on, %s, s.code, s.n FROM ({sql}) s",  # noqa: S608
                [kind, *params],
            )
        cursor.execute(
            f"""{insert}
            SELECT area_id, team_id, {month_start_sql("day")}, kind || %s, key, SUM(n)
            FROM {counters} GROUP BY area_id, team_id, {month_start_sql("day")}, kind, key""",  # noqa: S608
            [MONTHLY],
        )
        open_cases, params = sql_of(
            Case.objects.filter(status=Case.Status.OPEN)
            .values("area_id", "team_id", code=Cast("link_worker_id", CharField()))
            .annotate(n=Count("pk"))
        )
        cursor.execute(
            f"{insert} SELECT s.area_id, s.team_id, %s, %s, s.code, s.n FROM ({open_cases}) s",  # noqa: S608
            [NO_PREVIOUS, OPEN, *params],
        )
        per_day, params = sql_of(
            Contact.objects.values(
                area_key=F("case__area_id"),
                team_key=F("case__team_id"),
                person_key=F("case__person_id"),
                day_on=F("happened_on"),
            ).annotate(n=Count("pk"), spent=Coalesce0("minutes"))
        )
        cursor.execute(
            f"""INSERT INTO {quote(ContactDay)}
                (area_id, team_id, person_id, day, previous, contacts, minutes)
            SELECT d.area_key, d.team_key, d.person_key, d.day_on,
                LAG(d.day_on) OVER (
                    PARTITION BY d.area_key, d.team_key, d.person_key ORDER BY d.day_on
                ),
                d.n, d.spent
            FROM ({per_day}) d
            ORDER BY d.day_on""",  # noqa: S608 (rows in day order: the period scans read few pages)
            params,
        )
        month = month_start_sql("day")
        previous_month = f"COALESCE({month_start_sql('previous')}, %s)"
        cursor.execute(
            f"""INSERT INTO {quote(ContactMonth)}
                (area_id, team_id, month, previous_month, days, contacts, minutes)
            SELECT area_id, team_id, {month}, {previous_month}, COUNT(*), SUM(contacts),
                SUM(minutes)
            FROM {quote(ContactDay)}
            GROUP BY area_id, team_id, {month}, {previous_month}""",  # noqa: S608
            [NO_PREVIOUS, NO_PREVIOUS],
        )
