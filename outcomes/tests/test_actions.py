import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import Event
from casework.tests.factories import CaseFactory
from outcomes import actions
from outcomes.models import HealthcareUse, OneTimeLink, Response
from outcomes.rules import TIMEPOINT_UNKNOWN
from outcomes.sms import MemorySMSBackend
from people.models import Consent
from people.tests.factories import ConsentFactory
from socialrx.errors import ConsentMissing, DomainError


@pytest.fixture
def case(worker):
    return CaseFactory(link_worker=worker, referral__person__team=worker.team)


def test_recording_a_response_stores_the_score_and_audits(case, worker):
    response = actions.record_response(
        case,
        instrument_id="swemwbs",
        answers=[3, 4, 2, 5, 3, 3, 4],
        timepoint="baseline",
        by=worker,
        via="link_worker",
    )
    assert response.raw == 24 and response.score == 21.54
    assert response.answers["optimistic"] == 3
    assert Event.objects.filter(record_type="outcomes.Response", verb="create").exists()


def test_bad_answers_name_the_question_and_write_nothing(case, worker):
    with pytest.raises(DomainError) as exc:
        actions.record_response(
            case,
            instrument_id="ucla3",
            answers=[1, 2, 7],
            timepoint="baseline",
            by=worker,
            via="link_worker",
        )
    assert exc.value.field == "isolated"
    assert not Response.objects.exists()


def test_an_unknown_timepoint_is_refused_by_name_and_writes_nothing(case, worker):
    with pytest.raises(DomainError) as exc:
        actions.record_response(
            case,
            instrument_id="ucla3",
            answers=[1, 2, 3],
            timepoint="week_99",
            by=worker,
            via="link_worker",
        )
    assert (exc.value.message, exc.value.field) == (TIMEPOINT_UNKNOWN, "timepoint")
    assert not Response.objects.exists()


def test_a_link_for_an_unknown_timepoint_is_refused_with_the_same_message(case, worker):
    ConsentFactory(person=case.person, kind=Consent.Kind.EMAIL)
    with pytest.raises(DomainError) as exc:
        actions.create_one_time_link(
            case, instrument_id="swemwbs", timepoint="week_99", channel="email", by=worker
        )
    assert (exc.value.message, exc.value.field) == (TIMEPOINT_UNKNOWN, "timepoint")
    assert not OneTimeLink.objects.exists()


def test_a_link_needs_consent_to_that_channel(case, worker):
    with pytest.raises(ConsentMissing, match="has not agreed to email"):
        actions.create_one_time_link(
            case, instrument_id="swemwbs", timepoint="week_6", channel="email", by=worker
        )
    assert not OneTimeLink.objects.exists()


def test_a_link_is_emailed_used_once_and_then_refused(
    case, worker, django_capture_on_commit_callbacks
):
    ConsentFactory(person=case.person, kind=Consent.Kind.EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        link, url = actions.create_one_time_link(
            case, instrument_id="ucla3", timepoint="week_6", channel="email", by=worker
        )
    assert len(mail.outbox) == 1 and url in mail.outbox[0].body
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert token not in link.token_hash
    response = actions.respond_with_link(token, answers=[1, 2, 2])
    assert response.via == "one_time_link" and response.timepoint == "week_6"
    with pytest.raises(actions.LinkNoLongerWorks):
        actions.respond_with_link(token, answers=[1, 1, 1])
    assert Response.objects.count() == 1


def test_a_text_message_link_goes_through_the_sms_backend(
    case, worker, django_capture_on_commit_callbacks
):
    MemorySMSBackend.outbox.clear()
    ConsentFactory(person=case.person, kind=Consent.Kind.SMS)
    with django_capture_on_commit_callbacks(execute=True):
        _, url = actions.create_one_time_link(
            case, instrument_id="swemwbs", timepoint="week_6", channel="sms", by=worker
        )
    assert MemorySMSBackend.outbox[-1] == (case.person.phone, MemorySMSBackend.outbox[-1][1])
    assert url in MemorySMSBackend.outbox[-1][1]


def test_an_expired_link_is_refused(case, worker):
    ConsentFactory(person=case.person, kind=Consent.Kind.EMAIL)
    link, url = actions.create_one_time_link(
        case, instrument_id="ucla3", timepoint="week_6", channel="email", by=worker
    )
    OneTimeLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    with pytest.raises(actions.LinkNoLongerWorks):
        actions.respond_with_link(url.rstrip("/").rsplit("/", 1)[1], answers=[1, 1, 1])


def test_invalid_answers_on_a_link_leave_it_usable(case, worker):
    ConsentFactory(person=case.person, kind=Consent.Kind.EMAIL)
    _, url = actions.create_one_time_link(
        case, instrument_id="ucla3", timepoint="week_6", channel="email", by=worker
    )
    token = url.rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(DomainError):
        actions.respond_with_link(token, answers=[1, 9, 1])
    assert actions.respond_with_link(token, answers=[1, 1, 1]).raw == 3


CSV_OK = """nhs_number,kind,date,count
{nhs},gp_appointment,2026-05-01,2
{nhs},ae_attendance,2026-06-11,1
"""


def test_healthcare_use_imports_and_is_idempotent(case, worker, tmp_path):
    path = tmp_path / "use.csv"
    path.write_text(CSV_OK.format(nhs=case.person.nhs_number))
    out = io.StringIO()
    call_command("import_healthcare_use", str(path), "--as", "worker", stdout=out)
    assert "Imported 2 row(s)" in out.getvalue()
    call_command("import_healthcare_use", str(path), "--as", "worker", stdout=io.StringIO())
    assert HealthcareUse.objects.count() == 2


def test_one_bad_row_means_nothing_is_written_and_every_problem_is_reported(case, worker, tmp_path):
    path = tmp_path / "use.csv"
    path.write_text(
        CSV_OK.format(nhs=case.person.nhs_number)
        + "9999999999,gp_appointment,2026-05-01,1\n"
        + f"{case.person.nhs_number},dentist,01/05/2026,0\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 bad row"):
        call_command("import_healthcare_use", str(path), "--as", "worker", stderr=err)
    report = err.getvalue()
    assert "Line 4: no person with this NHS number in your team." in report
    assert "Line 5:" in report and "kind must be one of" in report
    assert "date must be YYYY-MM-DD" in report and "count must be" in report
    assert not HealthcareUse.objects.exists()


def test_a_stranger_cannot_import_for_another_teams_people(case, stranger, tmp_path):
    path = tmp_path / "use.csv"
    path.write_text(CSV_OK.format(nhs=case.person.nhs_number))
    with pytest.raises(CommandError):
        call_command("import_healthcare_use", str(path), "--as", "stranger", stderr=io.StringIO())
    assert not HealthcareUse.objects.exists()


def test_score_command_prints_json_or_fails_with_the_reason():
    out = io.StringIO()
    call_command("score", "swemwbs", "3", "4", "2", "5", "3", "3", "4", stdout=out)
    assert out.getvalue().strip() == (
        '{"instrument": "swemwbs", "version": "1", "raw": 24, "score": 21.54, "band": null}'
    )
    with pytest.raises(CommandError, match="Unknown instrument"):
        call_command("score", "eq5d", "1")
