"""Read and check a caseload folder before anything is written.

Every cell is checked, then the references between files and the order of each journey's
dates; every problem is collected (never just the first) as `file.csv:line: column:
message`. What the database already holds is looked up once (`Known`): the team's people
and referrals imported before (by their refs), NHS numbers in use, and the directory's
services.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from casework.models import Case, Connection, Contact
from directory.models import Service
from outcomes.instruments import all_instruments
from outcomes.models import Timepoint
from outcomes.scoring import ScoringError, score
from people.actions import clean_person_fields
from people.models import Person
from referrals.models import Referral
from referrals.reasons import Reason, self_referral_choices
from socialrx.errors import DomainError

COLUMNS = {
    "people.csv": (
        "person_ref",
        "given_name",
        "family_name",
        "birth_date",
        "sex",
        "postcode",
        "nhs_number",
    ),
    "referrals.csv": (
        "referral_ref",
        "person_ref",
        "received_on",
        "source",
        "reasons",
        "first_contact_on",
        "discharged_on",
        "discharge_reason",
    ),
    "contacts.csv": ("referral_ref", "contact_on", "mode", "minutes"),
    "connections.csv": (
        "referral_ref",
        "service_id",
        "status",
        "proposed_on",
        "first_attended_on",
        "ended_on",
    ),
    "measures.csv": ("referral_ref", "instrument", "completed_on", "timepoint", "answers"),
}
REF_LENGTH = 64  # Person.local_identifier and Referral.local_identifier
S = Connection.Status
# Connection statuses whose journey passed a first attendance, and those that ended.
ATTENDED = frozenset({S.FIRST_ATTENDED, S.ONGOING, S.COMPLETED})
NEEDS_END = frozenset({S.COMPLETED, S.DROPPED})


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


class CaseloadProblems(Exception):
    """The folder cannot be imported; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the caseload folder.")
        self.problems = problems


@dataclass
class Row:
    file: str
    line: int
    cells: dict[str, str]
    values: dict[str, object] = field(default_factory=dict)


@dataclass
class Caseload:
    """The checked folder: rows by file, with their parsed values."""

    people: dict[str, Row]
    referrals: dict[str, Row]
    contacts: list[Row]
    connections: list[Row]
    measures: list[Row]


@dataclass
class Known:
    """What the database already holds that the checks need."""

    people: dict[str, list[Person]]
    referrals: dict[str, Referral]
    nhs_numbers: dict[str, object]
    services: dict[str, Service]

    @classmethod
    def for_team(cls, team, *, nhs_numbers, service_ids) -> Known:
        people: dict[str, list[Person]] = {}
        for person in Person.objects.filter(team=team).exclude(local_identifier=""):
            people.setdefault(person.local_identifier, []).append(person)
        referrals = {
            r.local_identifier: r
            for r in Referral.objects.filter(team=team)
            .exclude(local_identifier="")
            .select_related("person")
        }
        held = dict(
            Person.objects.filter(nhs_number__in=nhs_numbers).values_list("nhs_number", "pk")
        )
        services = {
            str(s.pk): s
            for s in Service.objects.filter(pk__in=service_ids).select_related("organization")
        }
        return cls(people, referrals, held, services)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, row: Row, column: str, message: str) -> None:
        self.problems.append(Problem(row.file, row.line, column, message))

    def text(self, row: Row, column: str, *, required: bool = False, max_length: int = 0):
        value = row.cells[column]
        if required and not value:
            self.add(row, column, "this is required")
        elif max_length and len(value) > max_length:
            self.add(row, column, f"at most {max_length} characters")
        else:
            row.values[column] = value
        return row.values.get(column)

    def date(self, row: Row, column: str, *, required: bool = False) -> dt.date | None:
        value = row.cells[column]
        if not value:
            if required:
                self.add(row, column, "this is required (a date, YYYY-MM-DD)")
            return None
        try:
            day = dt.date.fromisoformat(value)
            if len(value) != 10:
                raise ValueError
        except ValueError:
            self.add(row, column, f"{value!r} is not a date like 2024-03-31 (YYYY-MM-DD)")
            return None
        if day > timezone.localdate():
            self.add(row, column, f"{value} is in the future")
            return None
        row.values[column] = day
        return day

    def choice(self, row: Row, column: str, choices, *, required: bool = True):
        value = row.cells[column]
        if not value and not required:
            return None
        if value not in choices:
            self.add(row, column, f"{value!r} is not one of: {', '.join(choices)}")
            return None
        row.values[column] = value
        return value

    def order(self, row: Row, earlier: str, later: str, what: str) -> None:
        """`later` (a date column of `row`) must not be before `earlier` (a date or column)."""
        first = row.values.get(earlier) if isinstance(earlier, str) else earlier
        second = row.values.get(later)
        if first and second and second < first:
            self.add(row, later, f"cannot be before {what} ({first.isoformat()})")


