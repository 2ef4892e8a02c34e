"""API shapes for matching. The request minimum is the issue #5 contract."""

from __future__ import annotations

import uuid

from ninja import Schema
from pydantic import Field

from matching.documents import SEXES


class SuggestionRequest(Schema):
    text: str | None = Field(
        None, max_length=4000, description="Needs and interests in plain words."
    )
    person_id: uuid.UUID | None = Field(
        None, description="Use this person's profile from their open case (link workers)."
    )
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    postcode: str | None = Field(None, max_length=10)
    radius_km: float | None = Field(None, gt=0, le=500)
    limit: int = Field(10, ge=1, le=50)
    include_excluded: bool = Field(False, description="Also list services a hard rule excluded.")
    age: int | None = Field(None, ge=0, le=120)
    sex: str | None = Field(None, pattern=f"^({'|'.join(SEXES)})$")


class SignalOut(Schema):
    signal: str
    value: float
    contribution: float
    text: str


class SuggestionOut(Schema):
    id: str
    name: str
    organization: str
    score: float
    explanation: str
    distance_km: float | None
    signals: list[SignalOut]
    caveats: list[str]


class ReasonOut(Schema):
    code: str
    reason: str


class ExcludedOut(Schema):
    id: str
    name: str
    reasons: list[ReasonOut]


class RankerOut(Schema):
    mode: str
    model: str | None
    considered: int


class SuggestionsOut(Schema):
    results: list[SuggestionOut]
    excluded: list[ExcludedOut] | None = None
    ranker: RankerOut
