"""Where the machine's CPU went during a `make loadtest` run, by kind of process.

    python -m bench.loadtest.cpu OUT/cpu.json SECONDS

Samples every process once a second (psutil) and adds up each one's CPU time (user +
system) over the window, grouped as the server (gunicorn), the task worker, PostgreSQL,
Locust and everything else. A process that ends between samples loses at most its last
second. report.py prints the totals beside the latencies: Locust shares the cores it
measures, and this says how much of them it took.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

import psutil

GROUPS = (("gunicorn", "server"), ("db_worker", "task worker"), ("locust", "locust"))


def group(process: psutil.Process) -> str:
    try:
        command = " ".join(process.cmdline())
        name = process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return "other"
    for needle, label in GROUPS:
        if needle in command:
            return label
    return "postgresql" if name.startswith("postgres") else "other"


def cpu_seconds(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return -1.0
    return times.user + times.system


def sample(seconds: float) -> dict:
    seen: dict[int, tuple[str, float]] = {}
    used: Counter[str] = Counter()
    start = time.monotonic()
    first = True
    while True:
        for process in psutil.process_iter():
            now = cpu_seconds(process)
            if now < 0:
                continue
            label, before = seen.get(process.pid, (None, None))
            if label is None:
                label = group(process)
                # Processes alive at the first sample count from there; later ones from zero.
                before = now if first else 0.0
            used[label] += now - before
            seen[process.pid] = (label, now)
        first = False
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        time.sleep(1.0)
    return {
        "seconds": round(elapsed, 1),
        "cores": psutil.cpu_count(),
        "cpu_seconds": {label: round(value, 1) for label, value in used.most_common()},
    }


def main(argv: list[str]) -> int:
    out, seconds = Path(argv[0]), float(argv[1])
    out.write_text(json.dumps(sample(seconds), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
