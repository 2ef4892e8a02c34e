"""Ordnance Survey National Grid (OSGB36 eastings/northings) to WGS84 latitude/longitude.

Follows Ordnance Survey, "A guide to coordinate systems in Great Britain" (v3.6, 2020):
inverse Transverse Mercator on the Airy 1830 ellipsoid (Annex C), then the published
seven-parameter Helmert transformation OSGB36 -> WGS84 (section 6.6), which is accurate to
about 5 metres: ample for finding a postcode's neighbourhood. Pure Python, no data files.
"""

from __future__ import annotations

import math

# Airy 1830 ellipsoid and National Grid projection constants (OS guide, Annex A).
_AIRY_A, _AIRY_B = 6377563.396, 6356256.909
_F0 = 0.9996012717
_LAT0, _LON0 = math.radians(49.0), math.radians(-2.0)
_N0, _E0 = -100000.0, 400000.0
# GRS80 / WGS84 ellipsoid.
_WGS_A, _WGS_B = 6378137.000, 6356752.3141
# OSGB36 -> WGS84 Helmert parameters (the inverse of the OS guide's WGS84 -> OSGB36 set).
_TX, _TY, _TZ = 446.448, -125.157, 542.060
_S = -20.4894e-6
_RX, _RY, _RZ = (math.radians(v / 3600) for v in (0.1502, 0.2470, 0.8421))


def grid_to_osgb36(easting: float, northing: float) -> tuple[float, float]:
    """National Grid eastings/northings to OSGB36 latitude/longitude in degrees."""
    a, b, f0 = _AIRY_A, _AIRY_B, _F0
    e2 = 1 - (b * b) / (a * a)
    n = (a - b) / (a + b)
    lat = _LAT0
    m = 0.0
    while True:
        lat = (northing - _N0 - m) / (a * f0) + lat
        m = (
            b
            * f0
            * (
                (1 + n + 5 / 4 * n**2 + 5 / 4 * n**3) * (lat - _LAT0)
                - (3 * n + 3 * n**2 + 21 / 8 * n**3) * math.sin(lat - _LAT0) * math.cos(lat + _LAT0)
                + (15 / 8 * n**2 + 15 / 8 * n**3)
                * math.sin(2 * (lat - _LAT0))
                * math.cos(2 * (lat + _LAT0))
                - 35 / 24 * n**3 * math.sin(3 * (lat - _LAT0)) * math.cos(3 * (lat + _LAT0))
            )
        )
        if abs(northing - _N0 - m) < 0.00001:
            break
    sin_lat, cos_lat, tan_lat = math.sin(lat), math.cos(lat), math.tan(lat)
    nu = a * f0 / math.sqrt(1 - e2 * sin_lat**2)
    rho = a * f0 * (1 - e2) / (1 - e2 * sin_lat**2) ** 1.5
    eta2 = nu / rho - 1
    vii = tan_lat / (2 * rho * nu)
    viii = tan_lat / (24 * rho * nu**3) * (5 + 3 * tan_lat**2 + eta2 - 9 * tan_lat**2 * eta2)
    ix = tan_lat / (720 * rho * nu**5) * (61 + 90 * tan_lat**2 + 45 * tan_lat**4)
    x = 1 / (cos_lat * nu)
    xi = 1 / (cos_lat * 6 * nu**3) * (nu / rho + 2 * tan_lat**2)
    xii = 1 / (cos_lat * 120 * nu**5) * (5 + 28 * tan_lat**2 + 24 * tan_lat**4)
    xiia = (
        1
        / (cos_lat * 5040 * nu**7)
        * (61 + 662 * tan_lat**2 + 1320 * tan_lat**4 + 720 * tan_lat**6)
    )
    de = easting - _E0
    lat_out = lat - vii * de**2 + viii * de**4 - ix * de**6
    lon_out = _LON0 + x * de - xi * de**3 + xii * de**5 - xiia * de**7
    return math.degrees(lat_out), math.degrees(lon_out)


def _to_cartesian(lat, lon, a, b):
    e2 = 1 - (b * b) / (a * a)
    lat, lon = math.radians(lat), math.radians(lon)
    nu = a / math.sqrt(1 - e2 * math.sin(lat) ** 2)
    return (
        nu * math.cos(lat) * math.cos(lon),
        nu * math.cos(lat) * math.sin(lon),
        (1 - e2) * nu * math.sin(lat),
    )


def _to_geodetic(x, y, z, a, b):
    e2 = 1 - (b * b) / (a * a)
    p = math.hypot(x, y)
    lat = math.atan2(z, p * (1 - e2))
    while True:
        nu = a / math.sqrt(1 - e2 * math.sin(lat) ** 2)
        new = math.atan2(z + e2 * nu * math.sin(lat), p)
        if abs(new - lat) < 1e-12:
            break
        lat = new
    return math.degrees(lat), math.degrees(math.atan2(y, x))


def osgb36_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    x, y, z = _to_cartesian(lat, lon, _AIRY_A, _AIRY_B)
    s1 = 1 + _S
    x2 = _TX + s1 * x - _RZ * y + _RY * z
    y2 = _TY + _RZ * x + s1 * y - _RX * z
    z2 = _TZ - _RY * x + _RX * y + s1 * z
    return _to_geodetic(x2, y2, z2, _WGS_A, _WGS_B)


def grid_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """National Grid eastings/northings to WGS84 (latitude, longitude) in degrees."""
    return osgb36_to_wgs84(*grid_to_osgb36(easting, northing))
