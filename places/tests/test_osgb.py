"""The grid conversion reproduces Ordnance Survey's worked example ("A guide to coordinate
systems in Great Britain", Annex C: the Caister water tower, E 651409.903 N 313177.270)."""

import pytest

from places.osgb import grid_to_osgb36, grid_to_wgs84, osgb36_to_wgs84


def _dms(value: float) -> tuple[int, int, float]:
    degrees = int(abs(value))
    minutes = int((abs(value) - degrees) * 60)
    seconds = (abs(value) - degrees - minutes / 60) * 3600
    return degrees, minutes, round(seconds, 4)


def test_inverse_projection_matches_the_os_worked_example():
    lat, lon = grid_to_osgb36(651409.903, 313177.270)
    assert _dms(lat) == (52, 39, 27.2531)
    assert _dms(lon) == (1, 43, 4.5177)


def test_helmert_shift_to_wgs84_is_the_expected_size_and_direction():
    lat, lon = grid_to_wgs84(651409.903, 313177.270)
    # OS gives the tower as about 52 39 28.72 N, 1 42 57.79 E in WGS84 (within 5 m).
    assert lat == pytest.approx(52 + 39 / 60 + 28.72 / 3600, abs=5e-5)
    assert lon == pytest.approx(1 + 42 / 60 + 57.79 / 3600, abs=8e-5)


def test_helmert_is_identity_free_everywhere_in_britain():
    for lat, lon in [(50.0, -5.5), (55.0, -2.0), (58.6, -3.0)]:
        wlat, wlon = osgb36_to_wgs84(lat, lon)
        assert 0 < abs(wlat - lat) + abs(wlon - lon) < 0.003  # tens of metres, never zero
