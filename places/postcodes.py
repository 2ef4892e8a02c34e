"""UK postcodes as text: their standard form, their parts, and lists of them. No database.

The one place that knows a postcode's shape: people, referrals, directory search and
geocoding all normalise through `normalise_postcode`.
"""

from __future__ import annotations

import re

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_AREA = re.compile(r"[A-Z]{1,2}")
_DISTRICT = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
_SECTOR = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9]")
_SEPARATORS = re.compile(r"[,;\n]+")

INVALID_POSTCODE = "Enter a real UK postcode, like TN23 1AA."


def normalise_postcode(value: str) -> str | None:
    """A UK postcode in its standard form ("SW1A 1AA"), or None when it is not one."""
    compact = re.sub(r"\s+", "", (value or "").upper())
    m = _POSTCODE.match(compact)
    if not m:
        return None
    return f"{m.group(1)} {m.group(2)}"


def is_district(text: str) -> bool:
    """Whether `text` (upper case, no spaces) is a postcode district, the outward code:
    "AV1", "SW1A"."""
    return _DISTRICT.fullmatch(text) is not None


def clean_postcode(value: str) -> str:
    """A UK postcode as typed in its standard form; raises ValueError(INVALID_POSTCODE)
    when it is not one. Forms, API schemas and actions all check postcodes through this."""
    normal = normalise_postcode(value)
    if normal is None:
        raise ValueError(INVALID_POSTCODE)
    return normal


def postcode_keys(postcode: str) -> list[str]:
    """What a coverage entry may name of `postcode`, most specific first: the postcode, its
    sector, its district, its area ("AV1 2AB", "AV1 2", "AV1", "AV"). Empty when it is not
    a UK postcode."""
    normal = normalise_postcode(postcode or "")
    if normal is None:
        return []
    outward, inward = normal.split(" ")
    area = _AREA.match(outward).group(0)
    return [normal, f"{outward} {inward[0]}", outward, area]


def parse_coverage(text: str) -> list[str]:
    """A list of postcode areas, districts, sectors or postcodes ("AV, AV1, AV1 2, AV1 2AB"),
    separated by commas, semicolons or lines, in standard form.

    Raises ValueError naming the first entry that is none of those.
    """
    entries = []
    for raw in _SEPARATORS.split(text or ""):
        entry = " ".join(raw.upper().split())
        if not entry:
            continue
        if not (
            _AREA.fullmatch(entry)
            or _DISTRICT.fullmatch(entry)
            or _SECTOR.fullmatch(entry)
            or normalise_postcode(entry) == entry
        ):
            raise ValueError(
                f"{raw.strip()!r} is not a postcode area, district, sector or postcode "
                "(like AV, AV1, AV1 2 or AV1 2AB)."
            )
        entries.append(entry)
    return list(dict.fromkeys(entries))
