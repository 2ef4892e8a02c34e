"""Deprivation: IMD deciles by LSOA, and a postcode's decile through the LSOA that ONSPD
gives it. The files are tiny samples in places/tests/data (made-up areas and deciles in the
published files' layouts)."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from audit.models import Event
from places.deprivation import deprivation_decile, deprivation_deciles, import_imd
from places.importers import import_postcodes
from places.models import Deprivation, Postcode

DATA = Path(__file__).parent / "data"
IMD_2011 = DATA / "imd_file1_sample.csv"
IMD_2021 = DATA / "imd_2021_sample.csv"
ONSPD = DATA / "onspd_lsoa_sample.csv"


@pytest.fixture
def loaded(db):
    import_postcodes(ONSPD)
    import_imd(IMD_2011)


def test_the_published_file_1_layout_is_loaded_by_lsoa(db):
    report = import_imd(IMD_2011)
    assert report.census == 2011
    assert report.imported == 6
    assert dict(Deprivation.objects.values_list("lsoa", "imd_decile")) == {
        "E01000001": 1,
        "E01000002": 2,
        "E01000003": 9,
        "E01000004": 10,
        "E01000005": 5,
        "E01000006": 5,
    }


def test_rows_that_are_not_an_english_lsoa_and_decile_are_reported_not_loaded(db):
    report = import_imd(IMD_2011)
    assert report.rejected == [
        "line 8: decile 11 is not 1 to 10.",
        "line 9: 'S01006506' is not an English LSOA code.",
    ]


def test_loading_the_file_again_replaces_its_deciles(db):
    import_imd(IMD_2011)
    Deprivation.objects.filter(lsoa="E01000001").update(imd_decile=7)
    import_imd(IMD_2011)
    assert Deprivation.objects.filter(census=2011).count() == 6
    assert Deprivation.objects.get(lsoa="E01000001").imd_decile == 1


def test_onspd_lsoas_are_kept_for_england_and_wales_only(db):
    import_postcodes(ONSPD)
    lsoas = dict(Postcode.objects.values_list("postcode", "lsoa11"))
    assert lsoas["TN23 1AA"] == "E01000001"
    assert lsoas["CF10 1AA"] == "W01001234"
    assert lsoas["EH1 1AA"] == ""  # a Scottish data zone: Scotland has its own index


@pytest.mark.parametrize(
    ("postcode", "decile"),
    [
        ("TN23 1AA", 1),
        ("tn231ab", 2),  # any way the postcode is typed
        ("TN23 1AD", 9),
        ("TN24 8AA", 10),  # no 2021 LSOA in the row: its 2011 LSOA is used
        ("TN24 9ZZ", None),  # its LSOA is not in the file
        ("EH1 1AA", None),  # Scotland
        ("CF10 1AA", None),  # Wales: the English index does not cover it
        ("SW1A 1AA", None),  # not loaded
        ("nowhere", None),
        ("", None),
    ],
)
def test_a_postcode_finds_its_decile_through_its_lsoa(loaded, postcode, decile):
    assert deprivation_decile(postcode) == decile


def test_a_decile_on_2021_lsoas_is_preferred_to_one_on_2011_lsoas(loaded):
    import_imd(IMD_2021)
    assert deprivation_deciles(["TN23 1AA", "TN23 1AB", "TN24 9ZZ", "EH1 1AA"]) == {
        "TN23 1AA": 3,  # both files list it: the 2021 decile
        "TN23 1AB": 2,  # only the 2011 file lists it
        "TN24 9ZZ": 7,  # only the 2021 file lists it
    }


def test_many_postcodes_take_two_queries(loaded, django_assert_num_queries):
    with django_assert_num_queries(2):
        deprivation_deciles(["TN23 1AA", "TN23 1AB", "TN23 1AD", "TN24 8AA", "EH1 1AA"])


def test_code_point_open_after_onspd_keeps_the_lsoas(loaded, tmp_path):
    codepoint = tmp_path / "tn.csv"
    codepoint.write_text('"TN231AA",10,601000,142000,"E92000001","","E10000016"\n')
    import_postcodes(codepoint)
    assert Postcode.objects.get(postcode="TN23 1AA").latitude != 51.146460  # it was loaded
    assert Postcode.objects.get(postcode="TN23 1AA").lsoa11 == "E01000001"
    assert deprivation_decile("TN23 1AA") == 1


def test_the_command_loads_the_file_and_audits_it(db, capsys):
    call_command("import_imd", str(IMD_2011))
    assert "IMD deciles for 6 LSOAs (2011 census); rejected 2 rows." in capsys.readouterr().out
    event = Event.objects.get(record_type="places.imd_import")
    assert event.detail == {"census": 2011, "imported": 6}


def test_a_file_without_the_imd_columns_is_refused_with_a_clear_message(db, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("lsoa,score\nE01000001,12.5\n")
    with pytest.raises(CommandError, match="LSOA code \\(2011\\)"):
        call_command("import_imd", str(wrong))
    assert not Deprivation.objects.exists()
    assert not Event.objects.exists()


def test_a_missing_file_is_named(db):
    with pytest.raises(CommandError, match="No such file: nowhere.csv"):
        call_command("import_imd", "nowhere.csv")
