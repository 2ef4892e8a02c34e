"""Run every benchmark module (or those named) and write one JSON + Markdown report.

Usage: python -m bench [NAME ...]   e.g. python -m bench directory matching
Each module bench/bench_NAME.py defines run(report), calling report.add(...) per measurement.
Results go to bench-results/<name>.json; docs/benchmarks.md quotes them.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialrx.settings")
os.environ.setdefault("SOCIALRX_TESTING", "1")

OUT = Path(__file__).resolve().parent.parent / "bench-results"


def machine() -> dict:
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return info


def summarise(samples_ms: list[float]) -> dict:
    s = sorted(samples_ms)
    p95 = s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]
    return {"n": len(s), "median_ms": round(statistics.median(s), 3), "p95_ms": round(p95, 3)}


class Report:
    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[dict] = []

    def add(self, **row) -> None:
        self.rows.append(row)
        print(f"[{self.name}] " + ", ".join(f"{k}={v}" for k, v in row.items()), flush=True)


def main(argv: list[str]) -> int:
    import django

    django.setup()
    names = argv or sorted(
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    OUT.mkdir(exist_ok=True)
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        report = Report(name)
        started = time.perf_counter()
        module.run(report)
        payload = {
            "benchmark": name,
            "machine": machine(),
            "seconds": round(time.perf_counter() - started, 1),
            "results": report.rows,
        }
        (OUT / f"{name}.json").write_text(json.dumps(payload, indent=2))
        print(f"wrote {OUT / (name + '.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
