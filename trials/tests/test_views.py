"""Trial mode from the user's side: commissioners on the trials pages, link workers on
their cases."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from audit.models import Event
from casework.tests.factories import CaseFactory
from trials.models import AllocationBlock, Participant, Trial
from trials.tests.factories import TrialFactory

pytestmark = pytest.mark.django_db


def _date(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def _form(team, **overrides):
    today = timezone.localdate()
    data = {
        "team": team.pk,
        "name": "North waiting-list trial",
        **_date("starts_on", today),
        **_date("ends_on", today + dt.timedelta(days=120)),
        "delay_weeks": 8,
        "ratio_now": 1,
        "ratio_wait": 1,
        "stratify_by": ["age", "reason"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def case(team, worker):
    return CaseFactory(referral__person__team=team, link_worker=worker)


def test_a_commissioner_switches_trial_mode_on_and_off(client, commissioner, team):
    client.force_login(commissioner)
    page = client.get(reverse("trials:trials"))
    assert page.status_code == 200
    assert "Switch trial mode on" in page.content.decode()
    response = client.post(reverse("trials:trials"), _form(team))
    trial = Trial.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("trials:detail", args=[trial.pk])
    assert (trial.team, trial.delay_weeks, trial.stratify_by) == (team, 8, ["age", "reason"])
    assert trial.switched_on_by == commissioner
    detail = client.get(reverse("trials:detail", args=[trial.pk])).content.decode()
    assert "North waiting-list trial" in detail and "Switch trial mode off" in detail
    assert "Allocated to wait" not in detail  # arm totals stay hidden while it is on
    client.post(reverse("trials:switch_off", args=[trial.pk]))
    trial.refresh_from_db()
    assert trial.switched_off_by == commissioner
    verbs = list(
        Event.objects.filter(record_type="trials.Trial")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == ["create", "view", "change"]


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"delay_weeks": "0"}, "Ensure this value is greater than or equal to 1"),
        ({"name": ""}, "This field is required"),
        ({"ratio_wait": "9"}, "Ensure this value is less than or equal to 3"),
        ({"stratify_by": ["postcode"]}, "Select a valid choice"),
        ({"ends_day": ""}, None),
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(
    client, commissioner, team, change, field_message
):
    client.force_login(commissioner)
    data = _form(team, **change)
    if "ends_day" in change:
        data["ends_on_0"] = ""
        field_message = "must include a day"
    response = client.post(reverse("trials:trials"), data)
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert "Error: Trial mode" in response.content.decode()
    assert not Trial.objects.exists()


def test_a_period_that_ends_before_it_starts_or_overlaps_is_refused(client, commissioner, team):
    client.force_login(commissioner)
    today = timezone.localdate()
    backwards = _form(
        team, **_date("ends_on", today), **_date("starts_on", today + dt.timedelta(days=3))
    )
    response = client.post(reverse("trials:trials"), backwards)
    assert response.status_code == 400
    assert "The last day must be the same as or after the first day" in response.content.decode()
    TrialFactory(team=team, name="Spring trial")
    response = client.post(reverse("trials:trials"), _form(team))
    assert response.status_code == 400
    assert "already has a trial on" in response.content.decode()
    assert Trial.objects.count() == 1


@pytest.mark.parametrize("role", ["worker", "supervisor", "admin_user"])
def test_only_a_commissioner_may_switch_trial_mode_on(request, client, team, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("trials:trials")).status_code == 403
    assert client.post(reverse("trials:trials"), _form(team)).status_code == 403
    trial = TrialFactory(team=team)
    assert client.post(reverse("trials:switch_off", args=[trial.pk])).status_code == 403
    trial.refresh_from_db()
    assert trial.switched_off_at is None
    assert Trial.objects.count() == 1


def test_a_commissioner_of_another_area_cannot_see_the_trial(client, team, other_team):
    south = UserFactory(username="south_commissioner", role=Role.COMMISSIONER, team=other_team)
    trial = TrialFactory(team=team, name="North only")
    client.force_login(south)
    listing = client.get(reverse("trials:trials")).content.decode()
    assert "North only" not in listing
    assert team.name not in listing  # nor may they choose the team
    assert client.get(reverse("trials:detail", args=[trial.pk])).status_code == 404
    assert client.post(reverse("trials:switch_off", args=[trial.pk])).status_code == 404
    response = client.post(reverse("trials:trials"), _form(team))
    assert response.status_code == 400  # not a team they may choose
    assert Trial.objects.count() == 1


def test_the_trials_list_query_count_is_pinned(
    client, commissioner, team, other_team, django_assert_num_queries
):
    for t in (team, other_team, team):
        start = timezone.localdate() + dt.timedelta(days=200 * Trial.objects.count())
        TrialFactory(team=t, starts_on=start, ends_on=start + dt.timedelta(days=90))
    client.force_login(commissioner)
    # session + user, the trials with their counts, the team choices (the shared field
    # markup reads a select's choices twice); not one more per trial.
    with django_assert_num_queries(5):
        response = client.get(reverse("trials:trials"))
    assert response.content.decode().count('href="/trials/') >= 3


def test_the_link_worker_is_asked_records_consent_and_sees_the_wait(
    client, worker, team, case, seeded
):
    seeded(2)
    trial = TrialFactory(team=team, switched_on_at=case.opened_at - dt.timedelta(days=1))
    client.force_login(worker)
    page = client.get(reverse("casework:case", args=[case.pk])).content.decode()
    assert "Waiting-list trial: ask about taking part" in page
    consent_url = reverse("trials:consent", args=[case.pk])
    assert consent_url in page
    form = client.get(consent_url)
    assert form.status_code == 200
    # Concealed: nothing on either page (or stored) says what the allocation will be.
    assert "Start now</strong>" not in form.content.decode() + page
    assert not AllocationBlock.objects.exists()
    missing = client.post(consent_url, {})
    assert missing.status_code == 400
    assert "Select whether the person agreed to take part" in missing.content.decode()
    assert not Participant.objects.exists()
    done = client.post(consent_url, {"decision": "given"}, follow=True)
    participant = Participant.objects.get()
    content = done.content.decode()
    assert participant.trial == trial and participant.recorded_by == worker
    if participant.arm == "wait":
        starts = participant.wait_ends_on
        assert f"Contact starts on <strong>{starts:%-d %B %Y}</strong>" in content
        caseload = client.get(reverse("casework:caseload")).content.decode()
        assert "Trial: wait" in caseload and f"contact from {starts:%-d %b %Y}" in caseload
    else:
        assert "Start now</strong>" in content
    # Asked once: the page no longer asks and the form sends the worker back to the case.
    assert "ask about taking part" not in content
    again = client.post(consent_url, {"decision": "declined"})
    assert again.status_code == 302
    assert Participant.objects.get().arm == participant.arm


def test_both_arms_show_on_the_case_and_caseload(client, worker, team, seeded):
    seeded(4)
    trial = TrialFactory(team=team)
    client.force_login(worker)
    shown = {}
    for _ in range(8):
        case = CaseFactory(referral__person__team=team, link_worker=worker)
        client.post(reverse("trials:consent", args=[case.pk]), {"decision": "given"})
        arm = Participant.objects.get(referral=case.referral).arm
        shown[arm] = client.get(reverse("casework:case", args=[case.pk])).content.decode()
    assert set(shown) == {"now", "wait"}
    assert "Contact starts on" in shown["wait"] and "Contact starts on" not in shown["now"]
    assert trial.participants.count() == 8


def test_declining_gives_normal_care(client, worker, team, case):
    TrialFactory(team=team, switched_on_at=case.opened_at - dt.timedelta(days=1))
    client.force_login(worker)
    response = client.post(
        reverse("trials:consent", args=[case.pk]), {"decision": "declined"}, follow=True
    )
    content = response.content.decode()
    assert "did not agree to take part" in content
    assert "Contact starts on" not in content
    assert Participant.objects.get().consent == "declined"
    assert not AllocationBlock.objects.exists()


def test_a_case_outside_any_trial_is_unchanged(client, worker, case):
    client.force_login(worker)
    page = client.get(reverse("casework:case", args=[case.pk])).content.decode()
    assert "trial" not in page.lower()
    response = client.get(reverse("trials:consent", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:case", args=[case.pk])
    assert (
        client.post(reverse("trials:consent", args=[case.pk]), {"decision": "given"}).status_code
        == 302
    )
    assert not Participant.objects.exists()


def test_a_link_worker_of_another_team_cannot_record_consent(client, stranger, team, case):
    TrialFactory(team=team, switched_on_at=case.opened_at - dt.timedelta(days=1))
    client.force_login(stranger)
    response = client.post(reverse("trials:consent", args=[case.pk]), {"decision": "given"})
    assert response.status_code == 404
    assert not Participant.objects.exists()


def test_no_screen_or_api_can_read_the_allocation_sequence(client, commissioner):
    from django.contrib import admin

    from trials.models import AllocationBlock as Block

    assert Block not in admin.site._registry and Participant not in admin.site._registry
    schema = client.get("/api/openapi.json").content.decode().lower()
    assert "allocation" not in schema and "trial" not in schema


def test_the_commissioner_home_page_links_to_trial_mode(client, commissioner):
    client.force_login(commissioner)
    assert reverse("trials:trials") in client.get(reverse("web:home")).content.decode()
