"""The evaluation page and `manage.py evaluate --json`: who sees what, the same numbers in
both, small numbers hidden, and bad input answered in words."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from accounts.tests.factories import TeamFactory, UserFactory
from audit.models import Event
from insight.models import UnitCost
from insight.tests.generate import measured_case

URL = reverse("insight:evaluation")


@pytest.fixture
def north_world(team, service):
    """Eight pairs in North PCN: five attended a service, three never connected."""
    for i in range(5):
        measured_case(team, change=2.0 + i, attended=service)
    for i in range(3):
        measured_case(team, change=float(i), reasons=("money",))


@pytest.fixture
def south_world(other_team):
    """Six pairs in South PCN (another area), all with a large change."""
    for _ in range(6):
        measured_case(other_team, change=9.0)


def _swemwbs(response):
    (measure,) = [m for m in response.context["result"]["measures"] if m["instrument"] == "swemwbs"]
    return measure


def _evaluate(*args):
    out = io.StringIO()
    call_command("evaluate", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_a_supervisor_sees_their_team_only(client, supervisor, north_world, south_world):
    client.force_login(supervisor)
    response = client.get(URL)
    assert response.status_code == 200
    measure = _swemwbs(response)
    assert measure["pairs"] == 8  # South's six are not counted
    assert measure["change"]["mean"] == 2.88
    body = response.content.decode()
    assert "People&#x27;s wellbeing (SWEMWBS) rose by 2.9 points on average" in body
    assert "This is observational" in body


def test_a_commissioner_without_an_area_sees_every_area(
    client, commissioner, north_world, south_world
):
    client.force_login(commissioner)
    assert _swemwbs(client.get(URL))["pairs"] == 14


def test_a_commissioner_of_an_area_sees_that_area_only(
    client, north_world, south_world, other_team
):
    locality = TeamFactory(area=other_team.area, name="South locality", kind="locality")
    client.force_login(
        UserFactory(username="south_commissioner", role="commissioner", team=locality)
    )
    measure = _swemwbs(client.get(URL))
    assert measure["pairs"] == 6 and measure["change"]["mean"] == 9.0


def test_an_admin_filters_by_area(client, admin_user, north_world, south_world, other_team):
    client.force_login(admin_user)
    response = client.get(URL, {"area": other_team.area.code})
    assert _swemwbs(response)["pairs"] == 6


@pytest.mark.parametrize("persona", ["worker", "partner", "referrer"])
def test_case_workers_partners_and_referrers_are_refused(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_small_groups_show_under_five_and_no_change_on_the_page(client, supervisor, north_world):
    client.force_login(supervisor)
    response = client.get(URL)
    measure = _swemwbs(response)
    money = next(g for g in measure["subgroups"]["reason"] if g["group"] == "Money or debt")
    assert money == {"group": "Money or debt", "pairs": "<5", "change": None}
    body = response.content.decode()
    row = body[body.index(">Money or debt<") :].split("</tr>")[0]
    assert ">&lt;5<" in row and "–" in row
    assert "Not shown: a group has fewer than 5 pairs" in body  # the comparison has 3


def test_the_page_names_no_one(client, supervisor, north_world):
    from people.models import Person

    client.force_login(supervisor)
    body = client.get(URL).content.decode()
    for person in Person.objects.all():
        # The full name: a generated family name can be a word the page uses ("Day").
        assert person.full_name not in body
        assert str(person.pk) not in body
        if person.nhs_number:
            assert person.nhs_number not in body


def test_viewing_the_page_is_audited(client, supervisor, north_world):
    client.force_login(supervisor)
    client.get(URL)
    event = Event.objects.get(record_type="insight.evaluation")
    assert event.actor == supervisor and event.verb == Event.Verb.VIEW


def test_an_impossible_date_is_a_form_error_not_a_crash(client, supervisor, north_world):
    client.force_login(supervisor)
    response = client.get(URL, {"date_from_0": "31", "date_from_1": "2", "date_from_2": "2026"})
    assert response.status_code == 200
    assert response.context["result"] is None
    assert "Referred from must be a real date" in response.content.decode()


def test_an_end_before_the_start_is_refused(client, supervisor):
    client.force_login(supervisor)
    response = client.get(
        URL,
        {
            "date_from_0": "1",
            "date_from_1": "6",
            "date_from_2": "2026",
            "date_to_0": "1",
            "date_to_1": "5",
            "date_to_2": "2026",
        },
    )
    assert "must be the same as or after" in response.content.decode()
    assert response.context["result"] is None


def test_a_team_outside_the_supervisors_scope_is_refused(client, supervisor, other_team):
    client.force_login(supervisor)
    response = client.get(URL, {"team": other_team.pk})
    assert response.context["result"] is None
    assert response.context["form"].errors["team"]


def test_the_page_runs_a_fixed_number_of_queries(
    client, supervisor, north_world, django_assert_num_queries
):
    client.force_login(supervisor)
    client.get(URL)
    # session and user (2), the filter form's teams and areas (2), the evaluation: the
    # pairs' sums by every subgroup, equity, reason and category included, from the monthly
    # sums and the facts of the period's ends (1), healthcare use (1), unit costs (1); the
    # audit row (1); the randomised estimate (1); months after discharge (2) and experience
    # (2). On PostgreSQL the sums also set their sort memory for their own transaction (a
    # savepoint here, the SET and the release: 3).
    expected = 17 if connection.vendor == "postgresql" else 14
    with django_assert_num_queries(expected):
        client.get(URL)
    for i in range(5):  # more people, same count
        measured_case(supervisor.team, change=float(i))
    with django_assert_num_queries(expected):
        client.get(URL)


# --- manage.py evaluate --json ---------------------------------------------------------------


def test_the_command_gives_the_numbers_the_page_shows(
    client, supervisor, team, north_world, south_world
):
    client.force_login(supervisor)
    page = client.get(URL).context["result"]
    data = _evaluate("--team", team.name)
    assert [m["pairs"] for m in data["measures"]] == [m["pairs"] for m in page["measures"]]
    for ours, theirs in zip(data["measures"], page["measures"], strict=True):
        for key in (
            "instrument",
            "score",
            "pairs",
            "lost_to_follow_up",
            "change",
            "subgroups",
            "comparison",
        ):
            assert ours[key] == theirs[key]
    assert data["healthcare_use"] == {
        k: v
        for k, v in page["healthcare_use"].items()
        if k not in {"sentences", "kinds_without_unit_cost_labels"}
    }


def test_the_command_json_has_the_issues_shape(north_world, south_world):
    (measure,) = _evaluate()["measures"]
    assert measure["instrument"] == "swemwbs" and measure["score"] == "metric"
    assert measure["pairs"] == 14 and measure["lost_to_follow_up"] == 0
    assert set(measure["change"]) == {"mean", "ci95", "effect_size"}
    assert set(measure["subgroups"]) == {
        "age_band",
        "sex",
        "reason",
        "category",
        "contacts",
        "ethnicity",
        "deprivation",
        "long_term_conditions",
    }
    assert measure["comparison"]["method"] == "difference_in_differences"
    assert measure["comparison"]["treated_pairs"] == 5
    assert measure["comparison"]["comparison_pairs"] == 9
    assert measure["comparison"]["ci95"][0] <= measure["comparison"]["estimate"]


def test_the_command_suppresses_small_groups(north_world):
    (measure,) = _evaluate()["measures"]
    money = next(g for g in measure["subgroups"]["reason"] if g["group"] == "Money or debt")
    assert money == {"group": "Money or debt", "pairs": "<5", "change": None}
    assert measure["comparison"]["comparison_pairs"] == "<5"
    assert measure["comparison"]["estimate"] is None


def test_the_command_filters_by_area_and_dates(north_world, south_world, other_team):
    (measure,) = _evaluate("--area", other_team.area.code)["measures"]
    assert measure["pairs"] == 6
    assert _evaluate("--to", "2000-01-01")["measures"] == []


def test_the_command_records_an_export_event(north_world):
    _evaluate()
    event = Event.objects.get(record_type="insight.evaluation")
    assert event.verb == Event.Verb.EXPORT and event.actor_label == "manage.py evaluate"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--team", "Nobody's team"], "No team is called"),
        (["--area", "atlantis"], "No area has the code"),
        (["--from", "31/02/2026"], "is not a date"),
        (["--from", "2026-06-01", "--to", "2026-05-01"], "--to must be the same as or after"),
    ],
)
def test_the_command_explains_bad_arguments(team, args, message):
    with pytest.raises(CommandError, match=message):
        _evaluate(*args)


def test_the_command_asks_which_of_two_teams_of_one_name(team, other_team):
    TeamFactory(area=other_team.area, name=team.name)
    with pytest.raises(CommandError, match="add --area"):
        _evaluate("--team", team.name)
    assert _evaluate("--team", team.name, "--area", team.area.code)["measures"] == []


# --- Unit costs ------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    root = UserFactory(username="root", role="admin", team=None, is_staff=True, is_superuser=True)
    client.force_login(root)
    return client


def test_an_admin_sets_a_unit_cost_and_it_is_audited(admin_client):
    response = admin_client.post(
        reverse("admin:insight_unitcost_add"),
        {"kind": "gp_appointment", "cost": "42.00", "source": "PSSRU 2024"},
    )
    assert response.status_code == 302
    cost = UnitCost.objects.get()
    event = Event.objects.get(record_type="insight.UnitCost")
    assert event.verb == Event.Verb.CREATE and event.record_id == str(cost.pk)


def test_a_negative_unit_cost_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:insight_unitcost_add"), {"kind": "gp_appointment", "cost": "-1"}
    )
    assert response.status_code == 200
    assert not UnitCost.objects.exists()


def test_the_menu_links_the_page_for_its_readers_only(client, supervisor, worker):
    client.force_login(supervisor)
    assert f'href="{URL}"' in client.get(reverse("web:home")).content.decode()
    client.force_login(worker)
    assert f'href="{URL}"' not in client.get(reverse("web:home")).content.decode()
