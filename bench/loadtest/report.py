"""Summarise a `make loadtest` run: throughput, median and p95 latency per page, errors (and,
with FAULT=pg-restart, which of them fell outside the restart window), and whether every
confirmed referral is in the database exactly once. Writes OUT/report.json and prints a
Markdown table for docs/benchmarks.md.

    python -m bench.loadtest.report OUT_DIR --users 100 --duration 180 [--fault pg-restart]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialrx.settings")

# After PostgreSQL is back, a pooled connection is checked (CONN_HEALTH_CHECKS) and
# replaced on its next use; requests already in flight during the restart may still fail.
GRACE_SECONDS = 5.0


def read_stats(out: Path) -> list[dict]:
    with (out / "stats_stats.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (the smallest value with at least `share` of them at or below)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarise(requests: list[list], since: float) -> list[dict]:
    """Per page and in all: requests, failures, median, p95 and rate of those ending at or
    after `since` (the moment every user had started: the steady state)."""
    kept = [r for r in requests if r[0] >= since]
    if not kept:
        return []
    span = max(r[0] for r in kept) - since or 1.0
    names = sorted({r[1] for r in kept})
    rows = []
    for name, chosen in [(n, [r for r in kept if r[1] == n]) for n in names] + [("all", kept)]:
        times = [r[2] for r in chosen]
        rows.append(
            {
                "page": name,
                "requests": len(chosen),
                "failures": sum(1 for r in chosen if r[3]),
                "median_ms": percentile(times, 0.5),
                "p95_ms": percentile(times, 0.95),
                "rps": round(len(chosen) / span, 1),
            }
        )
    return rows


def steady_state(out: Path, users: int) -> dict | None:
    """The run after the last user finished starting (signing in), or None if some never did."""
    path = out / "requests.json"
    if not path.exists():
        return None
    recorded = json.loads(path.read_text())
    started = recorded["started"]
    if len(started) < users:
        return None
    since = max(started)
    first = min(r[0] for r in recorded["requests"]) if recorded["requests"] else since
    return {
        "since_first_request_s": round(since - first, 1),
        "pages": summarise(recorded["requests"], since),
    }


def print_table(pages: list[dict]) -> None:
    print("| Page | Requests | Failures | Median ms | p95 ms | req/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for p in pages:
        print(
            f"| {p['page']} | {p['requests']} | {p['failures']} | {p['median_ms']:.0f} "
            f"| {p['p95_ms']:.0f} | {p['rps']} |"
        )


def errors_outside(failures: list[dict], fault: dict | None) -> list[dict]:
    if not fault:
        return failures
    start, end = fault["restart_started"], fault["restart_ended"] + GRACE_SECONDS
    return [f for f in failures if not (start <= f["at"] <= end)]


def exactly_once(confirmed: dict[str, str]) -> dict:
    import django

    django.setup()
    from django.db.models import Count

    from referrals.models import Referral

    rows = (
        Referral.objects.filter(notes__startswith="load:").values("notes").annotate(n=Count("id"))
    )
    per_key = {row["notes"].removeprefix("load:"): row["n"] for row in rows}
    ids = {
        str(pk)
        for pk in Referral.objects.filter(notes__startswith="load:").values_list("pk", flat=True)
    }
    return {
        "confirmed": len(confirmed),
        "in_database": sum(per_key.values()),
        "keys_written_twice": sum(1 for n in per_key.values() if n > 1),
        "confirmed_missing": sum(1 for pk in confirmed.values() if pk not in ids),
        "written_unconfirmed": sum(1 for key in per_key if key not in confirmed),
    }


def machine() -> dict:
    from bench.__main__ import machine as bench_machine

    info = bench_machine()
    version = subprocess.run(  # noqa: S603
        ["psql", os.environ["DATABASE_URL"], "-Atc", "SHOW server_version"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    info["postgresql"] = version.stdout.strip()
    return info


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--duration", type=int, required=True)
    parser.add_argument("--fault", default="")
    args = parser.parse_args(argv)
    out = args.out
    stats = read_stats(out)
    failures = json.loads((out / "failures.json").read_text())
    fault_file = out / "fault.json"
    fault = json.loads(fault_file.read_text()) if fault_file.exists() else None
    confirmed = json.loads((out / "confirmed.json").read_text())
    outside = errors_outside(failures, fault)
    once = exactly_once(confirmed["confirmed"])
    pages = [
        {
            "page": row["Name"],
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "median_ms": float(row["Median Response Time"]),
            "p95_ms": float(row["95%"]),
            "rps": round(float(row["Requests/s"]), 1),
        }
        for row in stats
    ]
    steady = steady_state(out, args.users)
    cpu_file = out / "cpu.json"
    cpu = json.loads(cpu_file.read_text()) if cpu_file.exists() else None
    report = {
        "machine": machine(),
        "steady_state": steady,
        "cpu": cpu,
        "users": args.users,
        "duration_s": args.duration,
        "fault": args.fault or None,
        "fault_window": fault,
        "pages": pages,
        "errors": len(failures),
        "errors_outside_fault_window": len(outside),
        "error_samples": outside[:10],
        "given_up": len(confirmed["given_up"]),
        "exactly_once": once,
    }
    (out / "report.json").write_text(json.dumps(report, indent=1))
    print(f"\nMachine: {report['machine']}")
    print(f"{args.users} users, {args.duration} s{', FAULT=' + args.fault if args.fault else ''}\n")
    print("Whole run, the start-up rush included (Locust's own figures):\n")
    print_table(pages)
    if steady:
        print(
            f"\nSteady state: after every user had started (signed in), "
            f"{steady['since_first_request_s']} s after the first request:\n"
        )
        print_table(steady["pages"])
    if cpu:
        used = ", ".join(
            f"{label} {value:.0f} s ({value / cpu['seconds']:.2f} cores)"
            for label, value in cpu["cpu_seconds"].items()
        )
        print(f"\nCPU over {cpu['seconds']} s on {cpu['cores']} cores: {used}")
    print(
        f"\nErrors: {len(failures)} in all, {len(outside)} outside the fault window; "
        f"referrals given up: {report['given_up']}"
    )
    print(f"Exactly once: {once}")
    ok = not outside and once["keys_written_twice"] == 0 and once["confirmed_missing"] == 0
    print("RESULT:", "pass" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
