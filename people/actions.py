"""Writes about people: create, update, consents. Each is atomic and audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.permissions import Permission, has_permission
from audit.actions import record_event
from people.models import Consent, EthnicCategory, Person
from people.queries import people_for
from people.rules import (
    clean_nhs_number,
    long_term_conditions_error,
)
from places.postcodes import clean_postcode
from socialrx.errors import Conflict, DomainError
from socialrx.model_relations import reverse_keys

# Fields that must hold a value of their own type: an API "null" or a form's "" is refused
# for these rather than written (a boolean column cannot hold "").
_BOOLEAN_FIELDS = ("interpreter_needed", "safeguarding_flag")
_SEX_VALUES = {value for value, _ in Person._meta.get_field("sex").choices} | {""}
_ETHNIC_VALUES = set(EthnicCategory.values) | {""}

EDITABLE_FIELDS = (
    "given_name",
    "family_name",
    "preferred_name",
    "birth_date",
    "sex",
    "nhs_number",
    "local_identifier",
    "address",
    "postcode",
    "phone",
    "email",
    "preferred_language",
    "interpreter_needed",
    "communication_needs",
    "access_needs",
    "ethnic_category",
    "long_term_conditions",
    "safeguarding_flag",
    "safeguarding_note",
)
# Optional values that stay NULL (unknown) when cleared, rather than becoming "".
_NULLABLE_FIELDS = ("birth_date", "long_term_conditions")


def clean_person_fields(fields: dict) -> dict:
    """Normalise identifiers; raise DomainError naming the field when one is invalid."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown field: {sorted(unknown)[0]}.", field=sorted(unknown)[0])
    cleaned = dict(fields)
    for key, value in cleaned.items():
        # Optional text is blank, never NULL, when cleared ("null" from the API).
        if value is None and key not in (*_BOOLEAN_FIELDS, *_NULLABLE_FIELDS):
            cleaned[key] = ""
    for key, clean in (("nhs_number", clean_nhs_number), ("postcode", clean_postcode)):
        if cleaned.get(key):
            try:
                cleaned[key] = clean(cleaned[key])
            except ValueError as exc:
                raise DomainError(str(exc), field=key) from None
    for key in ("given_name", "family_name"):
        if key in cleaned:
            if not str(cleaned[key]).strip():
                raise DomainError("This is required.", field=key)
            cleaned[key] = str(cleaned[key]).strip()
    for key in _BOOLEAN_FIELDS:
        if key in cleaned and not isinstance(cleaned[key], bool):
            raise DomainError("Answer yes or no.", field=key)
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            raise DomainError(
                "Enter an email address like name@example.com.", field="email"
            ) from None
    if "sex" in cleaned and cleaned["sex"] not in _SEX_VALUES:
        raise DomainError("Choose one of the listed options.", field="sex")
    if "ethnic_category" in cleaned and cleaned["ethnic_category"] not in _ETHNIC_VALUES:
        raise DomainError(
            "Choose one of the listed ethnic categories, or leave it blank if not asked.",
            field="ethnic_category",
        )
    error = long_term_conditions_error(cleaned.get("long_term_conditions"))
    if error:
        raise DomainError(error, field="long_term_conditions")
    birth_date = cleaned.get("birth_date")
    if birth_date is not None:
        if not isinstance(birth_date, dt.date):
            raise DomainError("Enter a date of birth.", field="birth_date")
        if birth_date > timezone.localdate():
            raise DomainError("The date of birth must be in the past.", field="birth_date")
    return cleaned


def _nhs_number_taken(number: str, exclude_pk=None) -> bool:
    qs = Person.objects.filter(nhs_number=number)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


_NHS_NUMBER_TAKEN = "A person with this NHS number is already known; refer them instead."


