"""The local population: loaded from a CSV file all or nothing, and compared with on the
dashboard's reach tables (page and CSV) as referred per 1,000 residents and as shares, with
small numbers suppressed; said plainly where no population is loaded."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from insight.models import PopulationCount
from places.models import Deprivation, Postcode
from referrals.tests.factories import ReferralFactory

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "population.csv"
TODAY = timezone.localdate()


def _born(age: int) -> dt.date:
    return dt.date(TODAY.year - age - 1, TODAY.month, 1)


def load(path, *args):
    out = io.StringIO()
    call_command("load_population", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def referred(team):
    """Six women aged 30 and two men aged 70, all living in an IMD decile 2 LSOA."""
    Postcode.objects.create(
        postcode="TN23 1AA", outward="TN23", latitude=51.14, longitude=0.87, lsoa11="E01024001"
    )
    Deprivation.objects.create(lsoa="E01024001", census=2011, imd_decile=2)
    for _ in range(6):
        ReferralFactory(person__team=team, person__sex="female", person__birth_date=_born(30))
    for _ in range(2):
        ReferralFactory(person__team=team, person__sex="male", person__birth_date=_born(70))


def _table(response, slug):
    return next(table for table, _ in response.context["tables"] if table.slug == slug)


def _rows(table):
    return {row[0]: row for row in table.rows}


# --- Loading -------------------------------------------------------------------------------


def test_the_example_file_loads_and_a_reload_replaces_it(north):
    assert "Loaded 24 population figures for north" in load(EXAMPLE, "--source", "Example")
    assert PopulationCount.objects.filter(kind="age_sex").count() == 14
    assert PopulationCount.objects.filter(kind="deprivation").count() == 10
    row = PopulationCount.objects.get(age_band="18–24", sex="female")
    assert row.people == 4300 and row.source == "Example"
    load(EXAMPLE)
    assert PopulationCount.objects.count() == 24
    events = Event.objects.filter(record_type="insight.population", record_id="north")
    assert events.count() == 2 and events.first().actor_label == "manage.py load_population"


def test_every_bad_cell_is_named_and_nothing_is_loaded(north, tmp_path):
    load(EXAMPLE)
    bad = tmp_path / "population.csv"
    bad.write_text(
        "area,kind,group,sex,people\n"
        "north,age_sex,18-24,female,100\n"
        "west,age_sex,18-24,female,100\n"
        "north,age_sex,18 to 24,men,ten\n"
        "north,deprivation,11,female,5\n"
        "north,ages,1,,5\n"
        "north,age_sex,18-24,female,200\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="8 problem"):
        call_command("load_population", str(bad), stderr=err)
    assert (
        err.getvalue().splitlines()
        == [
            "population.csv:3: area: no area has the code 'west'",
            "population.csv:4: group: must be an age band: 0-17, 18-24, 25-34, 35-49, 50-64, "
            "65-79, 80+",
            "population.csv:4: sex: must be female or male",
            "population.csv:4: people: must be a whole number of people (0 or more)",
            "population.csv:5: group: must be an IMD decile from 1 to 10",
            "population.csv:5: sex: must be blank for a deprivation row",
            "population.csv:6: kind: must be age_sex or deprivation",
            "population.csv:7: group: repeats line 2",
        ][: len(err.getvalue().splitlines())]
    )
    assert len(err.getvalue().splitlines()) == 8
    # What was loaded before is untouched.
    assert PopulationCount.objects.get(age_band="18–24", sex="female").people == 4300


def test_a_file_without_the_columns_is_refused(north, tmp_path):
    bad = tmp_path / "people.csv"
    bad.write_text("area,band,people\nnorth,18-24,5\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("load_population", str(bad), stderr=err)
    assert "people.csv:1: header: missing column(s) kind, group, sex" in err.getvalue()
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_population", str(tmp_path / "missing.csv"))


# --- On the dashboard ----------------------------------------------------------------------


def test_without_a_population_the_reach_tables_say_so(client, supervisor, referred):
    client.force_login(supervisor)
    response = client.get(reverse("insight:dashboard"))
    for slug in ("reach", "reach-sex", "reach-deprivation"):
        table = _table(response, slug)
        assert "No local population figures" in table.note
        assert "loaded for this area" in table.note
        assert "Residents" not in table.columns
    assert "No local population figures by deprivation are loaded" in response.content.decode()


def test_reach_by_age_against_the_population_with_small_numbers_withheld(
    client, supervisor, referred
):
    load(EXAMPLE)
    client.force_login(supervisor)
    table = _table(client.get(reverse("insight:dashboard")), "reach")
    assert table.columns[-4:] == [
        "Residents",
        "Referred per 1,000 residents",
        "Share referred (%)",
        "Share of residents (%)",
    ]
    rows = _rows(table)
    # 25–34: 6 of 14,100 residents (0.43 per 1,000); 6 of the 8 referred, 14,100 of 102,000.
    assert rows["25–34"][1] == 6 and rows["25–34"][-4:] == [14100, 0.4, 75.0, 13.8]
    # 65–79: two people: the count is "<5" and their rate and share are withheld.
    assert rows["65–79"][1] == "<5" and rows["65–79"][-4:] == [14500, None, None, 14.2]
    # Nobody referred in a band: 0 shown, rate withheld (a statistic over fewer than 5).
    assert rows["0–17"][1] == 0 and rows["0–17"][-4:] == [21300, None, None, 20.9]
    assert rows["Not known"][-4:] == [None, None, None, None]

    download = client.get(reverse("insight:dashboard_csv", args=["reach"]))
    lines = list(csv.reader(io.StringIO(download.content.decode())))
    assert lines[0][-2:] == ["Share referred (%)", "Share of residents (%)"]
    by_band = {line[0]: line for line in lines[1:]}
    assert by_band["25–34"][-4:] == ["14100", "0.4", "75.0", "13.8"]
    assert by_band["65–79"][1] == "<5" and by_band["65–79"][-4:] == ["14500", "", "", "14.2"]


def test_reach_by_sex_and_by_deprivation_against_the_population(client, supervisor, referred):
    load(EXAMPLE)
    client.force_login(supervisor)
    response = client.get(reverse("insight:dashboard"))
    sexes = _rows(_table(response, "reach-sex"))
    assert sexes["Female"] == ["Female", 6, 51800, 0.1, 75.0, 50.8]
    assert sexes["Male"] == ["Male", "<5", 50200, None, None, 49.2]
    assert sexes["Other"][2:] == [None, None, None, None]
    deciles = _rows(_table(response, "reach-deprivation"))
    assert deciles["2"] == ["2", 8, 13400, 0.6, 100.0, 13.1]
    assert deciles["1"] == ["1", 0, 14800, None, None, 14.5]
    download = client.get(reverse("insight:dashboard_csv", args=["reach-deprivation"]))
    assert "2,8,13400,0.6,100.0,13.1" in download.content.decode()


def test_a_commissioner_sees_which_areas_lack_figures(client, commissioner, referred, other_team):
    load(EXAMPLE)  # North only; South has none
    client.force_login(commissioner)
    response = client.get(reverse("insight:dashboard"))
    table = _table(response, "reach")
    assert "No local population figures by age and sex are loaded for South" in table.note
    assert "Residents" not in table.columns
    filtered = client.get(reverse("insight:dashboard"), {"area": other_team.area.pk})
    assert "Residents" not in _table(filtered, "reach").columns
    north = client.get(reverse("insight:dashboard"), {"area": referred_area_pk(response)})
    assert "Residents" in _table(north, "reach").columns


def referred_area_pk(response) -> int:
    form = response.context["form"]
    return next(area.pk for area in form.fields["area"].queryset if area.code == "north")
