"""Directory benchmark (issue #4): import and search on a generated national directory.

For each database (SQLite always; PostgreSQL when reachable), in a child process on a fresh
database:
- import: `import_hsds` of 100,000 generated services into the empty database (timed), then
  150,000 more (timed), for 250,000 in all (bench/generate.py: real service text at real
  US ZIP code places); baseline, in the same process just before: reading and parsing the
  first file's JSON, the floor any importer of it stands on;
- search: text + category + distance within 10 km through `directory.search.search`, the
  function behind the directory pages and the /hsds/ API, from places drawn like the
  services (where people are); median and p95 of the queries after warm-ups;
- baseline (PostgreSQL only), on the same data in the same run: a plain PostgreSQL full-text
  + distance query (to_tsvector over name and description with its own GIN index, the same
  category filter and bounding box, great-circle distance, nearest first).

Environment: DIRECTORY_BENCH_FIRST (100000), DIRECTORY_BENCH_MORE (150000),
DIRECTORY_BENCH_QUERIES (200), SOCIALRX_BENCH_PG (postgres://postgres@127.0.0.1:5432/
socialrx_bench; the bench drops and re-creates that database, so name a scratch one).
"""

from __future__ import annotations

import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST = int(os.environ.get("DIRECTORY_BENCH_FIRST", "100000"))
MORE = int(os.environ.get("DIRECTORY_BENCH_MORE", "150000"))
QUERIES = int(os.environ.get("DIRECTORY_BENCH_QUERIES", "200"))
WARMUP = 20
RADIUS_KM = 10.0
PG_URL = os.environ.get("SOCIALRX_BENCH_PG", "postgres://postgres@127.0.0.1:5432/socialrx_bench")
# (a word a person might type, the Open Eligibility category a link worker might pick)
NEEDS = [
    ("food", "Food"),
    ("pantry", "Food"),
    ("counseling", "Health"),
    ("clinic", "Health"),
    ("shelter", "Housing"),
    ("housing", "Housing"),
    ("classes", "Education"),
    ("job", "Work"),
    ("legal", "Legal"),
    ("senior", "Care"),
    ("children", "Care"),
    ("support", "Care"),
    ("emergency", "Emergency"),
    ("clothing", "Goods"),
    ("transportation", "Transit"),
    ("financial", "Money"),
]


# --- parent ------------------------------------------------------------------------------


def _pg_available() -> bool:
    try:
        import psycopg

        admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
        name = PG_URL.rsplit("/", 1)[1]
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL here
        print(f"[directory] PostgreSQL not used ({exc})", file=sys.stderr)
        return False


