"""Exports: the pseudonymised research extract, and the keyed hash every export uses.

Research extract (`manage.py research_extract OUTDIR`, never a web download): one CSV file
per table plus data_dictionary.csv, for people whose latest RESEARCH consent is given and
not withdrawn. Pseudonymised as docs/insight.md "Equity and exports" describes: keyed-hash
ids (HMAC-SHA256 with settings.RESEARCH_PSEUDONYM_KEY), age bands, LSOA codes instead of
postcodes, every date of a person shifted by the same number of days (within
±DATE_SHIFT_DAYS), codes and numbers only (no names, identifiers, contact details or free
text).

The monthly time report (insight.time_report) uses the same keyed hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from audit.actions import Subject, record_event
from casework.models import Case, Connection, Contact
from insight.dashboards import AGE_BANDS
from insight.equity_change import imd_decile_of
from outcomes.models import HealthcareUse, Response
from people.models import Consent, Person
from people.rules import age_on, ethnic_group
from places.models import Postcode
from referrals.models import Referral
from socialrx.csv_cells import SafeWriter

DATE_SHIFT_DAYS = 30
KEY_LENGTH = 16  # hex characters of the HMAC kept as an id: 64 bits, no collisions in practice


class MissingPseudonymKey(ImproperlyConfigured):
    """RESEARCH_PSEUDONYM_KEY is not set; exports that pseudonymise refuse to run."""


# --- Pseudonymisation (pure, given the key) ----------------------------------------------


def pseudonym_key() -> bytes:
    key = getattr(settings, "RESEARCH_PSEUDONYM_KEY", "") or ""
    if len(key) < 32:
        raise MissingPseudonymKey(
            "RESEARCH_PSEUDONYM_KEY is not set (or is shorter than 32 characters). Set it in "
            "the environment (or RESEARCH_PSEUDONYM_KEY_FILE) to a long random secret, e.g. "
            "the output of `python -c 'import secrets; print(secrets.token_hex(32))'`, and "
            "keep it: the same key gives the same pseudonyms in every extract."
        )
    return key.encode()


def _mac(key: bytes, purpose: str, value: Any) -> bytes:
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()


def pseudonym(key: bytes, purpose: str, value: Any) -> str:
    """A stable id for `value` (a record's primary key) that cannot be reversed without the
    key. `purpose` keeps the research extract's ids apart from the time report's, so the
    two files cannot be joined by whoever holds both."""
    return _mac(key, purpose, value).hex()[:KEY_LENGTH]


def date_shift(key: bytes, person_id: Any) -> dt.timedelta:
    """The person's own shift, from -DATE_SHIFT_DAYS to +DATE_SHIFT_DAYS days: the same for
    every date of theirs (so intervals between their events are kept), different between
    people (so a date cannot be matched to a known event)."""
    n = int.from_bytes(_mac(key, "date-shift", person_id)[:8], "big")
    return dt.timedelta(days=n % (2 * DATE_SHIFT_DAYS + 1) - DATE_SHIFT_DAYS)


def age_band(birth_date: dt.date | None, on: dt.date) -> str:
    """The insight age band ("25–34", "80 and over") of someone born on `birth_date`."""
    if birth_date is None:
        return "Not known"
    age = age_on(birth_date, on)
    for low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return f"{low}–{high}" if high is not None else f"{low} and over"
    return "Not known"


# --- Research extract ---------------------------------------------------------------------


def research_consented_people() -> QuerySet[Person]:
    """Everyone whose latest RESEARCH consent decision is an agreement not withdrawn (the
    rule of people.consent.has_consent, for all people in one query)."""
    latest = Consent.objects.filter(person=OuterRef("pk"), kind=Consent.Kind.RESEARCH).order_by(
        "-recorded_at"
    )
    return (
        Person.objects.annotate(
            research_given=Subquery(latest.values("given")[:1]),
            research_withdrawn=Subquery(latest.values("withdrawn_at")[:1]),
        )
        .filter(research_given=True, research_withdrawn__isnull=True)
        .order_by("pk")
    )


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # "string", "integer", "date", "code", "json"
    description: str


_PERSON_KEY = Column("person_key", "string", "Pseudonymous person id (keyed hash).")
_CASE_KEY = Column("case_key", "string", "Pseudonymous case id (keyed hash).")


def _shifted(value, shift: dt.timedelta) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return (value + shift).isoformat()


class _Extract:
    """Builds each file's rows for a fixed set of consented people."""

    def __init__(self, key: bytes, people: list[Person], today: dt.date):
        self.key = key
        self.today = today
        self.people = {p.pk: p for p in people}
        self.shift = {pk: date_shift(key, pk) for pk in self.people}

    def pid(self, person_id) -> str:
        return pseudonym(self.key, "research-person", person_id)

    def rid(self, kind: str, pk) -> str:
        return pseudonym(self.key, f"research-{kind}", pk)

    def people_rows(self):
        first_referred = dict(
            Referral.objects.filter(person_id__in=self.people)
            .values_list("person_id")
            .annotate(first=Min("received_at"))
            .order_by()
        )
        lsoas = {
            pc: lsoa21 or lsoa11
            for pc, lsoa11, lsoa21 in Postcode.objects.filter(
                postcode__in={p.postcode for p in self.people.values() if p.postcode}
            ).values_list("postcode", "lsoa11", "lsoa21")
        }
        deciles = dict(
            Person.objects.filter(pk__in=self.people)
            .annotate(decile=imd_decile_of("postcode"))
            .values_list("pk", "decile")
        )
        for pk, p in self.people.items():
            referred = first_referred.get(pk)
            on = timezone.localdate(referred) if referred else self.today
            yield [
                self.pid(pk),
                p.area.code,
                age_band(p.birth_date, on),
                p.sex,
                p.ethnic_category,
                ethnic_group(p.ethnic_category) if p.ethnic_category else "",
                "" if p.long_term_conditions is None else p.long_term_conditions,
                lsoas.get(p.postcode, ""),
                deciles.get(pk) or "",
            ]

    def referral_rows(self):
        for r in Referral.objects.filter(person_id__in=self.people).order_by("pk"):
            s = self.shift[r.person_id]
            yield [
                self.pid(r.person_id),
                self.rid("referral", r.pk),
                r.source,
                r.urgency,
                ";".join(r.reasons or []),
                r.status,
                _shifted(r.received_at, s),
                _shifted(r.triaged_at, s),
                _shifted(r.first_contact_at, s),
            ]

    def case_rows(self):
        for c in Case.objects.filter(person_id__in=self.people).order_by("pk"):
            s = self.shift[c.person_id]
            yield [
                self.pid(c.person_id),
                self.rid("case", c.pk),
                self.rid("referral", c.referral_id),
                c.status,
                _shifted(c.opened_at, s),
                _shifted(c.plan_agreed_at, s),
                _shifted(c.discharged_at, s),
                c.discharge_reason,
            ]

    def contact_rows(self):
        contacts = Contact.objects.filter(case__person_id__in=self.people).annotate(
            person_id=F("case__person_id")
        )
        for c in contacts.order_by("pk"):
            s = self.shift[c.person_id]
            yield [
                self.pid(c.person_id),
                self.rid("case", c.case_id),
                _shifted(c.happened_on, s),
                c.mode,
                c.minutes,
            ]

    def connection_rows(self):
        connections = Connection.objects.filter(case__person_id__in=self.people).annotate(
            person_id=F("case__person_id")
        )
        for c in connections.order_by("pk"):
            s = self.shift[c.person_id]
            yield [
                self.pid(c.person_id),
                self.rid("case", c.case_id),
                str(c.service_id),
                c.status,
                "yes" if c.accompanied_first_visit else "no",
                _shifted(c.proposed_at, s),
                _shifted(c.sent_at, s),
                _shifted(c.first_attended_on, s),
                _shifted(c.ended_at, s),
            ]

    def measure_rows(self):
        for r in Response.objects.filter(person_id__in=self.people).order_by("pk"):
            s = self.shift[r.person_id]
            yield [
                self.pid(r.person_id),
                self.rid("case", r.case_id) if r.case_id else "",
                r.instrument,
                r.instrument_version,
                r.timepoint,
                _shifted(r.completed_at, s),
                json.dumps(r.score, sort_keys=True),
            ]

    def healthcare_rows(self):
        for h in HealthcareUse.objects.filter(person_id__in=self.people).order_by("pk"):
            yield [
                self.pid(h.person_id),
                h.kind,
                _shifted(h.occurred_on, self.shift[h.person_id]),
                h.count,
            ]


def _date(name: str, what: str) -> Column:
    return Column(name, "date", f"{what}, shifted by the person's own offset (YYYY-MM-DD).")


FILES: dict[str, tuple[list[Column], str]] = {
    "people.csv": (
        [
            _PERSON_KEY,
            Column("area", "code", "The socialrx area (locality) holding the record."),
            Column("age_band", "code", "Age band at first referral (or at extract if none)."),
            Column("sex", "code", "female, male, other, unknown, or blank (not recorded)."),
            Column("ethnic_category", "code", "NHS Data Dictionary Ethnic Category (A–Z)."),
            Column("ethnic_group", "code", "Broad group of the ethnic category."),
            Column("long_term_conditions", "integer", "Number of long-term conditions."),
            Column("lsoa", "code", "LSOA of the postcode (2021 if loaded, else 2011)."),
            Column("imd_decile", "integer", "English IMD decile of the LSOA (1 = most deprived)."),
        ],
        "people_rows",
    ),
    "referrals.csv": (
        [
            _PERSON_KEY,
            Column("referral_key", "string", "Pseudonymous referral id (keyed hash)."),
            Column("source", "code", "clinician, agency, self, api or fhir."),
            Column("urgency", "code", "routine or urgent."),
            Column("reasons", "code", "Reason codes (referrals.reasons), separated by ';'."),
            Column("status", "code", "received, accepted, declined, redirected or closed."),
            _date("received_on", "Date received"),
            _date("triaged_on", "Date triaged"),
            _date("first_contact_on", "Date of the link worker's first contact"),
        ],
        "referral_rows",
    ),
    "cases.csv": (
        [
            _PERSON_KEY,
            _CASE_KEY,
            Column("referral_key", "string", "The referral the case came from."),
            Column("status", "code", "open or discharged."),
            _date("opened_on", "Date opened"),
            _date("plan_agreed_on", "Date the plan was agreed"),
            _date("discharged_on", "Date discharged"),
            Column("discharge_reason", "code", "Discharge reason code (casework.Case)."),
        ],
        "case_rows",
    ),
    "contacts.csv": (
        [
            _PERSON_KEY,
            _CASE_KEY,
            _date("happened_on", "Date of the contact"),
            Column("mode", "code", "in_person, phone, video or message."),
            Column("minutes", "integer", "Minutes of link worker time."),
        ],
        "contact_rows",
    ),
    "connections.csv": (
        [
            _PERSON_KEY,
            _CASE_KEY,
            Column("service_id", "string", "The directory service (public HSDS id)."),
            Column("status", "code", "Connection status (proposed … completed, dropped)."),
            Column("accompanied_first_visit", "code", "yes or no."),
            _date("proposed_on", "Date proposed"),
            _date("sent_on", "Date sent to the organisation"),
            _date("first_attended_on", "Date first attended"),
            _date("ended_on", "Date ended"),
        ],
        "connection_rows",
    ),
    "measures.csv": (
        [
            _PERSON_KEY,
            _CASE_KEY,
            Column("instrument", "code", "Outcome measure (ons4, swemwbs, ucla3, hrsn …)."),
            Column("instrument_version", "code", "Version of the instrument definition."),
            Column("timepoint", "code", "baseline, week_6, week_12 or other."),
            _date("completed_on", "Date completed"),
            Column("score", "json", "The score as computed at the time (JSON)."),
        ],
        "measure_rows",
    ),
    "healthcare_use.csv": (
        [
            _PERSON_KEY,
            Column("kind", "code", "Kind of healthcare use (outcomes.HealthcareUse)."),
            _date("occurred_on", "Date of the use"),
            Column("count", "integer", "How many."),
        ],
        "healthcare_rows",
    ),
}


@dataclass
class ExtractReport:
    people: int
    rows: dict[str, int]


def write_research_extract(outdir: Path, *, today: dt.date | None = None) -> ExtractReport:
    """Write the extract's CSV files and data_dictionary.csv into `outdir` (created if
    missing; existing files of the same names are replaced). Raises MissingPseudonymKey
    without a key. Side effect: one "export" audit event naming the files and counts."""
    key = pseudonym_key()
    today = today or timezone.localdate()
    outdir.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        people = list(research_consented_people().select_related("area"))
        extract = _Extract(key, people, today)
        rows: dict[str, int] = {}
        for name, (columns, builder) in FILES.items():
            with (outdir / name).open("w", newline="", encoding="utf-8") as handle:
                writer = SafeWriter(handle)
                writer.writerow([c.name for c in columns])
                n = 0
                for row in getattr(extract, builder)():
                    writer.writerow(row)
                    n += 1
                rows[name] = n
        with (outdir / "data_dictionary.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = SafeWriter(handle)
            writer.writerow(["file", "column", "description", "type"])
            for name, (columns, _) in FILES.items():
                for c in columns:
                    writer.writerow([name, c.name, c.description, c.type])
        record_event(
            None,
            "export",
            Subject("insight.research_extract", uuid.uuid4().hex),
            detail={"people": len(people), "rows": rows},
            actor_label="manage.py research_extract",
        )
    return ExtractReport(people=len(people), rows=rows)
