"""JSON API for outcomes: instruments, scoring, and recording a response for a case."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema, Status
from pydantic import Field

from accounts.permissions import Permission, has_permission
from casework.access import get_case_for_user
from outcomes import actions
from outcomes.instruments import InstrumentError, all_instruments, get_instrument
from outcomes.models import Response, Timepoint
from outcomes.scoring import ScoringError, score
from socialrx.errors import DomainError

router = Router(tags=["outcomes"])


class ScoreIn(Schema):
    instrument: str = Field(..., examples=["swemwbs"])
    answers: list[Any] | dict[str, Any] = Field(
        ..., description="In question order, or by question id; null for unanswered."
    )


class ScoreOut(Schema):
    instrument: str
    version: str
    raw: Any
    score: Any
    band: Any = None
    domains: dict[str, str] | None = None


class ItemOut(Schema):
    id: str
    text: str
    options: list[dict[str, Any]]


class InstrumentOut(Schema):
    id: str
    version: str
    title: str
    source: str
    licence: str
    items: list[ItemOut]


class ResponseIn(ScoreIn):
    timepoint: str = Field(Timepoint.OTHER, description=", ".join(Timepoint.values))


class ResponseOut(ScoreOut):
    id: uuid.UUID
    timepoint: str
    completed_at: dt.datetime
    safeguarding: list[str] = Field(
        default_factory=list,
        description="Disclosure codes in these answers; each raised a safeguarding concern.",
    )


def _score(payload: ScoreIn):
    try:
        return score(get_instrument(payload.instrument), payload.answers)
    except InstrumentError as exc:
        raise DomainError(str(exc), field="instrument") from None
    except ScoringError as exc:
        raise DomainError(
            exc.message, field=f"answers.{exc.item}" if exc.item else "answers"
        ) from None


@router.get("/outcomes/instruments", response=list[InstrumentOut], auth=None)
def instruments(request):
    return [
        {
            "id": i.id,
            "version": i.version,
            "title": i.title,
            "source": i.source,
            "licence": i.licence,
            "items": [
                {
                    "id": it.id,
                    "text": it.text,
                    "options": [
                        {"value": v, "label": lab}
                        for v, lab in zip(it.values, it.labels, strict=True)
                    ],
                }
                for it in i.items
            ],
        }
        for i in all_instruments().values()
    ]


@router.post("/outcomes/score", response=ScoreOut, auth=None)
def score_answers(request, payload: ScoreIn):
    """Score answers without storing them (no personal data is involved)."""
    return _score(payload).as_dict()


@router.post("/cases/{case_id}/responses", response={201: ResponseOut})
def record_response(request, case_id: uuid.UUID, payload: ResponseIn):
    if not has_permission(request.user, Permission.WORK_CASES):
        raise PermissionDenied("Your role cannot record outcome measures.")
    case = get_case_for_user(request.user, case_id, for_change=True)
    response = actions.record_response(
        case,
        instrument_id=payload.instrument,
        answers=payload.answers,
        timepoint=payload.timepoint,
        by=request.user,
        via=Response.Via.API,
    )
    return Status(
        201,
        {
            "id": response.id,
            "instrument": response.instrument,
            "version": response.instrument_version,
            "raw": response.raw,
            "score": response.score,
            "band": response.band,
            "domains": response.domains or None,
            "timepoint": response.timepoint,
            "completed_at": response.completed_at,
            "safeguarding": response.disclosures,
        },
    )
