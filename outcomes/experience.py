"""Experience questions: how social prescribing went, asked of the person at discharge and
of the referrer once the case is discharged.

The person's set is the instrument `experience` (outcomes/instruments/experience.json): the
link worker records it with them, or sends it on a one-time link, like any measure. The
referrer's set (instruments/referrer/referrer_experience.json) is answered once, on the
referral page, and stored as a ReferrerFeedback. Wording and sources are in the files and in
docs/outcomes.md#experience. The summary (share of positive answers) is insight.experience.
"""

from __future__ import annotations

import json
from functools import cache

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.actions import record_event
from outcomes.instruments import DIRECTORY, Instrument, _build
from outcomes.models import ReferrerFeedback
from outcomes.scoring import ScoringError, score
from socialrx.errors import DomainError

PERSON_INSTRUMENT = "experience"


@cache
def referrer_instrument() -> Instrument:
    path = DIRECTORY / "referrer" / "referrer_experience.json"
    return _build(json.loads(path.read_text()))


def referrer_may_answer(user, referral) -> bool:
    """Only the referrer who made the referral, once its case is discharged, and once."""
    case = getattr(referral, "case", None)
    return (
        user.is_authenticated
        and referral.referrer_id == user.pk
        and case is not None
        and case.discharged_at is not None
    )


@transaction.atomic
def record_referrer_feedback(referral, *, answers, by) -> ReferrerFeedback:
    """Store the referrer's answers about `referral`. Refused (DomainError) unless `by` made
    the referral and its case is discharged, when answered before, or when the answers are
    not the questions' options (the message names the question)."""
    if not referrer_may_answer(by, referral):
        raise DomainError("You can answer these questions once the person has been discharged.")
    if ReferrerFeedback.objects.filter(referral=referral).exists():
        raise DomainError("You have already told us how this referral went. Thank you.")
    instrument = referrer_instrument()
    try:
        result = score(instrument, answers)
    except ScoringError as exc:
        raise DomainError(exc.message, field=exc.item or "answers") from None
    try:
        with transaction.atomic():
            feedback = ReferrerFeedback.objects.create(
                area_id=referral.area_id,
                referral=referral,
                answers=result.score,
                version=instrument.version,
                given_by=by,
                given_at=timezone.now(),
            )
    except IntegrityError:  # a second submission that raced the first
        raise DomainError("You have already told us how this referral went. Thank you.") from None
    record_event(by, "create", feedback, detail={"questions": sorted(result.score)})
    return feedback
