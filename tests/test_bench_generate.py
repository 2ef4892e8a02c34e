"""The national directory generator behind `make bench`: valid HSDS, reproducible, placed."""

import pytest

from bench.generate import SOURCE, generate_services, places
from directory.hsds_schema import errors

pytestmark = pytest.mark.skipif(not SOURCE.exists(), reason="../shared/data/directories missing")


def test_generated_services_are_valid_hsds_with_fresh_ids():
    services = generate_services(40, seed=3)
    assert all(errors(s) == [] for s in services)
    ids = [s["id"] for s in services]
    assert len(set(ids)) == 40
    locations = [sal["location"]["id"] for s in services for sal in s["service_at_locations"]]
    assert len(set(locations)) == len(locations)


def test_the_same_seed_gives_the_same_directory_and_another_seed_another():
    assert generate_services(5, seed=1) == generate_services(5, seed=1)
    assert generate_services(5, seed=1) != generate_services(5, seed=2)


def test_services_sit_near_a_real_zip_code_and_carry_its_address():
    zips = {p[0]: p for p in places()}
    for service in generate_services(20, seed=4):
        for sal in service["service_at_locations"]:
            location = sal["location"]
            for address in location.get("addresses", []):
                _, _, state, _, lat, lon = zips[address["postal_code"]]
                assert address["state_province"] == state
                assert abs(location["latitude"] - lat) < 0.05
                assert abs(location["longitude"] - lon) < 0.1
