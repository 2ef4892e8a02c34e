"""The link worker's home page summarises the outcome measures due; the lists are paged."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import Event
from casework.tests.factories import CaseFactory
from outcomes import schedule


def case_with_first_conversation(worker, days_ago, name):
    case = CaseFactory(
        link_worker=worker,
        referral__person__team=worker.team,
        referral__person__given_name=name,
        referral__person__family_name="Example",
    )
    case.conversations.create(
        area=case.area,
        held_on=timezone.localdate() - dt.timedelta(days=days_ago),
        what_matters="Getting out more",
        recorded_by=worker,
    )
    return case


@pytest.fixture
def caseload(worker):
    """Rows are one person at one timepoint. 60 days in: baseline and 6 weeks overdue, 12 weeks
    later. 40 days in: baseline overdue, 6 weeks due in two days, 12 weeks later. 3 days in:
    baseline due now, both follow-ups later."""
    for i in range(3):
        case_with_first_conversation(worker, 60, f"Sixty{i}")
    case_with_first_conversation(worker, 40, "Forty")
    for i in range(2):
        case_with_first_conversation(worker, 3, f"Three{i}")
    return worker


def test_every_undone_measure_falls_in_one_bucket():
    today = dt.date(2026, 3, 2)
    assert schedule.urgency(today - dt.timedelta(days=8), today) == "overdue"
    assert schedule.urgency(today - dt.timedelta(days=7), today) == "week"
    assert schedule.urgency(today + dt.timedelta(days=7), today) == "week"
    assert schedule.urgency(today + dt.timedelta(days=8), today) == "later"


def test_the_home_page_counts_measures_due_and_links_to_each_list(client, caseload):
    client.force_login(caseload)
    body = client.get("/").content.decode()
    assert 'href="/outcomes/due/?when=overdue"' in body
    assert 'href="/outcomes/due/?when=week"' in body
    assert 'href="/outcomes/due/?when=later"' in body
    summary = body.split('id="measures-due"', 1)[1].split("</section>", 1)[0]
    assert ">7<" in summary and ">3<" in summary and ">8<" in summary
    # Only the most urgent few are listed on the home page, oldest first.
    assert summary.count('href="/outcomes/cases/') == 5
    assert summary.index("Sixty0") < summary.index("Forty") and "Three0" not in summary


def test_the_home_page_query_count_does_not_grow_with_the_caseload(
    client, caseload, django_assert_num_queries
):
    client.force_login(caseload)
    # Session, user and team; follow-ups; 3 for the measures summary (caseload, first
    # conversations, responses); triage count; safeguarding concerns; plan reviews; new
    # cases; connections waiting for an organisation; the list's audit event.
    with django_assert_num_queries(13):
        client.get("/")
    for i in range(20):
        case_with_first_conversation(caseload, 60, f"More{i}")
    with django_assert_num_queries(13):
        client.get("/")


def test_the_overdue_list_is_paged_with_the_nhs_pagination(client, worker):
    for i in range(14):
        case_with_first_conversation(worker, 60, f"Late{i:02d}")
    client.force_login(worker)
    first = client.get("/outcomes/due/?when=overdue").content.decode()
    assert "28 overdue" in first
    assert first.count('href="/outcomes/cases/') == 25
    assert 'class="nhsuk-pagination nhsuk-pagination--numbered"' in first
    assert 'href="?when=overdue&amp;page=2"' in first
    second = client.get("/outcomes/due/?when=overdue&page=2").content.decode()
    assert second.count('href="/outcomes/cases/') == 3
    assert 'aria-current="page"' in second


def test_each_list_shows_only_its_own_rows(client, caseload):
    client.force_login(caseload)
    week = client.get("/outcomes/due/?when=week").content.decode()
    assert week.count('href="/outcomes/cases/') == 3
    assert "Forty" in week and "Three0" in week and "Sixty0" not in week


def test_the_list_query_count_is_pinned(client, caseload, django_assert_num_queries):
    client.force_login(caseload)
    with django_assert_num_queries(7):  # 6, and the list's audit event
        client.get("/outcomes/due/?when=later")


def test_an_unknown_list_is_not_found(client, caseload):
    client.force_login(caseload)
    assert client.get("/outcomes/due/?when=someday").status_code == 404


def test_roles_without_a_caseload_are_refused(client, partner):
    client.force_login(partner)
    assert client.get("/outcomes/due/?when=overdue").status_code == 403


def test_a_colleagues_measures_are_not_in_my_lists(client, caseload, colleague):
    client.force_login(colleague)
    body = client.get("/outcomes/due/?when=overdue").content.decode()
    assert "Sixty0" not in body and "0 overdue" in body


def _list_events(name):
    return list(Event.objects.filter(record_type=name, record_id="list").order_by("id"))


def test_each_page_of_a_list_is_audited_with_how_many_people_it_showed(client, worker):
    # 28 overdue rows, two per person, earliest due first: every baseline and 11 of the
    # 6-week measures on page 1 (14 people), the last 3 on page 2.
    for i in range(14):
        case_with_first_conversation(worker, 60, f"Late{i:02d}")
    client.force_login(worker)
    client.get("/outcomes/due/?when=overdue")
    client.get("/outcomes/due/?when=overdue&page=2")
    first, second = _list_events("outcomes.due")
    assert first.actor == worker and first.verb == Event.Verb.VIEW
    assert first.detail == {"people": 14, "when": "overdue", "page": 1}
    assert second.detail == {"people": 3, "when": "overdue", "page": 2}
    assert first.person_id is None  # a list, not one person's record


def test_a_refused_or_unknown_list_writes_no_list_event(client, caseload, partner):
    client.force_login(partner)
    assert client.get("/outcomes/due/?when=overdue").status_code == 403
    client.force_login(caseload)
    assert client.get("/outcomes/due/?when=someday").status_code == 404
    assert not _list_events("outcomes.due")
