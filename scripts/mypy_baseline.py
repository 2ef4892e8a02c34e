"""mypy against its baseline: the files that do not type-check yet, and how many errors each.

    python scripts/mypy_baseline.py           # `make types`: check
    python scripts/mypy_baseline.py --write   # `make types-baseline`: regenerate the file

The check fails when a file has more errors than mypy-baseline.txt allows (new code must
type-check), and also when a file has fewer: then the baseline is regenerated and committed,
so it only ever shrinks. Counts, not line numbers, so moving code does not disturb it.
mypy's settings (strict on rules, actions, queries and access) are in pyproject.toml.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "mypy-baseline.txt"
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+: error: ")
HEADER = (
    "# Files mypy does not pass yet, with their error counts. Only ever shrinks:\n"
    "# regenerate with `make types-baseline` (scripts/mypy_baseline.py) and commit.\n"
)


def run_mypy() -> tuple[Counter[str], list[str]]:
    env = {**os.environ, "SOCIALRX_TESTING": os.environ.get("SOCIALRX_TESTING", "1")}
    done = subprocess.run(  # noqa: S603 - our own interpreter running mypy
        [sys.executable, "-m", "mypy", "--no-error-summary", "--show-error-codes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):  # 2: mypy itself failed (bad config, crash)
        sys.exit(f"mypy failed to run:\n{done.stdout}{done.stderr}")
    lines = done.stdout.splitlines()
    counts: Counter[str] = Counter()
    for line in lines:
        if m := ERROR.match(line):
            counts[m["path"]] += 1
    return counts, lines


def read_baseline() -> Counter[str]:
    counts: Counter[str] = Counter()
    if BASELINE.exists():
        for line in BASELINE.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                path, n = line.split()
                counts[path] = int(n)
    return counts


def write_baseline(counts: Counter[str]) -> None:
    rows = "".join(f"{path} {n}\n" for path, n in sorted(counts.items()))
    BASELINE.write_text(HEADER + rows)


def compare(now: Counter[str], allowed: Counter[str]) -> tuple[list[str], list[str]]:
    """(files with more errors than allowed, files with fewer)."""
    worse = sorted(p for p in now if now[p] > allowed[p])
    better = sorted(p for p in allowed if now[p] < allowed[p])
    return worse, better


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="regenerate mypy-baseline.txt")
    args = parser.parse_args()
    now, lines = run_mypy()
    allowed = read_baseline()
    if args.write:
        write_baseline(now)
        print(f"mypy-baseline.txt: {sum(now.values())} errors in {len(now)} files")
        return 0
    worse, better = compare(now, allowed)
    for path in worse:
        print(f"{path}: {now[path]} type errors, the baseline allows {allowed[path]}")
        print("\n".join(line for line in lines if line.startswith(f"{path}:")))
    for path in better:
        print(
            f"{path}: now {now[path]} type errors, fewer than the baseline: run make types-baseline"
        )
    if worse or better:
        return 1
    print(f"mypy: no new errors ({sum(now.values())} in the baseline's {len(now)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
