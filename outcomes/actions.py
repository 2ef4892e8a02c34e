"""Writes for outcomes. Each is atomic and records its audit event."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.actions import record_event
from casework.actions import raise_safeguarding_concern
from outcomes.instruments import InstrumentError, get_instrument
from outcomes.models import HealthcareUse, OneTimeLink, Response
from outcomes.rules import check_timepoint
from outcomes.scoring import ScoringError, disclosures, score
from outcomes.signals import healthcare_use_written
from outcomes.sms import sms_disabled
from outcomes.tasks import send_one_time_link
from people.consent import may_contact_by
from people.rules import normalise_nhs_number
from socialrx.errors import ConsentMissing, DomainError


class LinkNoLongerWorks(DomainError):
    status_code = 410


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _score(instrument_id: str, answers):
    try:
        instrument = get_instrument(instrument_id)
        return instrument, score(instrument, answers)
    except InstrumentError as exc:
        raise DomainError(str(exc), field="instrument") from None
    except ScoringError as exc:
        raise DomainError(exc.message, field=exc.item or "answers") from None


@transaction.atomic
def record_response(
    case, *, instrument_id: str, answers, timepoint: str, by, via: str, completed_at=None
) -> Response:
    """Score and store a completed questionnaire for the case's person.

    Raises DomainError (naming the question) for answers the instrument's rules refuse.
    When the answers make one of the instrument's disclosures (its "disclosures" data), a
    safeguarding concern is raised on the case in the same transaction; the codes are on the
    returned response as `response.disclosures`.
    """
    check_timepoint(timepoint)
    instrument, result = _score(instrument_id, answers)
    response = Response.objects.create(
        area_id=case.area_id,
        person_id=case.person_id,
        case=case,
        instrument=instrument.id,
        instrument_version=instrument.version,
        timepoint=timepoint,
        answers=answers
        if isinstance(answers, dict)
        else dict(zip(instrument.item_ids, answers, strict=True)),
        raw=result.raw,
        score=result.score,
        band=result.band,
        domains=result.domains,
        via=via,
        completed_at=completed_at or timezone.now(),
        recorded_by=by if (by is not None and by.pk) else None,
    )
    record_event(
        by, "create", response, detail={"instrument": instrument.id, "timepoint": timepoint}
    )
    response.disclosures = disclosures(instrument, answers)
    if response.disclosures:
        raise_safeguarding_concern(case, reasons=response.disclosures, response=response, by=by)
    return response


@transaction.atomic
def create_one_time_link(
    case, *, instrument_id: str, timepoint: str, channel: str, by
) -> tuple[OneTimeLink, str]:
    """Make a single-use link for the person and send it by `channel`.

    Consent is enforced: the link is only created when the person agreed to that channel
    and we hold the detail. Refused by text message when text messages are turned off
    (outcomes.sms.DisabledSMSBackend). Returns the link and its URL (shown once to the
    worker); the message goes from a background task after the commit.
    """
    get_instrument(instrument_id)
    check_timepoint(timepoint)
    if channel not in OneTimeLink.Channel.values:
        raise DomainError("Choose text message or email.", field="channel")
    if channel == OneTimeLink.Channel.SMS and sms_disabled():
        raise DomainError(
            "This service does not send text messages. Send the link by email, or complete "
            "the measure together.",
            field="channel",
        )
    if not may_contact_by(case.person, channel):
        by_sms = channel == OneTimeLink.Channel.SMS
        what = "text messages" if by_sms else "email"
        raise ConsentMissing(
            f"{case.person.full_name} has not agreed to {what} (or we have no "
            f"{'mobile number' if by_sms else 'email address'}); record their "
            "consent first, or complete the measure together."
        )
    return issue_link(
        case, instrument_id=instrument_id, timepoint=timepoint, channel=channel, by=by
    )


def issue_link(
    case, *, instrument_id: str, timepoint: str, channel: str, by, actor_label: str | None = None
) -> tuple[OneTimeLink, str]:
    """Create the link and queue its message, once the caller has checked the channel and
    the person's consent (create_one_time_link; outcomes.follow_up for the scheduled one,
    where `by` is None and `actor_label` names the job). Runs in the caller's transaction."""
    token = secrets.token_urlsafe(32)
    link = OneTimeLink.objects.create(
        area_id=case.area_id,
        person_id=case.person_id,
        case=case,
        instrument=instrument_id,
        timepoint=timepoint,
        channel=channel,
        token_hash=_hash(token),
        created_by=by,
        expires_at=timezone.now() + dt.timedelta(days=settings.ONE_TIME_LINK_DAYS),
    )
    record_event(
        by,
        "create",
        link,
        detail={"instrument": instrument_id, "channel": channel, "timepoint": timepoint},
        actor_label=actor_label,
    )
    url = settings.SITE_URL.rstrip("/") + reverse("outcomes:respond", args=[token])
    transaction.on_commit(lambda: send_one_time_link.enqueue(str(link.pk), url))
    return link, url


