"""API shapes for referrals (the edge: validation here, domain rules in actions)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from ninja import Schema
from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from people.rules import (
    clean_nhs_number,
)
from places.postcodes import clean_postcode
from referrals.models import Referral
from referrals.reasons import Reason

# A new person needs these; an existing one is named by id alone.
NEW_PERSON_REQUIRED = ("given_name", "family_name", "birth_date")


class PersonIn(Schema):
    """Either {"id": ...} for someone already in your scope, or a new person's details.
    Unknown fields are refused (a misspelt field must not be silently dropped)."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = Field(None, description="An existing person (within your scope).")
    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    preferred_name: str | None = Field(None, max_length=100)
    birth_date: dt.date | None = Field(None, description="YYYY-MM-DD")
    nhs_number: str | None = Field(None, description="10 digits; spaces allowed.")
    postcode: str | None = None
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=500)
    local_identifier: str | None = Field(None, max_length=64)
    preferred_language: str | None = Field(None, max_length=64)
    communication_needs: str | None = Field(None, max_length=2000)
    access_needs: str | None = Field(None, max_length=2000)

    @field_validator("given_name", "family_name")
    @classmethod
    def not_blank(cls, value):
        if value is not None and not value.strip():
            raise ValueError("This cannot be blank.")
        return value.strip() if value is not None else None

    @field_validator("email")
    @classmethod
    def valid_email(cls, value):
        if value in (None, ""):
            return value
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError("Enter an email address like name@example.com.") from None
        return value

    @field_validator("nhs_number")
    @classmethod
    def valid_nhs_number(cls, value):
        if value in (None, ""):
            return None
        return clean_nhs_number(value)

    @field_validator("postcode")
    @classmethod
    def valid_postcode(cls, value):
        if value in (None, ""):
            return None
        return clean_postcode(value)

    @field_validator("birth_date")
    @classmethod
    def not_in_future(cls, value):
        if value is not None and value > timezone.localdate():
            raise ValueError("The date of birth is in the future.")
        return value

    @model_validator(mode="after")
    def existing_id_or_new_details(self):
        given = self.model_dump(exclude={"id"}, exclude_none=True)
        if self.id is not None:
            if given:
                raise ValueError(
                    "Send either an existing person's id or a new person's details, not both."
                )
            return self
        missing = [name for name in NEW_PERSON_REQUIRED if getattr(self, name) is None]
        if missing:
            # One error per missing field, each named by its path (person.birth_date, ...).
            raise ValidationError.from_exception_data(
                "PersonIn",
                [
                    InitErrorDetails(
                        type=PydanticCustomError(
                            "missing_for_new_person",
                            "Required for a new person (or send an existing person's id).",
                        ),
                        loc=(name,),
                        input=None,
                    )
                    for name in missing
                ],
            )
        return self

    def new_person_fields(self) -> dict:
        return self.model_dump(exclude={"id"}, exclude_none=True)


class ReferralIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person: PersonIn
    reasons: list[str] = Field(..., description="Codes from GET /api/v1/referral-reasons.")
    notes: str = Field("", max_length=5000)
    urgency: Literal["routine", "urgent"] = "routine"
    confirm_duplicate: bool = False
    team: int | None = Field(
        None,
        description=(
            "The social prescribing team to receive it, from GET /api/v1/referral-teams; "
            "needed only when several serve your practice."
        ),
    )

    @field_validator("reasons")
    @classmethod
    def known_reasons(cls, value):
        if not value:
            raise ValueError("Give at least one reason code (see GET /api/v1/referral-reasons).")
        unknown = [code for code in value if code not in Reason.values]
        if unknown:
            raise ValueError(
                f"Unknown reason code(s): {', '.join(unknown)}. See GET /api/v1/referral-reasons."
            )
        return list(dict.fromkeys(value))


class ReferralOut(Schema):
    id: uuid.UUID
    status: str
    person_id: uuid.UUID
    team: str
    source: str
    reasons: list[str]
    notes: str
    urgency: str
    received_at: dt.datetime
    triaged_at: dt.datetime | None
    first_contact_at: dt.datetime | None
    assigned_to: str | None
    decline_reason: str
    redirected_to: str
    possible_duplicate_of: uuid.UUID | None
    person_details_sent: dict = Field(
        description="Who the referrer said the referral is about, as sent."
    )

    @staticmethod
    def resolve_team(obj):
        return obj.team.name

    @staticmethod
    def resolve_assigned_to(obj):
        return obj.assigned_to.username if obj.assigned_to_id else None

    @staticmethod
    def resolve_possible_duplicate_of(obj):
        return obj.possible_duplicate_of_id


class TeamOut(Schema):
    id: int
    name: str
    kind: str


class ReferralReasonOut(Schema):
    code: str
    label: str
    snomed_code: str | None = None
    snomed_display: str | None = None


class ErrorOut(Schema):
    detail: str


class ReferralFilter(Schema):
    """Query parameters of GET /api/v1/referrals."""

    status: Referral.Status | None = Field(
        None, description="received, accepted, declined, redirected or closed"
    )
