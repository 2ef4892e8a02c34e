"""Where a postcode is: the places app's geocoder when it is installed, otherwise the mean
position of directory locations with that postcode (or, failing that, its outward code)."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.db.models import Avg

from directory.models import Location


def _places_geocode(text: str):
    if not apps.is_installed("places"):
        return None
    geo = importlib.import_module("places.geo")
    found = geo.geocode(text)
    if not found:
        return None
    if isinstance(found, tuple | list):
        return float(found[0]), float(found[1])
    lat = getattr(found, "lat", None) or getattr(found, "latitude", None)
    lon = getattr(found, "lon", None) or getattr(found, "longitude", None)
    return (float(lat), float(lon)) if lat is not None and lon is not None else None


def normalise_postcode(text: str) -> str:
    compact = "".join((text or "").upper().split())
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 4 else compact


def locate_postcode(text: str) -> tuple[float, float] | None:
    found = _places_geocode(text)
    if found:
        return found
    postcode = normalise_postcode(text)
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
