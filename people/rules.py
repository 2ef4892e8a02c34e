"""Pure rules about people: identifiers, ages and equity groups. No database, no request."""

from __future__ import annotations

import re
from datetime import date
from typing import overload

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


def clean_nhs_number(value: str) -> str:
    """An NHS number as typed ("943 476 5919") in its stored form ("9434765919"); raises
    ValueError with the message to show when it is not a valid one. Forms, API schemas
    and actions all check NHS numbers through this."""
    number = normalise_nhs_number(value)
    error = nhs_number_error(number)
    if error:
        raise ValueError(error)
    return number


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


@overload
def age_on(birth_date: date, today: date) -> int: ...
@overload
def age_on(birth_date: date | None, today: date) -> int | None: ...
def age_on(birth_date: date | None, today: date) -> int | None:
    """Whole years from `birth_date` to `today` (None when the birth date is not known):
    the one age rule, for pages, matching, trials' strata and the evaluation."""
    if birth_date is None:
        return None
    years = today.year - birth_date.year
    if (today.month, today.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


# --- Equity groups (insight reports reach by these; small groups are suppressed there) ---

# Above this a count of long-term conditions is almost certainly a typing slip.
MAX_LONG_TERM_CONDITIONS = 30

# The NHS Data Dictionary's broad groups of the "Ethnic Category" codes. Reports count by
# these, not by the 17 codes, so that fewer groups fall under the small-numbers rule.
ETHNIC_GROUPS: dict[str, str] = {
    **dict.fromkeys("ABC", "White"),
    **dict.fromkeys("DEFG", "Mixed or multiple ethnic groups"),
    **dict.fromkeys("HJKL", "Asian or Asian British"),
    **dict.fromkeys("MNP", "Black or Black British"),
    **dict.fromkeys("RS", "Other ethnic group"),
    "Z": "Not stated",
}
NOT_RECORDED = "Not recorded"
ETHNIC_GROUP_ORDER = (*dict.fromkeys(ETHNIC_GROUPS.values()), NOT_RECORDED)
LTC_BANDS = ("None", "1", "2 or more", NOT_RECORDED)
IMD_DECILES = (*(str(d) for d in range(1, 11)), "Not known")


def ethnic_group(code: str) -> str:
    """The broad group of an Ethnic Category code ("A" → "White"); "Not recorded" for blank."""
    return ETHNIC_GROUPS.get(code or "", NOT_RECORDED)


def long_term_conditions_band(count: int | None) -> str:
    """ "None", "1", "2 or more" (multimorbidity), or "Not recorded" when unknown."""
    if count is None:
        return NOT_RECORDED
    if count == 0:
        return "None"
    return "1" if count == 1 else "2 or more"


def imd_decile_label(decile: int | None) -> str:
    """ "1" (most deprived tenth of English areas) to "10", or "Not known"."""
    return str(decile) if decile else "Not known"


def long_term_conditions_error(value: object) -> str | None:
    """Why `value` is not a count of long-term conditions, or None when it is (None too)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return "Enter the number of long-term conditions as a whole number, like 2."
    if not 0 <= value <= MAX_LONG_TERM_CONDITIONS:
        return (
            f"Enter a number from 0 to {MAX_LONG_TERM_CONDITIONS}, or leave it blank if not known."
        )
    return None
