"""Build the ranker's Profile from a case (the person's "what matters" profile)."""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.formats import date_format

from casework import rules as casework_rules
from casework.models import Barrier, Conversation, Goal
from directory.access import stale_after_days
from matching.documents import (
    SEXES,
    TIMES_OF_DAY,
    WEEKDAYS,
    Need,
    Profile,
    access_tags,
    needs_from_text,
)
from matching.geo import locate_postcode
from matching.models import SuggestionFeedback
from matching.queries import not_wanted_by_team
from people.rules import age_on
from referrals.reasons import reason_label
from socialrx.errors import DomainError


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def needs_for_case(case, conversation) -> tuple[Need, ...]:
    needs = [
        Need(
            text=reason_label(code),
            label=f"the referral for {reason_label(code).lower()}",
            kind=code,
        )
        for code in case.referral.reasons
    ]
    if conversation is not None:
        for interest in re.split(r"[,;\n]+", conversation.interests or ""):
            interest = interest.strip(" .")
            if interest:
                needs.append(Need(text=interest, label=f"your interest in {_short(interest, 40)}"))
        needs += _said(conversation.what_matters, "what matters to you (“{}”)")
    for goal in case.goals.filter(status=Goal.Status.IN_PROGRESS):
        needs += _said(goal.text, "your goal “{}”")
    return tuple(needs)


def _said(text: str, label: str) -> list[Need]:
    """The person's own words read as the API reads a query (documents.needs_from_text):
    each sentence, and each side of an "and", is a need of its own, so "Sorting out the
    bills. Getting back to fishing." finds debt advice and an angling club, not one blur."""
    return [
        Need(text=n.text, label=label.format(_short(n.text, 40)), piece=n.piece)
        for n in needs_from_text(text)
    ]


def _marked_unsuitable(case) -> tuple[tuple[str, str], ...]:
    """Services a worker marked "not suitable" on this case: the person has said no, so they
    are not suggested to them again (the latest reason is shown under "Services left out").
    Adding one by hand still works."""
    latest: dict[str, str] = {}
    for service_id, reason, given_at in case.suggestion_feedback.order_by("given_at").values_list(
        "service_id", "reason", "given_at"
    ):
        when = date_format(timezone.localtime(given_at), "j F Y")
        label = SuggestionFeedback.Reason(reason).label
        latest[str(service_id)] = f"Marked not suitable on {when}: {label[0].lower()}{label[1:]}"
    return tuple(latest.items())


def profile_for_case(case, *, radius_km: float | None = None, today=None) -> Profile:
    """Everything the ranker may use about the person on `case`. Reads the latest
    conversation, goals, the referral's reasons, the person's record and open connections."""
    today = today or timezone.localdate()
    person = case.person
    conversation = case.conversations.first()
    barriers = set(conversation.barriers if conversation else [])
    days = list(conversation.preferred_days or []) if conversation else []
    times = list(conversation.preferred_times or []) if conversation else []
    slots = frozenset()
    if days or times:
        slots = frozenset((d, t) for d in (days or WEEKDAYS) for t in (times or TIMES_OF_DAY))
    access = set(access_tags([person.access_needs, person.communication_needs]))
    if Barrier.MOBILITY in barriers:
        access.add("step_free")
    language = (person.preferred_language or "").strip().lower()
    location = locate_postcode(person.postcode) if person.postcode else None
    if radius_km is None and conversation and conversation.max_travel_km:
        radius_km = float(conversation.max_travel_km)
    in_plan = case.connections.exclude(status__in=casework_rules.ENDED).values_list(
        "service_id", flat=True
    )
    return Profile(
        needs=needs_for_case(case, conversation),
        lat=location[0] if location else None,
        lon=location[1] if location else None,
        radius_km=radius_km if location else None,
        age=age_on(person.birth_date, today),
        sex=person.sex if person.sex in SEXES else None,
        areas=frozenset({case.area.code.lower(), case.area.name.lower()}),
        free_slots=slots,
        cost_barrier=Barrier.COST in barriers,
        transport_barrier=Barrier.TRANSPORT in barriers,
        access_needs=frozenset(access),
        languages=frozenset({language}) if language and language != "english" else frozenset(),
        setting=conversation.setting if conversation else Conversation.Setting.EITHER,
        mode=conversation.mode if conversation else Conversation.Mode.EITHER,
        professional=True,  # only case workers, who are staff, work a case
        stale_after_days=stale_after_days(),
        exclude_ids=frozenset(str(s) for s in in_plan),
        unsuitable=_marked_unsuitable(case),
        not_wanted=not_wanted_by_team(case.area_id, case.team_id, case.referral.reasons),
        today=today,
    )


def profile_for_query(
    *,
    text: str | None,
    lat: float | None = None,
    lon: float | None = None,
    postcode: str | None = None,
    radius_km: float | None = None,
    age: int | None = None,
    sex: str | None = None,
    professional: bool = True,
) -> Profile:
    """A Profile from a plain query (API, `manage.py suggest`). Raises DomainError naming
    the field when the inputs do not fit together."""
    if not (text or "").strip():
        raise DomainError("Say what the person needs, in plain words.", field="text")
    if (lat is None) != (lon is None):
        raise DomainError(
            "Send both lat and lon, or neither.", field="lon" if lon is None else "lat"
        )
    if lat is not None and postcode:
        raise DomainError("Send lat and lon, or a postcode, not both.", field="postcode")
    if postcode:
        found = locate_postcode(postcode)
        if found is None:
            raise DomainError(
                f"We could not find where {postcode.strip()} is; send lat and lon instead.",
                field="postcode",
            )
        lat, lon = found
    if radius_km is not None and lat is None:
        raise DomainError(
            "A radius needs a place: send lat and lon or a postcode.", field="radius_km"
        )
    return Profile(
        needs=needs_from_text(text or ""),
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        age=age,
        sex=sex,
        professional=professional,
        stale_after_days=stale_after_days(),
    )
