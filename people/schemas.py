from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from ninja import Schema
from pydantic import ConfigDict, Field, field_validator

from people.rules import (
    MAX_LONG_TERM_CONDITIONS,
    clean_nhs_number,
    long_term_conditions_error,
)
from places.postcodes import clean_postcode

EthnicCode = Literal[
    "A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "Z", ""
]


class ConsentOut(Schema):
    id: uuid.UUID
    kind: str
    given: bool
    organization_id: uuid.UUID | None
    shared_fields: list[str]
    recorded_at: dt.datetime
    recorded_by: str | None
    withdrawn_at: dt.datetime | None
    is_current: bool

    @staticmethod
    def resolve_recorded_by(obj):
        return obj.recorded_by.username if obj.recorded_by_id else None


class PersonOut(Schema):
    id: uuid.UUID
    given_name: str
    family_name: str
    preferred_name: str
    birth_date: dt.date | None
    sex: str
    nhs_number: str
    local_identifier: str
    address: str
    postcode: str
    phone: str
    email: str
    preferred_language: str
    interpreter_needed: bool
    communication_needs: str
    access_needs: str
    ethnic_category: str
    long_term_conditions: int | None
    safeguarding_flag: bool
    safeguarding_note: str
    team: str
    consents: list[ConsentOut]

    @staticmethod
    def resolve_team(obj):
        return obj.team.name

    @staticmethod
    def resolve_consents(obj):
        return list(obj.consents.select_related("recorded_by"))


# Fields a PATCH may not set to null: names are required and flags are yes or no. (Other
# text fields may be null or "" to clear them; birth_date may be null.)
_NOT_NULL = ("given_name", "family_name", "interpreter_needed", "safeguarding_flag")


class PersonPatch(Schema):
    """Any subset of a person's details. Unknown fields are refused, not ignored, so a typo
    cannot look like a successful change."""

    model_config = ConfigDict(extra="forbid")

    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    preferred_name: str | None = Field(None, max_length=100)
    birth_date: dt.date | None = None
    sex: Literal["female", "male", "other", "unknown", ""] | None = None
    nhs_number: str | None = None
    local_identifier: str | None = Field(None, max_length=64)
    address: str | None = Field(None, max_length=500)
    postcode: str | None = None
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    preferred_language: str | None = Field(None, max_length=64)
    interpreter_needed: bool | None = None
    communication_needs: str | None = Field(None, max_length=2000)
    access_needs: str | None = Field(None, max_length=2000)
    ethnic_category: EthnicCode | None = Field(
        None, description='NHS Data Dictionary Ethnic Category code (A to Z); "" or null clears it.'
    )
    long_term_conditions: int | None = Field(
        None,
        ge=0,
        le=MAX_LONG_TERM_CONDITIONS,
        strict=True,
        description="Number of long-term conditions; null when not known.",
    )
    safeguarding_flag: bool | None = None
    safeguarding_note: str | None = Field(None, max_length=2000)

    @field_validator(*_NOT_NULL, mode="before")
    @classmethod
    def not_null(cls, value):
        if value is None:
            raise ValueError("This cannot be null; leave the field out to keep its value.")
        return value

    @field_validator("ethnic_category", mode="before")
    @classmethod
    def known_ethnic_category(cls, value):
        if value is not None and value not in EthnicCode.__args__:
            raise ValueError(
                "Use an NHS Data Dictionary Ethnic Category code: A to S as listed, Z for "
                'not stated, or "" (or null) to clear it.'
            )
        return value

    @field_validator("long_term_conditions", mode="before")
    @classmethod
    def count_of_conditions(cls, value):
        error = long_term_conditions_error(value)
        if error:
            raise ValueError(error)
        return value

    @field_validator("birth_date")
    @classmethod
    def birth_date_in_the_past(cls, value):
        if value is not None and value > timezone.localdate():
            raise ValueError("The date of birth must be in the past.")
        return value

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
            return value
        return clean_nhs_number(value)

    @field_validator("postcode")
    @classmethod
    def valid_postcode(cls, value):
        if value in (None, ""):
            return value
        return clean_postcode(value)
