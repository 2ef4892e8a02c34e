"""places.postcodes: the one place that knows a UK postcode's shape."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from places.postcodes import normalise_postcode, parse_coverage, postcode_keys


@pytest.mark.parametrize(
    ("typed", "normal"),
    [("tn23 1aa", "TN23 1AA"), ("SW1A1AA", "SW1A 1AA"), (" ec1a  1bb ", "EC1A 1BB")],
)
def test_postcodes_are_put_in_their_standard_form(typed, normal):
    assert normalise_postcode(typed) == normal


@pytest.mark.parametrize("typed", ["", "nowhere", "TN23", "12345", "TN23 1A"])
def test_what_is_not_a_postcode_is_none(typed):
    assert normalise_postcode(typed) is None


def test_a_postcode_is_named_by_itself_its_sector_district_and_area():
    assert postcode_keys("tn23 1aa") == ["TN23 1AA", "TN23 1", "TN23", "TN"]
    assert postcode_keys("nowhere") == []


def test_coverage_is_read_in_standard_form_without_repeats():
    assert parse_coverage("av1, Av2;tn23 1\nTN23 1  ,sw1a 1aa, AV") == [
        "AV1",
        "AV2",
        "TN23 1",
        "SW1A 1AA",
        "AV",
    ]
    assert parse_coverage("  ") == []


@pytest.mark.parametrize("bad", ["Ashford", "TN23 1A", "123", "TN23-1"])
def test_coverage_names_the_entry_that_is_not_a_postcode_part(bad):
    with pytest.raises(ValueError, match="is not a postcode area, district, sector"):
        parse_coverage(f"TN23, {bad}")


@given(st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", fullmatch=True))
def test_every_key_of_a_postcode_is_a_valid_coverage_entry(postcode):
    keys = postcode_keys(postcode)
    assert parse_coverage(", ".join(keys)) == keys
