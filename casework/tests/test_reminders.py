import datetime as dt
import io

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from casework.tests.factories import CaseFactory, ContactFactory


def _case_with_follow_up(worker, due, **person):
    case = CaseFactory(
        link_worker=worker,
        referral__person__team=worker.team,
        **{f"referral__person__{k}": v for k, v in person.items()},
    )
    ContactFactory(case=case, follow_up_due=due, happened_on=due - dt.timedelta(days=7))
    return case


def test_the_queued_task_emails_each_worker_their_due_follow_ups(worker, colleague):
    today = timezone.localdate()
    _case_with_follow_up(
        worker, today - dt.timedelta(days=2), given_name="Mary", family_name="Jones"
    )
    _case_with_follow_up(colleague, today + dt.timedelta(days=10))  # not due yet
    out = io.StringIO()
    call_command("enqueue_reminders", stdout=out)  # tests run tasks immediately
    assert "Queued follow-up reminders" in out.getvalue()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [worker.email]
    assert "MJ: overdue" in message.body
    assert "Mary" not in message.body and "Jones" not in message.body


def test_a_later_contact_replaces_the_earlier_follow_up(worker):
    today = timezone.localdate()
    case = _case_with_follow_up(worker, today - dt.timedelta(days=1))
    ContactFactory(case=case, happened_on=today, follow_up_due=today + dt.timedelta(days=14))
    call_command("enqueue_reminders", stdout=io.StringIO())
    assert mail.outbox == []
