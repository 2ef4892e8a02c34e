"""Where a postcode is: the places app's geocoder, otherwise the mean position of directory
locations with that postcode (or, failing that, its outward code)."""

from __future__ import annotations

from django.db.models import Avg

from directory.models import Location
from places.geo import geocode


def _as_typed(text: str) -> str:
    """The text upper-cased with one space before the last three characters, the way
    directory rows store a postcode. Unlike places.postcodes.normalise_postcode it accepts
    any text: a directory row may hold a partial or foreign code."""
    compact = "".join((text or "").upper().split())
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 4 else compact


def locate_postcode(text: str) -> tuple[float, float] | None:
    found = geocode(text)
    if found:
        return float(found[0]), float(found[1])
    postcode = _as_typed(text)
    if not postcode:
        return None
    located = Location.objects.filter(latitude__isnull=False, longitude__isnull=False)
    for qs in (
        located.filter(postal_code__iexact=postcode),
        located.filter(postal_code__istartswith=postcode.split(" ")[0] + " "),
    ):
        avg = qs.aggregate(lat=Avg("latitude"), lon=Avg("longitude"))
        if avg["lat"] is not None:
            return float(avg["lat"]), float(avg["lon"])
    return None
