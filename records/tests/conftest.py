"""A person with something in every part of their record, for subject access and retention."""

import datetime as dt

import pytest
from django.utils import timezone

from casework.models import Conversation, PlanAction, SafeguardingConcern
from casework.tests.factories import CaseFactory, ConnectionFactory, ContactFactory, GoalFactory
from matching.tests.factories import SuggestionFeedbackFactory
from outcomes.models import HealthcareUse, OneTimeLink, Response
from people.models import Consent
from people.tests.factories import ConsentFactory


@pytest.fixture
def full_case(worker, referrer, service, organization):
    """Zoë Nguyễn's case in North PCN, with a row of each kind the record can hold."""
    case = CaseFactory(
        link_worker=worker,
        referral__referrer=referrer,
        referral__team=worker.team,
        referral__person__team=worker.team,
        referral__person__given_name="Zoë",
        referral__person__family_name="Nguyễn",
        referral__person__address="1 Łukasz Street",
        referral__notes="Lonely since her husband died.",
        referral__person_details_sent={"given_name": "Zoë", "family_name": "Nguyễn"},
    )
    person, area = case.person, case.area
    now = timezone.now()
    ConsentFactory(
        person=person,
        kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
        organization=organization,
        shared_fields=["name"],
    )
    Conversation.objects.create(
        area=area, case=case, held_on=now.date(), what_matters="Her garden.", recorded_by=worker
    )
    goal = GoalFactory(case=case, text="Back to the allotment.")
    PlanAction.objects.create(area=area, case=case, goal=goal, description="Call the society.")
    ConnectionFactory(case=case, service=service, goal=goal, status="proposed")
    ContactFactory(case=case, notes="Talked about the allotment.")
    response = Response.objects.create(
        area=area,
        person=person,
        case=case,
        instrument="ons4",
        instrument_version="1",
        answers={"satisfied": 5},
        via=Response.Via.LINK_WORKER,
        completed_at=now,
        recorded_by=worker,
    )
    SafeguardingConcern.objects.create(
        area=area, case=case, person=person, response=response, raised_at=now
    )
    OneTimeLink.objects.create(
        area=area,
        person=person,
        case=case,
        instrument="swemwbs",
        timepoint="week_6",
        channel=OneTimeLink.Channel.SMS,
        token_hash="f" * 64,
        expires_at=now + dt.timedelta(days=7),
    )
    HealthcareUse.objects.create(
        area=area,
        person=person,
        kind=HealthcareUse.Kind.GP_APPOINTMENT,
        occurred_on=now.date() - dt.timedelta(days=30),
    )
    SuggestionFeedbackFactory(case=case, service=service, given_by=worker)
    return case
