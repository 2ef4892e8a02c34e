from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Schema
from pydantic import Field

from casework import rules


class CaseSummaryOut(Schema):
    id: uuid.UUID
    person_id: uuid.UUID
    person_name: str
    link_worker: str
    status: str
    opened_at: dt.datetime
    review_date: dt.date | None

    @staticmethod
    def resolve_person_name(obj):
        return obj.person.full_name

    @staticmethod
    def resolve_link_worker(obj):
        return obj.link_worker.username


class GoalOut(Schema):
    id: uuid.UUID
    text: str
    status: str


class ConnectionOut(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    service_id: uuid.UUID
    service_name: str
    organization_id: uuid.UUID
    status: str
    decline_reason: str
    drop_reason: str
    accompanied_first_visit: bool
    proposed_at: dt.datetime
    sent_at: dt.datetime | None
    responded_at: dt.datetime | None
    first_attended_on: dt.date | None
    ended_at: dt.datetime | None
    independent_since: dt.datetime | None = Field(
        None, description="When the person's case was discharged with this connection going on."
    )
    continuing_independently: bool
    allowed_moves: list[str]

    @staticmethod
    def resolve_service_name(obj):
        return obj.service.name

    @staticmethod
    def resolve_continuing_independently(obj):
        return obj.continues_independently

    @staticmethod
    def resolve_allowed_moves(obj, context):
        side = context["request"].auth_side if context else rules.WORKER
        discharged = not obj.case.is_open
        return [m.to for m in rules.moves_from(obj.status, side, discharged=discharged)]


class CaseOut(CaseSummaryOut):
    referral_id: uuid.UUID
    plan_agreed_at: dt.datetime | None
    discharged_at: dt.datetime | None
    discharge_reason: str
    goals: list[GoalOut]

    @staticmethod
    def resolve_goals(obj):
        return list(obj.goals.all())


class TransitionIn(Schema):
    to: Literal["sent", "accepted", "declined", "first_attended", "ongoing", "completed", "dropped"]
    reason: str = Field("", max_length=1000)
    on: dt.date | None = Field(
        None,
        description="First attendance date (defaults to today): not before the connection was "
        "sent, not in the future.",
    )
    accompanied: bool = False