def link_for_token(token: str) -> OneTimeLink:
    """The live link for a token, or LinkNoLongerWorks (same message for every reason, so a
    guessed token learns nothing)."""
    link = (
        OneTimeLink.objects.select_related("person", "case")
        .filter(token_hash=_hash(token or ""))
        .first()
    )
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        raise LinkNoLongerWorks(
            "This link no longer works. It may have been used already or have expired. "
            "Contact your link worker for a new one."
        )
    return link


@transaction.atomic
def respond_with_link(token: str, *, answers) -> Response:
    link = link_for_token(token)
    link = OneTimeLink.objects.select_for_update().get(pk=link.pk)
    if link.used_at is not None:  # lost a race with another submission
        raise LinkNoLongerWorks("This link has already been used.")
    response = record_response(
        link.case,
        instrument_id=link.instrument,
        answers=answers,
        timepoint=link.timepoint,
        by=None,
        via=Response.Via.ONE_TIME_LINK,
    )
    link.used_at = timezone.now()
    link.response = response
    link.save(update_fields=["used_at", "response"])
    record_event(None, "change", link, detail={"used": True})
    return response


@dataclass
class ImportReport:
    created: int = 0
    errors: list[str] = field(default_factory=list)


HEALTHCARE_COLUMNS = ("nhs_number", "kind", "date", "count")


def _csv_rows(reader: csv.DictReader, report: ImportReport):
    """The rows of `reader`; a record the csv module cannot read (a cell over its size
    limit) ends the file with an error naming the line."""
    try:
        yield from reader
    except csv.Error as exc:
        report.errors.append(
            f"The record after line {reader.line_num}: not readable as CSV ({exc})."
        )


@transaction.atomic
def import_healthcare_use(text: str, *, source: str, by, people_qs) -> ImportReport:
    """Import healthcare use rows (nhs_number, kind, date, count). All or nothing: any bad
    row is reported with its line number and nothing is written."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in HEALTHCARE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        report.errors.append(f"Line 1: missing column(s) {', '.join(missing)}.")
        return report
    people = {p.nhs_number: p for p in people_qs.exclude(nhs_number="")}
    rows = []
    first_line: dict[tuple, int] = {}  # (person, kind, date) -> the line that gave it
    for line, row in enumerate(_csv_rows(reader, report), start=2):
        problems = []
        person = people.get(normalise_nhs_number(row.get("nhs_number") or ""))
        if person is None:
            problems.append("no person with this NHS number in your team")
        kind = (row.get("kind") or "").strip()
        if kind not in HealthcareUse.Kind.values:
            problems.append(f"kind must be one of {', '.join(HealthcareUse.Kind.values)}")
        try:
            occurred = dt.date.fromisoformat((row.get("date") or "").strip())
            if occurred > timezone.localdate():
                problems.append("date is in the future")
        except ValueError:
            problems.append("date must be YYYY-MM-DD")
            occurred = None
        try:
            count = int((row.get("count") or "1").strip())
            if not 1 <= count <= 365:
                raise ValueError
        except ValueError:
            problems.append("count must be a whole number from 1 to 365")
            count = None
        if not problems:
            key = (person.pk, kind, occurred)
            if key in first_line:
                problems.append(f"the same person, kind and date as line {first_line[key]}")
            first_line.setdefault(key, line)
        if problems:
            report.errors.append(f"Line {line}: " + "; ".join(problems) + ".")
            continue
        rows.append(
            HealthcareUse(
                area_id=person.area_id,
                person=person,
                kind=kind,
                occurred_on=occurred,
                count=count,
                source=source,
            )
        )
    if report.errors:
        transaction.set_rollback(True)
        return report
    existing = set(
        HealthcareUse.objects.filter(source=source).values_list("person_id", "kind", "occurred_on")
    )
    new = [r for r in rows if (r.person_id, r.kind, r.occurred_on) not in existing]
    HealthcareUse.objects.bulk_create(new)
    healthcare_use_written.send(sender=HealthcareUse, people={r.person_id for r in new})
    report.created = len(new)
    by_id = {p.pk: p for p in people.values()}
    for person_id in {r.person_id for r in new}:
        rows_for_person = sum(1 for r in new if r.person_id == person_id)
        record_event(
            by, "change", by_id[person_id], detail={"healthcare_use_rows_added": rows_for_person}
        )
    return report


@transaction.atomic
def record_healthcare_use(person, *, kind: str, occurred_on: dt.date, count: int, by):
    if kind not in HealthcareUse.Kind.values:
        raise DomainError("Choose the kind of healthcare use.", field="kind")
    if occurred_on > timezone.localdate():
        raise DomainError("The date cannot be in the future.", field="occurred_on")
    row = HealthcareUse.objects.create(
        area_id=person.area_id,
        person=person,
        kind=kind,
        occurred_on=occurred_on,
        count=count,
        source="link worker",
    )
    record_event(by, "create", row, detail={"kind": kind})
    return row
