import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from people.rules import (
    age_on,
    format_nhs_number,
    is_valid_nhs_number,
    nhs_check_digit,
    nhs_number_error,
    normalise_postcode,
)
from people.tests.factories import valid_nhs_number


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "943-476-5919", "4010232137"])
def test_published_example_nhs_numbers_are_valid(number):
    assert is_valid_nhs_number(number)


def test_wrong_check_digit_is_rejected_with_a_reason():
    assert nhs_number_error("9434765918") == (
        "This is not a valid NHS number: the check digit does not match."
    )


@pytest.mark.parametrize("number", ["", "12345", "94347659190", "94347659AB"])
def test_nhs_number_must_have_ten_digits(number):
    assert nhs_number_error(number) == "An NHS number has 10 digits."


def test_remainder_ten_numbers_are_never_valid():
    # 123456789: weighted sum 10+18+24+28+30+30+28+24+18 = 210, 210 % 11 = 1 -> check 10
    assert nhs_check_digit("123456789") is None
    assert not any(is_valid_nhs_number(f"123456789{d}") for d in range(10))


@given(st.integers(min_value=0, max_value=400_000))
def test_test_range_generator_only_makes_valid_numbers(n):
    assert is_valid_nhs_number(valid_nhs_number(n))


@given(st.text(max_size=20))
def test_nhs_number_check_never_raises(text):
    assert nhs_number_error(text) is None or isinstance(nhs_number_error(text), str)


def test_nhs_number_is_shown_in_three_groups():
    assert format_nhs_number("9434765919") == "943 476 5919"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("sw1a1aa", "SW1A 1AA"), (" TN23  1AA ", "TN23 1AA"), ("M1 1AE", "M1 1AE"), ("nope", None)],
)
def test_postcodes_are_normalised_or_refused(raw, expected):
    assert normalise_postcode(raw) == expected


def test_age_counts_whole_years_before_the_birthday():
    assert age_on(dt.date(1950, 6, 15), dt.date(2026, 6, 14)) == 75
    assert age_on(dt.date(1950, 6, 15), dt.date(2026, 6, 15)) == 76
    assert age_on(dt.date(1952, 2, 29), dt.date(2026, 2, 28)) == 73
    assert age_on(None, dt.date(2026, 6, 15)) is None  # not known stays not known
