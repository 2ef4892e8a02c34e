"""Dates must fit the journey: nothing before the step it follows, nothing in the future."""

import datetime as dt

import pytest
from django.utils import timezone

from casework import actions
from casework.tests.factories import CaseFactory, ConnectionFactory
from people.models import Consent
from people.tests.factories import ConsentFactory
from socialrx.errors import DomainError


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.fixture
def case(worker, organization):
    """Referred ten days ago; the walk was sent five days ago and accepted."""
    case = CaseFactory(
        link_worker=worker,
        referral__person__team=worker.team,
        referral__received_at=timezone.now() - dt.timedelta(days=10),
    )
    ConsentFactory(
        person=case.person,
        kind=Consent.Kind.SHARE_WITH_ORGANIZATION,
        organization=organization,
        shared_fields=["name"],
    )
    return case


@pytest.fixture
def accepted(case, service):
    return ConnectionFactory(
        case=case,
        service=service,
        status="accepted",
        sent_at=timezone.now() - dt.timedelta(days=5),
        responded_at=timezone.now() - dt.timedelta(days=4),
    )


@pytest.mark.parametrize("day", [days_ago(8), days_ago(30)])
def test_a_first_attendance_before_the_connection_was_sent_is_refused(accepted, partner, day):
    with pytest.raises(DomainError, match="before the connection was sent") as exc:
        actions.move_connection(accepted, to="first_attended", side="partner", by=partner, on=day)
    assert exc.value.field == "on"
    accepted.refresh_from_db()
    assert accepted.status == "accepted" and accepted.first_attended_on is None


def test_a_first_attendance_in_the_future_is_refused(accepted, worker):
    with pytest.raises(DomainError, match="future") as exc:
        actions.move_connection(
            accepted, to="first_attended", side="link_worker", by=worker, on=days_ago(-1)
        )
    assert exc.value.field == "on"


def test_a_first_attendance_on_the_day_it_was_sent_is_fine(accepted, partner):
    actions.move_connection(
        accepted, to="first_attended", side="partner", by=partner, on=days_ago(5)
    )
    accepted.refresh_from_db()
    assert accepted.first_attended_on == days_ago(5)


def test_a_contact_before_the_referral_was_received_is_refused(case, worker):
    with pytest.raises(DomainError, match="before the referral was received") as exc:
        actions.record_contact(case, happened_on=days_ago(11), mode="phone", minutes=5, by=worker)
    assert exc.value.field == "happened_on"
    assert not case.contacts.exists()


def test_a_conversation_before_the_referral_was_received_is_refused(case, worker):
    with pytest.raises(DomainError, match="before the referral was received") as exc:
        actions.record_conversation(
            case, by=worker, held_on=days_ago(40), what_matters="Singing again"
        )
    assert exc.value.field == "held_on"


def test_a_conversation_in_the_future_is_refused_by_the_action_too(case, worker):
    with pytest.raises(DomainError, match="future") as exc:
        actions.record_conversation(
            case, by=worker, held_on=days_ago(-2), what_matters="Singing again"
        )
    assert exc.value.field == "held_on"


def test_the_partner_page_shows_the_date_error_on_the_date(client, accepted, partner):
    client.force_login(partner)
    resp = client.post(
        f"/cases/partner/{accepted.pk}/",
        {
            "to": "first_attended",
            # One ISO box today; day, month and year boxes if the page moves to the NHS.UK
            # date input.
            "on": days_ago(30).isoformat(),
            "on_day": str(days_ago(30).day),
            "on_month": str(days_ago(30).month),
            "on_year": str(days_ago(30).year),
        },
    )
    assert resp.status_code == 400
    body = resp.content.decode()
    assert "cannot be before the connection was sent" in body
    assert 'class="nhsuk-error-message"' in body  # on the date itself, not only the summary
    accepted.refresh_from_db()
    assert accepted.status == "accepted"


def test_the_case_page_shows_a_contact_dated_before_the_referral_on_its_field(client, case, worker):
    client.force_login(worker)
    resp = client.post(
        f"/cases/{case.pk}/contacts/",
        {
            # The NHS.UK date input: day, month and year in three boxes.
            "contact-happened_on_0": str(days_ago(20).day),
            "contact-happened_on_1": str(days_ago(20).month),
            "contact-happened_on_2": str(days_ago(20).year),
            "contact-mode": "phone",
            "contact-minutes": "10",
        },
    )
    assert resp.status_code == 400
    body = resp.content.decode()
    assert "before the referral was received" in body
    assert 'id="id_contact-happened_on-error"' in body


def test_the_api_names_the_date_field_when_attendance_predates_the_referral(
    api_client, accepted, partner
):
    resp = api_client(partner).post(
        f"/api/v1/connections/{accepted.pk}/transition",
        {"to": "first_attended", "on": days_ago(30).isoformat()},
    )
    assert resp.status_code == 400
    assert resp.json()["errors"] == [
        {"field": "on", "message": resp.json()["detail"]},
    ]
    assert "before the connection was sent" in resp.json()["detail"]
