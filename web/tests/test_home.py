"""Each role's home page (web.home): what it shows, and its query count, pinned exactly."""

import pytest
from django.utils.html import escape

from audit.actions import record_event
from audit.models import Event
from casework.tests.factories import busy_caseload
from people.models import Person


@pytest.fixture
def busy_worker(worker, service):
    return busy_caseload(worker, service)


def test_link_worker_home_query_count_is_pinned(client, busy_worker, django_assert_num_queries):
    client.force_login(busy_worker)
    # 2 for the session and user; 7 for concerns, follow-ups, reviews, new cases, waiting
    # connections and the triage count; 3 for the measures due; 1 for the list's audit.
    with django_assert_num_queries(13):
        resp = client.get("/")
    body = resp.content.decode()
    assert "Overdue" in body and "Waiting for an organisation to reply" in body


def test_supervisor_home_query_count_is_pinned(
    client, busy_worker, supervisor, django_assert_num_queries
):
    client.force_login(supervisor)
    with django_assert_num_queries(15):
        resp = client.get("/")
    assert "Caseloads" in resp.content.decode()


def test_partner_home_query_count_is_pinned(
    client, busy_worker, partner, django_assert_num_queries
):
    client.force_login(partner)
    with django_assert_num_queries(6):
        resp = client.get("/")
    assert resp.content.decode().count("/cases/partner/") >= 6


def test_commissioner_home_query_count_is_pinned(
    client, busy_worker, commissioner, django_assert_num_queries
):
    client.force_login(commissioner)
    with django_assert_num_queries(8):
        resp = client.get("/")
    assert "Service overview" in resp.content.decode()


def test_admin_home_query_count_is_pinned(
    client, busy_worker, admin_user, django_assert_num_queries
):
    record_event(busy_worker, Event.Verb.VIEW, Person.objects.first())
    client.force_login(admin_user)
    with django_assert_num_queries(9):
        resp = client.get("/")
    body = resp.content.decode()
    assert "Latest audit events" in body and "people.Person" in body


def test_commissioner_sees_suppressed_counts_and_no_names(client, busy_worker, commissioner):
    client.force_login(commissioner)
    body = client.get("/").content.decode()
    assert "&lt;5" in body or "<5" in body
    # Full names and NHS numbers: a bare surname could be a staff member's own (the
    # commissioner's name is in the page header), which is not a leak.
    for person in Person.objects.all():
        assert f"{person.given_name} {person.family_name}" not in body
        assert not person.nhs_number or person.nhs_number not in body


def _home_events():
    return list(Event.objects.filter(record_type="web.home", record_id="list"))


def test_a_link_workers_home_is_audited_as_one_list_naming_the_people_shown(client, busy_worker):
    client.force_login(busy_worker)
    body = client.get("/").content.decode()
    [event] = _home_events()
    assert event.actor == busy_worker and event.verb == Event.Verb.VIEW
    panels = event.detail["panels"]
    assert event.detail["role"] == "link_worker"
    assert set(panels) == {
        "follow_ups", "reviews", "new_cases", "awaiting_partner", "concerns", "measures_urgent"
    }  # fmt: skip
    # Every person named on the page is counted once, however many panels name them (as
    # the page writes a name: escaped, so "O'Neill" is "O&#x27;Neill").
    named = {p for p in Person.objects.all() if escape(str(p)) in body}
    assert event.detail["people"] == len(named) > 0
    assert max(panels.values()) <= event.detail["people"] <= sum(panels.values())


def test_a_supervisors_home_counts_the_team_panels_too(client, busy_worker, supervisor):
    client.force_login(supervisor)
    client.get("/")
    [event] = _home_events()
    assert event.actor == supervisor and event.detail["role"] == "supervisor"
    assert {"team_concerns", "team_overdue", "safeguarding"} <= set(event.detail["panels"])


def test_referrer_and_partner_homes_are_audited(client, busy_worker, referrer, partner):
    for user in (referrer, partner):
        client.force_login(user)
        client.get("/")
    by = {e.actor: e for e in _home_events()}
    assert set(by[referrer].detail["panels"]) == {"referrals"}
    assert set(by[partner].detail["panels"]) == {"to_respond", "in_progress"}
    assert by[partner].detail["people"] > 0


def test_homes_that_name_no_one_write_no_list_event(client, busy_worker, commissioner):
    client.force_login(commissioner)
    client.get("/")
    assert not _home_events()
