"""Postcode import: time and peak memory for a national-size ONSPD-format file.

Generates BENCH_POSTCODES_ROWS rows (default 2,700,000, the size of the full ONSPD) in the
ONSPD column layout, then runs `import_postcodes` in a child process against a fresh SQLite
database and reads the child's peak resident memory from the kernel.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def write_onspd(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    areas = [a + b for a in "BCDEGHKLMNPRSTW" for b in ["", "A", "B", "D", "E", "L", "N", "S"]]
    with path.open("w", newline="") as out:
        out.write("pcd,pcd2,pcds,dointr,doterm,ctry,lat,long\r\n")
        n = 0
        while n < rows:
            area = rng.choice(areas)
            district = f"{area}{rng.randint(1, 99)}"
            lat0, lon0 = rng.uniform(50.2, 57.5), rng.uniform(-5.5, 1.6)
            for sector in range(10):
                for unit in range(rng.randint(20, 400)):
                    code = f"{district} {sector}{LETTERS[unit % 20]}{LETTERS[(unit // 20) % 20]}"
                    terminated = "201001" if unit % 17 == 0 else ""
                    out.write(
                        f'"{code}","{code}","{code}","198001","{terminated}","E92000001",'
                        f"{lat0 + rng.uniform(-0.02, 0.02):.6f},"
                        f"{lon0 + rng.uniform(-0.03, 0.03):.6f}\r\n"
                    )
                    n += 1
                    if n >= rows:
                        return


def run(report) -> None:
    rows = int(os.environ.get("BENCH_POSTCODES_ROWS", "2700000"))
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, db_path = Path(tmp) / "onspd.csv", Path(tmp) / "bench.sqlite3"
        started = time.perf_counter()
        write_onspd(csv_path, rows)
        report.add(
            step="generate",
            rows=rows,
            mb=round(csv_path.stat().st_size / 1e6, 1),
            seconds=round(time.perf_counter() - started, 1),
        )
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{db_path}",
            "SOCIALRX_TESTING": "1",
            "DJANGO_SETTINGS_MODULE": "socialrx.settings",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        done = subprocess.run(
            [*manage, "import_postcodes", str(csv_path)],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        report.add(
            step="import_postcodes",
            rows=rows,
            seconds=round(seconds, 1),
            rows_per_second=int(rows / seconds),
            peak_rss_mb=round(peak_mb, 1),
            output=done.stdout.strip(),
        )
        # Baselines in the same run: the I/O floor (parse the CSV, write nothing), and the
        # memory a non-streaming loader needs just to hold the rows before writing them.
        floor = _child(f"import csv; n = sum(1 for _ in csv.reader(open({str(csv_path)!r})))")
        report.add(
            step="baseline: parse only",
            seconds=floor[0],
            import_vs_parse_ratio=round(seconds / floor[0], 1),
            peak_rss_mb=floor[1],
        )
        held = _child(f"import csv; rows = list(csv.reader(open({str(csv_path)!r})))")
        report.add(
            step="baseline: hold all rows in memory",
            seconds=held[0],
            peak_rss_mb=held[1],
            memory_ratio_vs_streaming=round(held[1] / peak_mb, 1),
        )


def _child(code: str) -> tuple[float, float]:
    """Run `code` in a fresh interpreter; its wall time and its own peak RSS in MB."""
    probe = (
        f"import resource, time; t = time.perf_counter(); {code}; "
        "print(time.perf_counter() - t, "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout.split()
    return round(float(out[0]), 1), round(float(out[1]), 1)