@transaction.atomic
def create_person(*, team, by, possible_duplicate_of: Person | None = None, **fields) -> Person:
    """Create a person in `team`'s caseload (their area is the team's).

    Validates and normalises identifiers (NHS number by its Modulus 11 check digit, postcode
    to its standard form). Raises DomainError naming the field, or Conflict when the NHS
    number already belongs to someone. Side effect: a "create" audit row listing the field
    names given (never their values).

    `possible_duplicate_of` makes a record flagged as a possible duplicate of one holding
    the same NHS number (referrals.actions does, rather than widen who sees that one).
    """
    cleaned = clean_person_fields(fields)
    flagged = possible_duplicate_of is not None
    if cleaned.get("nhs_number") and not flagged and _nhs_number_taken(cleaned["nhs_number"]):
        raise Conflict(_NHS_NUMBER_TAKEN, field="nhs_number")
    try:
        # A savepoint, so losing a race for the same NHS number leaves the caller's
        # transaction usable and answers with the same message as the check above.
        with transaction.atomic():
            person = Person.objects.create(
                team=team,
                area_id=team.area_id,
                possible_duplicate_of=possible_duplicate_of,
                **cleaned,
            )
    except IntegrityError:
        if cleaned.get("nhs_number") and _nhs_number_taken(cleaned["nhs_number"]):
            raise Conflict(_NHS_NUMBER_TAKEN, field="nhs_number") from None
        raise
    detail: dict = {"fields": sorted(cleaned)}
    if flagged:
        detail["possible_duplicate"] = True
    record_event(by, "create", person, detail=detail)
    return person


@transaction.atomic
def update_person(person: Person, *, by, **fields) -> Person:
    """Change some of a person's details (only EDITABLE_FIELDS; never team or area).

    Values are validated as in create_person. Nothing is written, and nothing audited, when
    no value actually changes. Side effect: a "change" audit row naming the changed fields.
    """
    cleaned = clean_person_fields(fields)
    if cleaned.get("nhs_number") and _nhs_number_taken(cleaned["nhs_number"], person.pk):
        raise Conflict("Another person already has this NHS number.", field="nhs_number")
    changed = sorted(k for k, v in cleaned.items() if getattr(person, k) != v)
    if not changed:
        return person
    for key in changed:
        setattr(person, key, cleaned[key])
    try:
        with transaction.atomic():
            person.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        raise Conflict("Another person already has this NHS number.", field="nhs_number") from None
    # Field names only: the audit log must not become a second copy of the record.
    record_event(by, "change", person, detail={"fields": changed})
    return person


@transaction.atomic
def record_consent(
    person: Person,
    *,
    kind: str,
    given: bool,
    by,
    organization=None,
    shared_fields=(),
    at: dt.datetime | None = None,
    via: str = "",
) -> Consent:
    """Record a consent decision: agreement (`given`) or refusal.

    The latest decision of a kind (and, for sharing, of an organisation) is the one that
    counts (see people.consent), so a change of mind is a new row, never an edit. A "share"
    consent must name an organisation from the directory and, when given, at least one of
    Consent.SHAREABLE_FIELDS; a refusal shares nothing. `by` may be None when the person
    recorded it themselves (self-referral). `at` dates a decision taken earlier (an imported
    history; never in the future) and `via` names where it came from ("import_caseload").
    Side effect: a "create" audit row with the kind, decision, organisation id and field
    codes (and `via`).
    """
    if at is not None and at > timezone.now():
        raise DomainError("A consent cannot be dated in the future.", field="at")
    if kind not in Consent.Kind.values:
        raise DomainError(f"Unknown consent kind {kind!r}.", field="kind")
    fields: list[str] = []
    if kind == Consent.Kind.SHARE_WITH_ORGANIZATION:
        if organization is None:
            raise DomainError("Name the organisation to share with.", field="organization")
        allowed = {code for code, _ in Consent.SHAREABLE_FIELDS}
        bad = [f for f in shared_fields if f not in allowed]
        if bad:
            raise DomainError(f"{bad[0]} cannot be shared.", field="shared_fields")
        if given and not shared_fields:
            raise DomainError(
                "Choose at least one detail the person agrees to share.", field="shared_fields"
            )
        if given:
            fields = list(dict.fromkeys(shared_fields))
    else:
        organization = None
    consent = Consent.objects.create(
        person=person,
        area_id=person.area_id,
        kind=kind,
        given=bool(given),
        organization=organization,
        shared_fields=fields,
        recorded_at=at or timezone.now(),
        recorded_by=by if (by is not None and by.pk) else None,
    )
    detail = {"kind": kind, "given": bool(given)}
    if organization is not None:
        detail |= {"organization": str(organization.pk), "shared_fields": fields}
    if via:
        detail["via"] = via
    record_event(by, "create", consent, detail=detail)
    return consent


