"""Retention: anonymise closed cases once their period after discharge has passed.

Periods (settings, docs/operations.md): RETENTION_YEARS_AFTER_DISCHARGE (default 8, the
NHS Records Management Code of Practice 2021's period for adult health records not covered
elsewhere in its schedule: 8 years after the conclusion of treatment), and
RETENTION_YEARS_BY_DISCHARGE_REASON for reasons that keep a case for a different time.

What goes: every free text written about the person (what matters to them, goals, notes,
what a referrer sent) is replaced by REMOVED (or left empty where it was empty), and once
all of a person's cases have passed their period, their name, identifiers and contact
details too, with the postcode replaced by the first postcode of the same LSOA (so the
deprivation decile is kept). What stays: every row, date, status, code, score and the
evaluation's covariates (date of birth, sex, ethnic category, long-term conditions), so
dashboards and `manage.py evaluate` give the same numbers (tested). The audit log is not
touched: it holds field names and codes, never what was written.

Idempotent: a row already anonymised is not written again, nor audited again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from audit.actions import record_event
from audit.context import acting_as
from casework.models import Case
from insight import summaries
from people.models import Person
from places.models import Postcode
from records.relations import rows_of, rows_under

REMOVED = "Removed under the retention policy."
ACTOR = "manage.py apply_retention"

# Free text about the person, per model: replaced by REMOVED when not empty. A new text
# field on a model below Person must be listed here or in KEPT_TEXT (test_retention.py).
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "referrals.Referral": ("notes", "decline_reason", "referrer_name"),
    "casework.Case": ("discharge_notes",),
    "casework.Conversation": ("what_matters", "strengths", "interests", "barriers_notes"),
    "casework.Goal": ("text",),
    "casework.PlanAction": ("description", "owner_name"),
    "casework.Connection": ("note_to_partner", "decline_reason", "drop_reason"),
    "casework.Contact": ("notes",),
    "casework.SafeguardingConcern": ("outcome_note",),
    "matching.SuggestionFeedback": ("note",),
}
# Details a referrer or the person sent, as JSON: emptied.
SENT_DETAILS: dict[str, tuple[str, ...]] = {
    "referrals.Referral": ("person_details_given", "person_details_sent"),
}
# Identifiers: emptied (and the person's name replaced) once the whole record is past.
IDENTIFIERS: dict[str, tuple[str, ...]] = {
    "people.Person": (
        "preferred_name", "nhs_number", "local_identifier", "address", "phone", "email",
        "communication_needs", "access_needs",
    ),
    "referrals.Referral": ("local_identifier",),
}  # fmt: skip
PERSON_TEXT = {"safeguarding_note"}
ANONYMOUS_NAME = {"given_name": "Anonymised", "family_name": "person"}
# Text fields kept, and why.
KEPT_TEXT = {
    "referrals.Referral": {"referrer_organisation": "the referring organisation, not the person",
                           "redirected_to": "a service's name"},
    "matching.SuggestionFeedback": {"explanation": "the system's own words, as shown"},
    "casework.SafeguardingConcern": {"instrument": "a code"},
    "trials.Participant": {"stratum": "a code built from the evaluation's covariates"},
    "outcomes.HealthcareUse": {"source": "the system the count came from"},
    "outcomes.OneTimeLink": {"token_hash": "the hash of a link's secret, not about the person"},
    "matching.NeedEmbedding": {"model_name": "a model's name", "text_hash": "a hash"},
    "people.Person": {"preferred_language": "a language, counted by equity reports"},
    "insight.PairFact": {"measure": "a measure's code (the evaluation's derived rows)"},
    "insight.FactReason": {"code": "a reason's code"},
    "insight.FactCategory": {"category": "a taxonomy category's name"},
}  # fmt: skip


@dataclass
class Report:
    cases: int = 0
    people: int = 0
    fields: dict[str, set[str]] = field(default_factory=dict)


def _years_before(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def due_cases(now: dt.datetime | None = None):
    """Discharged cases whose retention period has passed."""
    now = now or timezone.now()
    by_reason = settings.RETENTION_YEARS_BY_DISCHARGE_REASON
    default = Q(discharged_at__lt=_years_before(now, settings.RETENTION_YEARS_AFTER_DISCHARGE))
    condition = default & ~Q(discharge_reason__in=list(by_reason))
    for reason, years in by_reason.items():
        condition |= Q(discharge_reason=reason, discharged_at__lt=_years_before(now, years))
    return Case.objects.filter(condition, status=Case.Status.DISCHARGED)


def _representative_postcode(postcode: str) -> str:
    """The first postcode, in order, of the same LSOAs (2021 and 2011); "" when unknown."""
    known = Postcode.objects.filter(postcode=postcode).first() if postcode else None
    if known is None or not (known.lsoa21 or known.lsoa11):
        return ""
    first = (
        Postcode.objects.filter(lsoa21=known.lsoa21, lsoa11=known.lsoa11)
        .order_by("postcode")
        .values_list("postcode", flat=True)
        .first()
    )
    return first or ""


def _changes(obj: models.Model, *, whole_record: bool) -> dict:
    label = obj._meta.label
    out: dict = {}
    for name in FREE_TEXT.get(label, ()):
        if getattr(obj, name) not in ("", REMOVED):
            out[name] = REMOVED
    for name in SENT_DETAILS.get(label, ()):
        if getattr(obj, name):
            out[name] = {}
    if whole_record:
        for name in IDENTIFIERS.get(label, ()):
            if getattr(obj, name):
                out[name] = ""
        if label == "people.Person":
            for name in PERSON_TEXT:
                if getattr(obj, name) not in ("", REMOVED):
                    out[name] = REMOVED
            for name, value in ANONYMOUS_NAME.items():
                if getattr(obj, name) != value:
                    out[name] = value
            postcode = _representative_postcode(obj.postcode)
            if obj.postcode != postcode:
                out["postcode"] = postcode
    return out


def _scrub(rows, *, whole_record: bool, dry_run: bool, report: Report) -> dict[str, list]:
    changed: dict[str, list] = {}
    for model, objs in rows.items():
        for obj in objs:
            changes = _changes(obj, whole_record=whole_record)
            if not changes:
                continue
            changed.setdefault(model._meta.label, [])
            changed[model._meta.label] = sorted(set(changed[model._meta.label]) | set(changes))
            report.fields.setdefault(model._meta.label, set()).update(changes)
            if not dry_run:
                model._default_manager.filter(pk=obj.pk).update(**changes)
    return changed


def _person_is_past(person: Person, due_ids: set) -> bool:
    """Every case of the person has passed its period, and nothing newer is open."""
    case_ids = set(Case.objects.filter(person=person).values_list("pk", flat=True))
    if not case_ids or not case_ids <= due_ids:
        return False
    cutoff = _years_before(timezone.now(), settings.RETENTION_YEARS_AFTER_DISCHARGE)
    return not person.referrals.filter(received_at__gte=cutoff).exists()


def apply_retention(*, dry_run: bool = False, now: dt.datetime | None = None) -> Report:
    """Anonymise every case past its period (and each person whose whole record is), one
    case or person per transaction, each with a "change" audit row naming the fields."""
    report = Report()
    due = list(due_cases(now).select_related("referral", "person"))
    due_ids = {case.pk for case in due}
    with acting_as(ACTOR):
        for case in due:
            with transaction.atomic():
                rows = rows_under(Case, [case.pk])
                rows[type(case.referral)] = [case.referral]
                changed = _scrub(rows, whole_record=False, dry_run=dry_run, report=report)
                if changed:
                    report.cases += 1
                    if not dry_run:
                        record_event(None, "change", case, detail={"retention": changed})
                        summaries.refresh_people([case.person_id])
        for person in {case.person for case in due}:
            if not _person_is_past(person, due_ids):
                continue
            with transaction.atomic():
                changed = _scrub(rows_of(person), whole_record=True, dry_run=dry_run, report=report)
                if changed:
                    report.people += 1
                    if not dry_run:
                        record_event(None, "change", person, detail={"retention": changed})
                        # The scrub writes past the models: insight's summaries follow (a
                        # postcode becomes its district's, as on the record).
                        summaries.refresh_people([person.pk])
    return report
