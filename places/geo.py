"""Distances and offline geocoding. These functions are the app's public interface."""

from __future__ import annotations

import math
import re

import numpy as np
import zipcodes

from places.models import Postcode, PostcodeDistrict
from places.postcodes import is_district, normalise_postcode

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")
_LATLON = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def haversine_km_array(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """haversine_km from one point to many at once (numpy arrays of degrees)."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dp = p2 - p1
    dl = np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing a circle: an index-friendly prefilter
    to refine with haversine_km."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = min(180.0, math.degrees(radius_km / (EARTH_RADIUS_KM * cos_lat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def valid_lat_lon(lat: float, lon: float) -> bool:
    return -90 <= lat <= 90 and -180 <= lon <= 180


def geocode(text: str) -> tuple[float, float] | None:
    """Latitude and longitude for a UK postcode (full, else its district), a UK outward code,
    a US ZIP code (5 digits or ZIP+4), or "lat,lon" text; None when unknown."""
    text = (text or "").strip()
    if not text:
        return None
    if m := _LATLON.match(text):
        lat, lon = float(m.group(1)), float(m.group(2))
        return (lat, lon) if valid_lat_lon(lat, lon) else None
    if m := _ZIP.match(text):
        return _zip(m.group(1))
    full = normalise_postcode(text)
    if full is not None:
        row = Postcode.objects.filter(pk=full).values_list("latitude", "longitude").first()
        if row:
            return row
        outward = full.split(" ")[0]
    else:
        outward = re.sub(r"\s+", "", text.upper())
        if not is_district(outward):
            return None
    return PostcodeDistrict.objects.filter(pk=outward).values_list("latitude", "longitude").first()


def _zip(code: str) -> tuple[float, float] | None:
    try:
        matches = zipcodes.matching(code)
    except (TypeError, ValueError):
        return None
    if not matches:
        return None
    return float(matches[0]["lat"]), float(matches[0]["long"])
