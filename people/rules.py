"""Pure rules about people: identifiers and ages. No database, no request."""

from __future__ import annotations

import re
from datetime import date

# Postcodes live in places; re-exported here for older callers.
from places.postcodes import normalise_postcode  # noqa: F401

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def normalise_nhs_number(value: str) -> str:
    """Strip the spaces and dashes people type ("943 476 5919")."""
    return re.sub(r"[\s-]", "", value or "")


def nhs_number_error(value: str) -> str | None:
    """Why `value` is not a valid NHS number, or None when it is.

    The tenth digit is a Modulus 11 check digit: weight the first nine digits 10..2, sum,
    take 11 minus the remainder of dividing by 11; 11 means 0 and 10 means the number is
    invalid (NHS Data Dictionary, "NHS Number").
    """
    digits = normalise_nhs_number(value)
    if not re.fullmatch(r"[0-9]{10}", digits):
        return "An NHS number has 10 digits."
    total = sum(int(d) * w for d, w in zip(digits[:9], _NHS_WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        return "This is not a valid NHS number: the check digit does not match."
    return None


def is_valid_nhs_number(value: str) -> bool:
    return nhs_number_error(value) is None


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None where no valid number exists (remainder 10)."""
    total = sum(int(d) * w for d, w in zip(first_nine, _NHS_WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    return None if check == 10 else check


def format_nhs_number(value: str) -> str:
    d = normalise_nhs_number(value)
    return f"{d[:3]} {d[3:6]} {d[6:]}" if len(d) == 10 else value


def age_on(birth_date: date, today: date) -> int:
    years = today.year - birth_date.year
    if (today.month, today.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
