"""The outcomes case page (outcomes:case): its query count, pinned exactly, does not grow
with the number of questionnaires or healthcare-use rows."""

import datetime as dt

import pytest
from django.utils import timezone

from casework.tests.factories import CaseFactory
from outcomes import actions
from outcomes.models import HealthcareUse, Timepoint


@pytest.fixture
def case(worker):
    case = CaseFactory(link_worker=worker, referral__person__team=worker.team)
    case.conversations.create(
        area=case.area,
        held_on=timezone.localdate() - dt.timedelta(50),
        what_matters="Singing again",
        recorded_by=worker,
    )
    return case


@pytest.mark.parametrize("answered", [1, 6])
def test_the_outcomes_case_page_query_count_is_pinned(
    client, worker, case, answered, django_assert_num_queries
):
    for i in range(answered):
        actions.record_response(
            case,
            instrument_id="swemwbs",
            answers=[2 + i % 3] * 7,
            timepoint=Timepoint.OTHER,
            by=worker,
            via="link_worker",
        )
        actions.record_healthcare_use(
            case.person,
            kind=HealthcareUse.Kind.values[0],
            occurred_on=timezone.localdate() - dt.timedelta(days=30 + i),
            count=1,
            by=worker,
        )
    client.force_login(worker)
    with django_assert_num_queries(11):
        resp = client.get(f"/outcomes/cases/{case.pk}/")
    assert resp.status_code == 200