@transaction.atomic
def withdraw_consent(consent: Consent, *, by) -> Consent:
    """Withdraw an agreement from now on (the row keeps when it was given).

    Withdrawing twice changes nothing. A refusal cannot be withdrawn: record a new decision
    instead. Side effect: a "change" audit row.
    """
    current = Consent.objects.select_for_update().get(pk=consent.pk)
    if current.withdrawn_at is not None:
        consent.withdrawn_at = current.withdrawn_at
        return consent
    if not current.given:
        raise DomainError(
            "This was a refusal, so there is nothing to withdraw. Record a new decision if "
            "the person has changed their mind."
        )
    consent.withdrawn_at = timezone.now()
    Consent.objects.filter(pk=consent.pk).update(withdrawn_at=consent.withdrawn_at)
    record_event(by, "change", consent, detail={"withdrawn": True})
    return consent


def _check_may_resolve(duplicate: Person, by) -> Person:
    """The record `duplicate` was flagged against, when `by` may decide: a supervisor of
    the team holding it (they can see it; the flagged record's team may not)."""
    original = duplicate.possible_duplicate_of
    if original is None:
        raise DomainError("This record is not flagged as a possible duplicate.")
    if not (
        has_permission(by, Permission.SUPERVISE)
        and original.team_id == by.team_id
        and people_for(by).filter(pk=original.pk).exists()
    ):
        raise DomainError("Only a supervisor of the team holding the record can decide this.")
    return original


def _people_foreign_keys():
    """Every (model, field name) that points at a person, found from the models, so a new
    one is never forgotten by a merge."""
    return [
        (rel.related_model, rel.field.name)
        for rel in reverse_keys(Person)
        if rel.related_model is not Person
    ]


@transaction.atomic
def merge_people(duplicate: Person, *, by) -> Person:
    """Fold a record flagged as a possible duplicate into the record it was flagged against,
    once a supervisor of that record's team has checked they are the same person.

    Everything that pointed at the duplicate (referrals, cases, consents, measures, …) then
    points at the kept record, whose details are left as they were; the duplicate is
    deleted. Side effects: audit rows on the kept record and the duplicate.
    """
    duplicate = Person.objects.select_for_update().get(pk=duplicate.pk)
    kept = _check_may_resolve(duplicate, by)
    moved: dict[str, int] = {}
    for model, field in _people_foreign_keys():
        rows = model.objects.filter(**{field: duplicate})
        changes = {field: kept}
        if model is Consent:
            changes["area_id"] = kept.area_id  # a consent lives with its person
        count = rows.update(**changes)
        if count:
            moved[model._meta.label] = count
    Person.objects.filter(possible_duplicate_of=duplicate).update(possible_duplicate_of=kept)
    # Saved, so what is derived from a person's records (the evaluation's facts) follows
    # the records that moved onto it.
    kept.save(update_fields=["updated_at"])
    record_event(by, "change", kept, detail={"merged_from": str(duplicate.pk), "moved": moved})
    record_event(by, "delete", duplicate, detail={"merged_into": str(kept.pk)})
    duplicate.delete()
    return kept


@transaction.atomic
def keep_apart(duplicate: Person, *, by) -> Person:
    """Record that a flagged record is someone else: the NHS number given with it belongs
    to the other record, so it is cleared here (the team asks the person for theirs) and
    the flag is lifted. Side effect: an audit row naming the cleared field."""
    duplicate = Person.objects.select_for_update().get(pk=duplicate.pk)
    _check_may_resolve(duplicate, by)
    duplicate.nhs_number = ""
    duplicate.possible_duplicate_of = None
    duplicate.save(update_fields=["nhs_number", "possible_duplicate_of", "updated_at"])
    record_event(by, "change", duplicate, detail={"fields": ["nhs_number"], "kept_apart": True})
    return duplicate