def _decode(name: str, data: bytes) -> tuple[str | None, Problem | None]:
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(name, line, "*", "the file is not UTF-8 text")


def _rows(folder: Path, name: str, checker: _Checker) -> list[Row]:
    path = folder / name
    if not path.is_file():
        checker.problems.append(
            Problem(name, 1, "*", "the file is missing (it may hold just the header row)")
        )
        return []
    text, problem = _decode(name, path.read_bytes())
    if problem:
        checker.problems.append(problem)
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        checker.problems.append(Problem(name, reader.line_num, "*", f"not readable as CSV: {exc}"))
        return []
    # The line each record starts on: a quoted cell may run over several lines.
    starts, line = [], 1
    for record in records:
        starts.append(line)
        line += max(1, sum(cell.count("\n") for cell in record) + 1)
    header = [h.strip() for h in (records[0] if records else [])]
    expected = COLUMNS[name]
    missing = [c for c in expected if c not in header]
    unknown = [h for h in header if h not in expected]
    for column in missing:
        checker.problems.append(Problem(name, 1, column, "this column is missing"))
    for column in unknown:
        checker.problems.append(
            Problem(name, 1, column or "*", f"unknown column (expected {', '.join(expected)})")
        )
    if missing or unknown or len(set(header)) != len(header):
        if not (missing or unknown):
            checker.problems.append(Problem(name, 1, "*", "a column is named twice"))
        return []
    rows = []
    for line, cells in zip(starts[1:], records[1:], strict=True):
        if not any(c.strip() for c in cells):
            continue  # a blank line, often the last
        if len(cells) != len(header):
            checker.problems.append(
                Problem(name, line, "*", f"{len(cells)} cells; the header has {len(header)}")
            )
            continue
        rows.append(Row(name, line, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
    return rows


def _by_ref(rows: list[Row], column: str, checker: _Checker) -> dict[str, Row]:
    found: dict[str, Row] = {}
    for row in rows:
        ref = checker.text(row, column, required=True, max_length=REF_LENGTH)
        if not ref:
            continue
        if ref in found:
            checker.add(row, column, f"{ref!r} is already on line {found[ref].line}")
            continue
        found[ref] = row
    return found


def _check_person(row: Row, checker: _Checker) -> None:
    checker.date(row, "birth_date")
    for column in ("given_name", "family_name", "sex", "postcode", "nhs_number"):
        try:
            # One field at a time, so every bad cell of the row is reported.
            row.values.update(clean_person_fields({column: row.cells[column]}))
        except DomainError as exc:
            checker.add(row, column, exc.message)


def _check_referral(row: Row, people: dict[str, Row], checker: _Checker) -> None:
    person_ref = row.cells["person_ref"]
    if not person_ref:
        checker.add(row, "person_ref", "this is required")
    elif person_ref not in people:
        checker.add(row, "person_ref", f"{person_ref!r} is not a person_ref in people.csv")
    received = checker.date(row, "received_on", required=True)
    source = checker.choice(row, "source", Referral.Source.values)
    codes = [c.strip() for c in row.cells["reasons"].split(";") if c.strip()]
    own_words = dict(self_referral_choices())
    if not codes:
        checker.add(row, "reasons", "give at least one reason code")
    for code in codes:
        if code not in Reason.values:
            checker.add(row, "reasons", f"{code!r} is not a referral reason code")
        elif source == Referral.Source.SELF and code not in own_words:
            checker.add(row, "reasons", f"{code!r} is not a reason a person gives themselves")
    row.values["reasons"] = list(dict.fromkeys(codes))
    checker.date(row, "first_contact_on")
    checker.date(row, "discharged_on")
    if received:
        checker.order(row, "received_on", "first_contact_on", "received_on")
        checker.order(row, "received_on", "discharged_on", "received_on")
    checker.order(row, "first_contact_on", "discharged_on", "first_contact_on")
    reason = row.cells["discharge_reason"]
    if row.cells["discharged_on"]:
        if not reason:
            checker.add(row, "discharge_reason", "required when discharged_on is set")
        else:
            checker.choice(row, "discharge_reason", Case.DischargeReason.values)
    elif reason:
        checker.add(row, "discharge_reason", "give discharged_on too, or leave this blank")


def _referral_for(row: Row, referrals: dict[str, Row], checker: _Checker) -> Row | None:
    ref = row.cells["referral_ref"]
    if not ref:
        checker.add(row, "referral_ref", "this is required")
        return None
    if ref not in referrals:
        checker.add(row, "referral_ref", f"{ref!r} is not a referral_ref in referrals.csv")
        return None
    return referrals[ref]


def _within(row: Row, column: str, referral: Row | None, checker: _Checker, *, last: bool):
    """A step of a referral's journey is on or after the day it was received and, when
    `last`, not after its discharge."""
    if referral is None:
        return
    checker.order(row, referral.values.get("received_on"), column, "the referral's received_on")
    discharged = referral.values.get("discharged_on")
    day = row.values.get(column)
    if last and discharged and day and day > discharged:
        checker.add(row, column, f"cannot be after the referral's discharged_on ({discharged})")


def _check_contact(row: Row, referral: Row | None, checker: _Checker) -> None:
    checker.date(row, "contact_on", required=True)
    checker.choice(row, "mode", Contact.Mode.values)
    value = row.cells["minutes"]
    if not value.isdigit() or int(value) > 24 * 60:
        checker.add(row, "minutes", "a whole number of minutes from 0 to 1440")
    else:
        row.values["minutes"] = int(value)
    _within(row, "contact_on", referral, checker, last=True)
    if referral is not None:
        checker.order(
            row, referral.values.get("first_contact_on"), "contact_on", "first_contact_on"
        )


def _uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _check_connection(row: Row, referral: Row | None, known: Known, checker: _Checker) -> None:
    service_id = row.cells["service_id"]
    service = known.services.get(_uuid(service_id) or "")
    if service is None:
        checker.add(row, "service_id", f"{service_id!r} is not a service in the directory")
    else:
        row.values["service"] = service
    status = checker.choice(row, "status", S.values)
    checker.date(row, "proposed_on", required=True)
    attended = checker.date(row, "first_attended_on", required=status in ATTENDED)
    ended = checker.date(row, "ended_on", required=status in NEEDS_END)
    if status and row.cells["first_attended_on"] and status not in ATTENDED | {S.DROPPED}:
        checker.add(row, "first_attended_on", f"leave blank for a {status} connection")
    if status and row.cells["ended_on"] and status not in NEEDS_END | {S.DECLINED}:
        checker.add(row, "ended_on", f"leave blank for a {status} connection")
    checker.order(row, "proposed_on", "first_attended_on", "proposed_on")
    checker.order(row, "proposed_on", "ended_on", "proposed_on")
    checker.order(row, "first_attended_on", "ended_on", "first_attended_on")
    _within(row, "proposed_on", referral, checker, last=True)
    _within(row, "first_attended_on", referral, checker, last=True)
    # Only a connection the person took up carries on past discharge, so only its end may
    # come after the discharge (recorded as the organisation's, as the pages would).
    _within(row, "ended_on", referral, checker, last=not attended)
    if referral is not None and referral.values.get("discharged_on") and status == S.SENT:
        checker.add(
            row,
            "status",
            "a sent connection is still waiting for the organisation's answer, so the "
            "referral cannot have been discharged; give the answer (accepted or declined)",
        )
    if ended is not None and status == S.DECLINED and referral is not None:
        _within(row, "ended_on", referral, checker, last=True)


def _check_measure(row: Row, referral: Row | None, checker: _Checker) -> None:
    instruments = all_instruments()
    instrument = checker.choice(row, "instrument", sorted(instruments))
    checker.date(row, "completed_on", required=True)
    checker.choice(row, "timepoint", Timepoint.values)
    answers = row.cells["answers"].split()
    if instrument:
        try:
            score(instruments[instrument], answers)
        except ScoringError as exc:
            # Answers here are space-separated, so an unanswered question is "-".
            message = exc.message.replace("use a blank for", "use - for")
            checker.add(row, "answers", message)
        else:
            row.values["answers"] = [None if a == "-" else int(a) for a in answers]
    _within(row, "completed_on", referral, checker, last=False)


def _check_known(caseload: Caseload, known: Known, checker: _Checker) -> None:
    """What the folder says against what was imported before, and NHS numbers in use."""
    for ref, row in caseload.people.items():
        matches = known.people.get(ref, [])
        if len(matches) > 1:
            checker.add(row, "person_ref", f"{len(matches)} people in the team have this ref")
            continue
        row.values["person"] = matches[0] if matches else None
        number = row.values.get("nhs_number")
        holder = known.nhs_numbers.get(number) if number else None
        if holder is not None and (not matches or holder != matches[0].pk):
            checker.add(row, "nhs_number", "another person already has this NHS number")
    numbers: dict[str, Row] = {}
    for row in caseload.people.values():
        number = row.values.get("nhs_number")
        if number and number in numbers:
            checker.add(row, "nhs_number", f"also on line {numbers[number].line}")
        elif number:
            numbers[number] = row
    for ref, row in caseload.referrals.items():
        referral = known.referrals.get(ref)
        row.values["referral"] = referral
        if referral is not None and referral.person.local_identifier != row.cells["person_ref"]:
            checker.add(row, "person_ref", "this referral was imported before for another person")


def read_folder(folder: Path, team) -> Caseload:
    """The checked caseload in `folder` for `team`, or CaseloadProblems listing every
    problem found (in file order, then line order)."""
    checker = _Checker()
    raw = {name: _rows(folder, name, checker) for name in COLUMNS}
    people = _by_ref(raw["people.csv"], "person_ref", checker)
    for row in people.values():
        _check_person(row, checker)
    referrals = _by_ref(raw["referrals.csv"], "referral_ref", checker)
    for row in referrals.values():
        _check_referral(row, people, checker)
    service_ids = {_uuid(row.cells["service_id"]) for row in raw["connections.csv"]} - {None}
    numbers = [r.values["nhs_number"] for r in people.values() if r.values.get("nhs_number")]
    known = Known.for_team(team, nhs_numbers=numbers, service_ids=service_ids)
    for row in raw["contacts.csv"]:
        _check_contact(row, _referral_for(row, referrals, checker), checker)
    seen: dict[tuple[str, str], Row] = {}
    for row in raw["connections.csv"]:
        referral = _referral_for(row, referrals, checker)
        _check_connection(row, referral, known, checker)
        key = (row.cells["referral_ref"], row.cells["service_id"])
        if referral is not None and key in seen:
            checker.add(
                row,
                "service_id",
                f"this service is already on line {seen[key].line} for this "
                "referral (one connection per service per referral)",
            )
        seen.setdefault(key, row)
    for row in raw["measures.csv"]:
        _check_measure(row, _referral_for(row, referrals, checker), checker)
    caseload = Caseload(
        people, referrals, raw["contacts.csv"], raw["connections.csv"], raw["measures.csv"]
    )
    _check_known(caseload, known, checker)
    if checker.problems:
        order = list(COLUMNS)
        checker.problems.sort(key=lambda p: (order.index(p.file), p.line))
        raise CaseloadProblems(checker.problems)
    return caseload
