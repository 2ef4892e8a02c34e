"""A generated national directory for benchmarks: N HSDS 3.0 services over a real geography.

Text and structure come from a real, published directory (the San Mateo Ohana services in
../shared/data/directories): each generated service is a copy of one of them, with every
record given a new id (taxonomy terms, which are shared vocabulary, keep theirs). Places
come from the `zipcodes` package: each service sits near the centre of an active, standard
US ZIP code drawn at random, so services are dense where ZIP codes are dense (cities) and
sparse where they are not, as a national directory is. Everything follows from the seed.

    python -m bench.generate 250000 national.json [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import uuid
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path(
    os.environ.get(
        "SOCIALRX_OHANA",
        ROOT.parent / "shared" / "data" / "directories" / "san-mateo-ohana" / "services.json",
    )
)
JITTER_KM = 3.0
SHARED = {"taxonomy_term", "taxonomy_detail"}  # vocabulary: ids kept, so terms are shared


@cache
def templates() -> tuple[str, ...]:
    """The source services as JSON text (parsed afresh for every copy: cheaper than deepcopy)."""
    services = json.loads(SOURCE.read_text(encoding="utf-8"))
    return tuple(json.dumps(s) for s in services)


@cache
def places() -> tuple[tuple[str, str, str, str, float, float], ...]:
    """(zip, city, state, county, lat, lon) of every active standard ZIP code."""
    import zipcodes

    return tuple(
        (z["zip_code"], z["city"], z["state"], z["county"], float(z["lat"]), float(z["long"]))
        for z in zipcodes.list_all()
        if z["active"] and z["zip_code_type"] == "STANDARD" and z["lat"] and z["long"]
    )


def _renumber(node, ids: dict[str, str], rng: random.Random, shared: bool = False) -> None:
    """Give every record under `node` a new id, consistently, and repoint references."""
    if isinstance(node, list):
        for item in node:
            _renumber(item, ids, rng, shared)
        return
    if not isinstance(node, dict):
        return
    if not shared and isinstance(node.get("id"), str):
        node["id"] = ids.setdefault(node["id"], str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    for key, value in node.items():
        if isinstance(value, dict | list):
            _renumber(value, ids, rng, shared or key in SHARED)
        elif key.endswith("_id") and isinstance(value, str) and value in ids:
            node[key] = ids[value]


def _place(service: dict, place: tuple, rng: random.Random) -> None:
    zip_code, city, state, county, lat, lon = place
    for sal in service.get("service_at_locations") or []:
        location = sal.get("location") or {}
        # a point up to JITTER_KM from the ZIP centre, uniform over the disc
        r, a = JITTER_KM * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        location["latitude"] = round(lat + math.degrees(r * math.cos(a) / 6371.0), 6)
        location["longitude"] = round(
            lon + math.degrees(r * math.sin(a) / 6371.0) / math.cos(math.radians(lat)), 6
        )
        for address in location.get("addresses") or []:
            address.update(city=city, state_province=state, postal_code=zip_code, country="US")
    for area in service.get("service_areas") or []:
        area["name"] = county or city


def generate_services(n: int, seed: int = 1) -> list[dict]:
    """n nested HSDS service objects, the same for the same (n, seed)."""
    return list(iter_services(n, seed))


def iter_services(n: int, seed: int = 1):
    rng = random.Random(seed)
    sources, where = templates(), places()
    for _ in range(n):
        service = json.loads(sources[rng.randrange(len(sources))])
        _renumber(service, {}, rng)
        _place(service, where[rng.randrange(len(where))], rng)
        service["status"] = "active"
        yield service


def write(n: int, path: Path, seed: int = 1) -> Path:
    """Stream n services to `path` as one JSON array (the import_hsds JSON form)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for i, service in enumerate(iter_services(n, seed)):
            out.write(",\n" if i else "\n")
            out.write(json.dumps(service, ensure_ascii=False))
        out.write("\n]\n")
    return path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    write(args.count, args.path, args.seed)
    print(f"wrote {args.count} services to {args.path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