def run(report) -> None:
    from bench.generate import write

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        first = write(FIRST, tmp / "first.json", seed=1)
        more = write(MORE, tmp / "more.json", seed=2)
        report.add(
            step="generate",
            services=FIRST + MORE,
            mb=round((first.stat().st_size + more.stat().st_size) / 1e6),
            seconds=round(time.perf_counter() - started, 1),
        )
        targets = [("sqlite", f"sqlite:///{tmp / 'bench.sqlite3'}")]
        if _pg_available():
            targets.append(("postgresql", PG_URL))
        for name, url in targets:
            env = {**os.environ, "DATABASE_URL": url, "SOCIALRX_TESTING": "1"}
            env.pop("DJANGO_SETTINGS_MODULE", None)
            out = subprocess.run(
                [sys.executable, "-m", "bench.bench_directory", str(first), str(more)],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            sys.stderr.write(out.stderr[-4000:])
            if out.returncode:
                report.add(database=name, error=f"child exited {out.returncode}")
                continue
            for row in json.loads(out.stdout):
                report.add(database=name, **row)


# --- child: one database -----------------------------------------------------------------


def _peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _queries(n: int, seed: int = 11) -> list[tuple[str, str, float, float]]:
    from bench.generate import places

    rng = random.Random(seed)
    where = places()
    out = []
    for _ in range(n):
        word, category = NEEDS[rng.randrange(len(NEEDS))]
        _, _, _, _, lat, lon = where[rng.randrange(len(where))]
        out.append((word, category, lat, lon))
    return out


def _timed(fn, queries) -> tuple[list[float], list[int]]:
    for q in queries[:WARMUP]:
        fn(*q)
    times, counts = [], []
    for q in queries[WARMUP:]:
        started = time.perf_counter()
        found = fn(*q)
        times.append((time.perf_counter() - started) * 1000)
        counts.append(found)
    return times, counts


def _parse_baseline(path: Path) -> dict:
    """The import's baseline in the same run: only reading and parsing its JSON, which any
    importer of the file must do, with the cycle collector off as import_hsds has it."""
    gc.disable()
    started = time.perf_counter()
    services = len(json.loads(path.read_bytes()))
    seconds = time.perf_counter() - started
    gc.enable()
    return {"step": "baseline_read_and_parse", "services": services, "seconds": round(seconds, 1)}


BASELINE_INDEX = (
    "CREATE INDEX IF NOT EXISTS bench_service_fts ON directory_service "
    "USING gin (to_tsvector('english', name || ' ' || description))"
)
CATEGORY_SQL = (
    "AND s.id IN (SELECT link_id FROM directory_attribute WHERE taxonomy_term_id = %(term)s)"
)
BASELINE_SQL = """
SELECT s.id, MIN(2 * 6371 * ASIN(SQRT(
         POWER(SIN(RADIANS(l.latitude - %(lat)s) / 2), 2)
       + COS(RADIANS(%(lat)s)) * COS(RADIANS(l.latitude))
         * POWER(SIN(RADIANS(l.longitude - %(lon)s) / 2), 2)))) AS km
FROM directory_service s
JOIN directory_serviceatlocation sal ON sal.service_id = s.id
JOIN directory_location l ON l.id = sal.location_id
WHERE to_tsvector('english', s.name || ' ' || s.description) @@ plainto_tsquery('english', %(q)s)
  {category}
  AND l.latitude BETWEEN %(lat0)s AND %(lat1)s AND l.longitude BETWEEN %(lon0)s AND %(lon1)s
GROUP BY s.id
HAVING MIN(2 * 6371 * ASIN(SQRT(
         POWER(SIN(RADIANS(l.latitude - %(lat)s) / 2), 2)
       + COS(RADIANS(%(lat)s)) * COS(RADIANS(l.latitude))
         * POWER(SIN(RADIANS(l.longitude - %(lon)s) / 2), 2)))) <= %(km)s
ORDER BY km, s.id
LIMIT 50
"""


def child(first: Path | None, more: Path | None) -> list[dict]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialrx.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Role, User
    from bench.__main__ import summarise
    from directory.hsds_import import import_hsds
    from directory.models import Service, TaxonomyTerm
    from directory.search import search
    from places.geo import bounding_box

    rows: list[dict] = []
    if first is not None:
        call_command("migrate", verbosity=0)
        rows.append(_parse_baseline(first))
        for label, path in (("import_first", first), ("import_more", more)):
            started = time.perf_counter()
            report = import_hsds(path)
            rows.append(
                {
                    "step": label,
                    "services": report.counts.get("service", 0),
                    "records": sum(report.counts.values()),
                    "seconds": round(time.perf_counter() - started, 1),
                    "peak_rss_mib": _peak_rss_mib(),
                }
            )
    total = Service.objects.count()
    staff, _ = User.objects.get_or_create(username="bench", defaults={"role": Role.LINK_WORKER})
    terms = {
        t.name: t.pk
        for t in TaxonomyTerm.objects.filter(taxonomy="Open Eligibility", parent_id__isnull=True)
    }
    queries = [(w, terms[c], lat, lon) for w, c, lat, lon in _queries(QUERIES + WARMUP)]
    kinds = {"word + category": queries, "word only": [(w, None, a, b) for w, _, a, b in queries]}

    def socialrx(word, term, lat, lon):
        result = search(
            staff, text=word, taxonomy_term_id=term, lat=lat, lon=lon, radius_km=RADIUS_KM
        )
        return result.total

    def row(engine, kind, times, counts, **extra):
        return {
            "step": "search",
            "engine": engine,
            "query": kind,
            "services": total,
            "radius_km": RADIUS_KM,
            **summarise(times),
            "median_results": sorted(counts)[len(counts) // 2],
            **extra,
        }

    for kind, batch in kinds.items():
        rows.append(row("socialrx", kind, *_timed(socialrx, batch)))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(BASELINE_INDEX)
            cursor.execute("ANALYZE directory_service")
            index_seconds = round(time.perf_counter() - started, 1)

            def baseline(word, term, lat, lon):
                lat0, lat1, lon0, lon1 = bounding_box(lat, lon, RADIUS_KM)
                sql = BASELINE_SQL.replace("{category}", CATEGORY_SQL if term else "")
                cursor.execute(
                    sql,
                    {"q": word, "term": term, "lat": lat, "lon": lon, "km": RADIUS_KM}
                    | {"lat0": lat0, "lat1": lat1, "lon0": lon0, "lon1": lon1},
                )
                return len(cursor.fetchall())

            for kind, batch in kinds.items():
                times, counts = _timed(baseline, batch)
                rows.append(
                    row(
                        "postgresql full-text baseline",
                        kind,
                        times,
                        counts,
                        gin_index_seconds=index_seconds,
                    )
                )
    return rows


if __name__ == "__main__":
    # python -m bench.bench_directory FIRST.json MORE.json   (a fresh database: import, search)
    # python -m bench.bench_directory --search-only          (DATABASE_URL already loaded)
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:] == ["--search-only"]:
        print(json.dumps(child(None, None), indent=1))
    else:
        print(json.dumps(child(Path(sys.argv[1]), Path(sys.argv[2]))))
