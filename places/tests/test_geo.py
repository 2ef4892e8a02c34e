import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from places.geo import bounding_box, geocode, haversine_km
from places.importers import import_postcodes

DATA = Path(__file__).parent / "data"
lats = st.floats(-89.9, 89.9)
lons = st.floats(-179.9, 179.9)


@given(lats, lons, lats, lons)
def test_haversine_is_symmetric_and_non_negative(a, b, c, d):
    assert haversine_km(a, b, c, d) == pytest.approx(haversine_km(c, d, a, b))
    assert haversine_km(a, b, c, d) >= 0


@given(lats, lons)
def test_a_point_is_zero_from_itself(a, b):
    assert haversine_km(a, b, a, b) == pytest.approx(0, abs=1e-9)


@given(lats, lons, lats, lons, lats, lons)
def test_haversine_obeys_the_triangle_inequality(a, b, c, d, e, f):
    assert haversine_km(a, b, e, f) <= haversine_km(a, b, c, d) + haversine_km(c, d, e, f) + 1e-6


def test_london_to_manchester_is_about_262_km():
    assert haversine_km(51.5074, -0.1278, 53.4808, -2.2426) == pytest.approx(262, abs=2)


@given(st.floats(-80, 80), lons, st.floats(0.1, 200), st.floats(0, 2 * math.pi))
def test_every_point_within_the_radius_is_inside_the_bounding_box(lat, lon, radius, bearing):
    # A point at 99% of the radius in any direction falls inside the box.
    d = 0.99 * radius / 6371.0088
    lat1, lon1 = math.radians(lat), math.radians(lon)
    lat2 = math.asin(
        math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(bearing)
    )
    lon2 = lon1 + math.atan2(
        math.sin(bearing) * math.sin(d) * math.cos(lat1),
        math.cos(d) - math.sin(lat1) * math.sin(lat2),
    )
    lon2 = (math.degrees(lon2) + 540) % 360 - 180
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    assert min_lat <= math.degrees(lat2) <= max_lat
    if max_lon - min_lon < 360 and min_lon > -180 and max_lon < 180:
        assert min_lon <= lon2 <= max_lon


@pytest.fixture
def postcodes(db):
    return import_postcodes(DATA / "onspd_sample.csv")


def test_onspd_import_skips_terminated_and_unlocated_and_reports_bad_rows(postcodes):
    assert postcodes.format == "ONSPD"
    assert postcodes.imported == 4
    assert postcodes.skipped_terminated == 1
    assert postcodes.skipped_no_location == 1
    assert postcodes.rejected == ["onspd_sample.csv line 8: 'NOT A PC' is not a postcode."]
    assert postcodes.districts == 2


def test_reimporting_is_idempotent(postcodes):
    from places.models import Postcode

    again = import_postcodes(DATA / "onspd_sample.csv")
    assert again.imported == 4 and Postcode.objects.count() == 4


def test_a_full_postcode_geocodes_exactly(postcodes):
    assert geocode("sw1a 1aa") == (51.501009, -0.141588)


def test_an_unknown_postcode_falls_back_to_its_district_centroid(postcodes):
    lat, lon = geocode("SW1A 9ZZ")
    assert lat == pytest.approx((51.501009 + 51.503540 + 51.499840) / 3)
    assert lon == pytest.approx((-0.141588 - 0.127695 - 0.124663) / 3)
    assert geocode("TN23") == pytest.approx((51.14646, 0.87262))


def test_us_zip_codes_come_from_the_installed_package(db):
    lat, lon = geocode("94401-1234")
    assert lat == pytest.approx(37.57, abs=0.05) and lon == pytest.approx(-122.32, abs=0.05)


@pytest.mark.parametrize("text", ["", "nowhere", "QQ1 1QQ", "99999", "91,200"])
def test_unknown_places_give_none(db, text):
    assert geocode(text) is None


def test_lat_lon_text_is_accepted(db):
    assert geocode(" 51.5, -0.12 ") == (51.5, -0.12)


def test_code_point_open_zip_is_converted_from_the_national_grid(db):
    report = import_postcodes(DATA / "codepoint_sample.zip")
    assert report.format == "Code-Point Open"
    assert report.imported == 2 and report.skipped_no_location == 1
    # NR30 5AA sits on the Ordnance Survey's worked-example point (Caister water tower).
    lat, lon = geocode("NR30 5AA")
    assert lat == pytest.approx(52.65798, abs=1e-4) and lon == pytest.approx(1.71605, abs=1e-4)


def test_the_command_reports_what_it_did(db, capsys):
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    call_command("import_postcodes", str(DATA / "onspd_sample.csv"), stdout=out, stderr=err)
    assert "imported 4 postcodes" in out.getvalue()
    assert "line 8" in err.getvalue()


def test_the_array_distance_agrees_with_the_single_one():
    import numpy as np

    from places.geo import haversine_km, haversine_km_array

    lats = np.array([51.1465, 52.6205, -33.86, 0.0])
    lons = np.array([0.8750, -1.1305, 151.21, 0.0])
    many = haversine_km_array(51.5, -0.12, lats, lons)
    one = [haversine_km(51.5, -0.12, a, b) for a, b in zip(lats, lons, strict=True)]
    assert np.allclose(many, one)
