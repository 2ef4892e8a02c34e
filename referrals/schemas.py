"""API shapes for referrals (the edge: validation here, domain rules in actions)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from ninja import Schema
from pydantic import Field, field_validator, model_validator

from people.rules import nhs_number_error, normalise_nhs_number, normalise_postcode
from referrals.reasons import Reason


class PersonIn(Schema):
    id: uuid.UUID | None = Field(None, description="An existing person (within your scope).")
    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    birth_date: dt.date | None = None
    nhs_number: str | None = Field(None, description="10 digits; spaces allowed.")
    postcode: str | None = None
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=500)

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
        error = nhs_number_error(value)
        if error:
            raise ValueError(error)
        return normalise_nhs_number(value)

    @field_validator("postcode")
    @classmethod
    def valid_postcode(cls, value):
        if value in (None, ""):
            return None
        postcode = normalise_postcode(value)
        if postcode is None:
            raise ValueError("Not a valid UK postcode.")
        return postcode

    @field_validator("birth_date")
    @classmethod
    def not_in_future(cls, value):
        if value is not None and value > timezone.localdate():
            raise ValueError("The date of birth is in the future.")
        return value

    @model_validator(mode="after")
    def new_person_needs_names(self):
        if self.id is None and not (self.given_name and self.family_name):
            raise ValueError("Give an existing person's id, or given_name and family_name.")
        return self

    def new_person_fields(self) -> dict:
        data = self.model_dump(exclude={"id"}, exclude_none=True)
        return data


class ReferralIn(Schema):
    person: PersonIn
    reasons: list[str] = Field(..., min_length=1, description="Codes from /referral-reasons.")
    notes: str = Field("", max_length=5000)
    urgency: Literal["routine", "urgent"] = "routine"
    confirm_duplicate: bool = False

    @field_validator("reasons")
    @classmethod
    def known_reasons(cls, value):
        unknown = [code for code in value if code not in Reason.values]
        if unknown:
            raise ValueError(
                f"Unknown reason code(s): {', '.join(unknown)}. See GET /api/v1/referral-reasons."
            )
        return value


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

    @staticmethod
    def resolve_team(obj):
        return obj.team.name

    @staticmethod
    def resolve_assigned_to(obj):
        return obj.assigned_to.username if obj.assigned_to_id else None

    @staticmethod
    def resolve_possible_duplicate_of(obj):
        return obj.possible_duplicate_of_id


class ReasonOut(Schema):
    code: str
    label: str
    snomed_code: str | None = None
    snomed_display: str | None = None


class ErrorOut(Schema):
    detail: str
