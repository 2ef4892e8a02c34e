"""Writes for referrals: intake, triage and closure. Each is atomic and audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.permissions import Permission, has_permission
from audit.actions import record_event
from casework.actions import open_case
from people.actions import clean_person_fields, create_person, record_consent
from people.models import Consent, Person
from people.queries import people_for
from people.rules import normalise_nhs_number
from referrals import rules
from referrals.models import Referral
from referrals.queries import open_referral_for_person, referrals_for
from referrals.reasons import Reason, self_referral_choices
from referrals.rules import transition_error
from socialrx.errors import Conflict, ConsentMissing, DomainError, InvalidTransition


class DuplicateReferral(Conflict):
    """The person already has an open referral; the caller may confirm a second one."""


class PersonMismatch(Conflict):
    """The NHS number given belongs to a known person whose name or birth date differ."""


def _check_reasons(reasons, *, source: str) -> list[str]:
    if not reasons:
        raise DomainError("Choose at least one reason for the referral.", field="reasons")
    own_words = dict(self_referral_choices())
    codes = []
    for code in reasons:
        if code not in Reason.values:
            raise DomainError(f"Unknown reason code {code!r}.", field="reasons")
        if source == Referral.Source.SELF and code not in own_words:
            # A clinician's reason (frequent attendance) is not one a person gives.
            raise DomainError("Choose only from the things listed.", field="reasons")
        if code not in codes:
            codes.append(code)
    return codes


def _find_person(person_fields: dict) -> Person | None:
    """The record that holds the NHS number given, if any (never a flagged duplicate)."""
    number = normalise_nhs_number(person_fields.get("nhs_number") or "")
    if number:
        return Person.objects.filter(nhs_number=number, possible_duplicate_of__isnull=True).first()
    return None


def _stored_details(person: Person) -> dict:
    return {key: getattr(person, key) for key in rules.DETAIL_FIELDS}


def _known_to(by, person: Person) -> bool:
    """Whether `by` already knows this record: it is in their scope, or they referred it."""
    if by is None or not by.pk:
        return False
    return (
        people_for(by).filter(pk=person.pk).exists()
        or Referral.objects.filter(person=person, referrer=by).exists()
    )


def _match_person(
    person_fields: dict, *, team, by, public: bool
) -> tuple[Person | None, Person | None, dict[str, str]]:
    """Which record a referral with these details is filed against.

    Returns (person, duplicate_of, details_that_differ): `person` is the known record to
    attach to, or None to make a new one; `duplicate_of` is a record the new one must be
    flagged against (same NHS number, not safely the same person or not ours to widen).

    A referral must never widen who can see a person. So it is attached to a known record
    only when that record is already in the receiving team's caseload, and, from the public
    form, only when the name and date of birth agree as well (the NHS number alone proves
    nothing). Otherwise a new, separate record is made and flagged for staff to merge.

    A clinician is told of a different name or birth date (PersonMismatch) only for a
    person they referred before: the answer must not reveal whether an NHS number is known.
    """
    known = _find_person(person_fields)
    if known is None:
        return None, None, {}
    given = clean_person_fields(person_fields)
    differ = rules.details_that_differ(_stored_details(known), given)
    mismatch = rules.is_identity_mismatch(differ, _stored_details(known))
    if not public and mismatch and _known_to(by, known):
        raise PersonMismatch(
            "This NHS number belongs to someone with a different name or date of birth. "
            "Check the NHS number, name and date of birth.",
            field="nhs_number",
        )
    same_identity = not any(key in differ for key in rules.IDENTITY_FIELDS)
    in_team = known.team_id == team.pk
    if in_team and (same_identity if public else not mismatch):
        return known, None, differ
    return None, known, {}


def _details_sent(person: Person | None, person_fields: dict | None) -> dict:
    """Who the referral is about, as the referrer described them (what they may see)."""
    if person_fields:
        given = clean_person_fields(person_fields)
    else:
        given = {key: getattr(person, key) for key in rules.IDENTITY_FIELDS + ("nhs_number",)}
    sent = {}
    for key in (*rules.IDENTITY_FIELDS, "nhs_number"):
        value = given.get(key)
        if value not in (None, ""):
            sent[key] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return sent


@transaction.atomic
def refer_person(
    *,
    team,
    source: str,
    by,
    reasons,
    notes: str = "",
    urgency: str = Referral.Urgency.ROUTINE,
    person: Person | None = None,
    person_fields: dict | None = None,
    confirm_duplicate: bool = False,
    referrer_name: str = "",
    referrer_organisation: str = "",
    consent_to_referral: bool = True,
    received_at=None,
    local_identifier: str = "",
) -> Referral:
    """Receive a referral to `team` (the social prescribing team that triages it, chosen by
    referrals.routing) for an existing `person` or one described by `person_fields`. `by`
    is the referrer, or None for a self-referral.

    Preconditions: at least one known reason code; the person agreed to be referred
    (`consent_to_referral`, else ConsentMissing). The person is matched by NHS number
    before a new record is made, never so as to widen who sees a record (see
    _match_person). When they already have an open referral that `by` may see, this raises
    DuplicateReferral (with existing_referral_id) unless `confirm_duplicate`; otherwise the
    new referral is flagged as a possible duplicate for triage. What the referrer said of
    the person is kept as `person_details_sent`: all a referrer is later shown of them.

    `received_at` dates a referral received earlier (an imported history; never in the
    future), and `local_identifier` is the reference another system knew it by.

    Side effects: the person (when new), a REFERRAL consent and the referral, each with its
    audit row, all in one transaction.
    """
    if received_at is not None and received_at > timezone.now():
        raise DomainError("A referral cannot be received in the future.", field="received_at")
    codes = _check_reasons(reasons, source=source)
    if urgency not in Referral.Urgency.values:
        raise DomainError("Urgency must be routine or urgent.", field="urgency")
    if source not in Referral.Source.values:
        raise DomainError(f"Unknown referral source {source!r}.", field="source")
    if not consent_to_referral:
        raise ConsentMissing(
            "The person must agree to be referred before the referral is sent.",
            field="consent_to_referral",
        )
    public = by is None or not by.pk
    details_given: dict[str, str] = {}
    duplicate_of = None
    if person is None:
        if not person_fields:
            raise DomainError("Say who is being referred.", field="person")
        person, duplicate_of, details_given = _match_person(
            person_fields, team=team, by=by, public=public
        )
        if person is None:
            person = create_person(
                team=team, by=by, possible_duplicate_of=duplicate_of, **person_fields
            )
    details_sent = _details_sent(person, person_fields)
    existing = open_referral_for_person(person)
    if (
        existing is not None
        and not confirm_duplicate
        and not public
        and referrals_for(by).filter(pk=existing.pk).exists()
    ):
        # Only a referral the caller may see anyway is named back to them; any other is
        # flagged for triage instead, so the answer reveals nothing outside their scope.
        raise DuplicateReferral(
            "This person already has an open referral. Check it before referring again, or "
            "confirm that this is a new referral.",
            existing_referral_id=str(existing.pk),
        )
    referral = Referral.objects.create(
        area_id=team.area_id,
        team=team,
        person=person,
        source=source,
        referrer=None if public else by,
        referrer_name=referrer_name or ("" if public else by.get_full_name()),
        referrer_organisation=referrer_organisation,
        reasons=codes,
        notes=notes,
        urgency=urgency,
        possible_duplicate_of=existing if existing and existing.team_id == team.pk else None,
        received_at=received_at or timezone.now(),
        person_details_given=details_given,
        person_details_sent=details_sent,
        local_identifier=local_identifier,
    )
    record_consent(
        person,
        kind=Consent.Kind.REFERRAL,
        given=True,
        by=None if public else by,
        at=received_at,
    )
    record_event(
        by,
        "create",
        referral,
        detail={
            "source": source,
            "reasons": codes,
            "possible_duplicate": existing is not None,
            "possible_duplicate_person": duplicate_of is not None,
            "details_differ": sorted(details_given),
        },
    )
    return referral


def _move(referral: Referral, to: str) -> None:
    # Lock the row so two people triaging at once cannot both win.
    current = Referral.objects.select_for_update().get(pk=referral.pk).status
    error = transition_error(current, to)
    if error:
        raise InvalidTransition(error)


@transaction.atomic
def accept_referral(referral: Referral, *, link_worker, by, at=None):
    """Accept a received referral, assign it to `link_worker` (an active case work user of
    the referral's team) and open its case, all in one transaction; returns the Case.

    Raises InvalidTransition when the referral is no longer waiting for triage (the row is
    locked, so two people triaging at once cannot both accept). `at` dates a triage made
    earlier (an imported history). Side effects: the case (casework.actions.open_case) and
    audit rows for both.
    """
    _move(referral, Referral.Status.ACCEPTED)
    if (
        link_worker is None
        or not has_permission(link_worker, Permission.WORK_CASES)
        or link_worker.team_id != referral.team_id
    ):
        raise DomainError("Choose a link worker in this referral's team.", field="link_worker")
    referral.status = Referral.Status.ACCEPTED
    referral.assigned_to = link_worker
    referral.triaged_at = at or timezone.now()
    referral.triaged_by = by
    referral.save(update_fields=["status", "assigned_to", "triaged_at", "triaged_by"])
    record_event(by, "change", referral, detail={"status": Referral.Status.ACCEPTED})
    return open_case(referral, link_worker=link_worker, by=by, at=at)


@transaction.atomic
def decline_referral(referral: Referral, *, reason: str, by) -> Referral:
    """Decline a received referral; `reason` is required (the referrer sees it).
    Raises InvalidTransition unless the referral is waiting for triage. Audited."""
    if not (reason or "").strip():
        raise DomainError("Say why the referral is declined.", field="reason")
    _move(referral, Referral.Status.DECLINED)
    referral.status = Referral.Status.DECLINED
    referral.decline_reason = reason.strip()
    referral.triaged_at = timezone.now()
    referral.triaged_by = by
    referral.save(update_fields=["status", "decline_reason", "triaged_at", "triaged_by"])
    record_event(by, "change", referral, detail={"status": Referral.Status.DECLINED})
    return referral


@transaction.atomic
def redirect_referral(referral: Referral, *, to: str, reason: str = "", by) -> Referral:
    """Send a received referral elsewhere: `to` names the service (required), `reason`
    optionally says why. Raises InvalidTransition unless waiting for triage. Audited."""
    if not (to or "").strip():
        raise DomainError("Say which service the referral is redirected to.", field="to")
    _move(referral, Referral.Status.REDIRECTED)
    referral.status = Referral.Status.REDIRECTED
    referral.redirected_to = to.strip()
    referral.decline_reason = (reason or "").strip()
    referral.triaged_at = timezone.now()
    referral.triaged_by = by
    referral.save(
        update_fields=["status", "redirected_to", "decline_reason", "triaged_at", "triaged_by"]
    )
    record_event(by, "change", referral, detail={"status": Referral.Status.REDIRECTED})
    return referral


@transaction.atomic
def mark_first_contact(referral: Referral, *, at, by) -> Referral:
    """Record when the service first made contact with the person (only the first time;
    later calls change nothing). referral.days_to_first_contact is then the wait.

    A contact is usually logged by date only (casework stores it at noon), so on the day of
    the referral `at` may fall before received_at; it is then counted as received_at, never
    as a negative wait. Side effect: a "change" audit row the first time.
    """
    received_at = Referral.objects.values_list("received_at", flat=True).get(pk=referral.pk)
    at = max(at, received_at)
    updated = Referral.objects.filter(pk=referral.pk, first_contact_at__isnull=True).update(
        first_contact_at=at
    )
    if updated:
        referral.first_contact_at = at
        record_event(by, "change", referral, detail={"first_contact": True})
    return referral


@transaction.atomic
def close_referral(referral: Referral, *, by) -> Referral:
    """Close an accepted referral when its case is discharged (casework.discharge_case
    calls this in its transaction). Raises InvalidTransition from any other state."""
    _move(referral, Referral.Status.CLOSED)
    referral.status = Referral.Status.CLOSED
    referral.save(update_fields=["status"])
    record_event(by, "change", referral, detail={"status": Referral.Status.CLOSED})
    return referral
