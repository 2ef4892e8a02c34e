"""Profile each page `make loadtest` requests, one client at a time, with production settings.

Where `make loadtest` measures the server under 100 users, this says where one request's time
goes: per page, the median (and fastest) wall time over N requests, the median CPU time of
this process (steadier than wall time on a busy machine, whose wall times grow with its load
average), the number of SQL queries, the time in SQL (a round trip each, the database's own
work included) and the time rendering templates (SQL run from inside a template, a lazy
queryset, counts as SQL, not as template). Requests go through Django's test client (every
middleware, no network), signed in with force_login (the sign-in page itself is measured
without Argon2).

Run it against a database that holds the load-test world (scripts/loadtest.sh builds one;
bench/loadtest/world.py writes the JSON this reads):

    DATABASE_URL=postgres://... python -m bench.loadtest.profile_pages WORLD.json \
        [--requests 20] [--profile case]

--profile PAGE also prints that page's costliest functions (cProfile: cumulative, then own time);
--sql PAGE prints the queries of its last request with their times; --only PAGE skips others.
The API post writes real referrals (one per request) into that database, as the load test
does. DEBUG is forced off; SECRET_KEY and ALLOWED_HOSTS get throwaway values if unset, and
the static files are collected into a temporary STATIC_ROOT if it has no manifest.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ["DEBUG"] = "0"
os.environ.pop("SOCIALRX_TESTING", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialrx.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
if not (Path(os.environ.get("STATIC_ROOT", "staticfiles")) / "staticfiles.json").exists():
    os.environ["STATIC_ROOT"] = str(Path(tempfile.gettempdir()) / "socialrx-profile-static")

PROXY = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_REFERER": "https://testserver/"}


class _Timer:
    """SQL time and count (via an execute wrapper) and top-level template render time."""

    def __init__(self) -> None:
        self.sql = 0.0
        self.sql_in_templates = 0.0
        self.queries = 0
        self.templates = 0.0
        self._depth = 0
        self.log: list[tuple[float, str]] = []

    def execute(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - start
            self.sql += spent
            self.queries += 1
            self.log.append((spent, sql))
            if self._depth:
                self.sql_in_templates += spent

    def wrap_render(self, render):
        def timed(template, context=None, request=None):
            self._depth += 1
            start = time.perf_counter()
            try:
                return render(template, context, request)
            finally:
                self._depth -= 1
                if not self._depth:
                    self.templates += time.perf_counter() - start

        return timed


def _pages(world: dict, rng: random.Random):
    """(name, who, method, url or callable giving the url, body): the load test's requests."""
    worker = world["link_workers"][0]
    return [
        ("login page", None, "get", lambda: "/login/", None),
        ("home", worker, "get", lambda: "/", None),
        ("caseload", worker, "get", lambda: "/cases/", None),
        ("case", worker, "get", lambda: f"/cases/{rng.choice(worker['cases'])}/", None),
        (
            "directory search",
            worker,
            "get",
            lambda: f"/directory/?q={rng.choice(world['searches'])}",
            None,
        ),
        (
            "public directory",
            None,
            "get",
            lambda: f"/directory/find/?q={rng.choice(world['searches'])}",
            None,
        ),
        ("self-referral form", None, "get", lambda: "/referrals/self/", None),
        ("api referral teams", "token", "get", lambda: "/api/v1/referral-teams", None),
        ("api post referral", "token", "post", lambda: "/api/v1/referrals", _referral_body),
    ]


def _referral_body() -> dict:
    key = uuid.uuid4().hex[:8]
    return {
        "person": {
            "given_name": "Profile",
            "family_name": f"Test {key}",
            "birth_date": "1950-01-01",
            "postcode": "TN23 1AA",
        },
        "reasons": ["loneliness"],
        "notes": f"profile:{key}",
        "urgency": "routine",
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("world", type=Path)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--profile", action="append", default=[], metavar="PAGE")
    parser.add_argument("--sql", action="append", default=[], metavar="PAGE")
    parser.add_argument("--only", action="append", default=[], metavar="PAGE")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    world = json.loads(args.world.read_text())

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.template.backends.django import Template
    from django.test import Client

    from accounts.models import User

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)

    timer = _Timer()
    Template.render = timer.wrap_render(Template.render)
    rng = random.Random(args.seed)
    token = world["tokens"][0]
    clients: dict = {}

    def client_for(who):
        key = who["username"] if isinstance(who, dict) else who
        if key not in clients:
            client = Client(**PROXY)
            if isinstance(who, dict):
                client.force_login(User.objects.get(username=who["username"]))
            elif who == "token":
                client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            clients[key] = client
        return clients[key]

    rows = []
    for name, who, method, url, body in _pages(world, rng):
        if args.only and name not in args.only:
            continue
        client = client_for(who)

        def once(client=client, method=method, url=url, body=body):
            if method == "get":
                return client.get(url())
            return client.post(
                url(),
                data=json.dumps(body()),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
            )

        for _ in range(2):  # warm up: URLconf, templates, connection
            once()
        walls, cpus, sqls, tmpls, counts, statuses = [], [], [], [], [], set()
        profiler = cProfile.Profile() if name in args.profile else None
        with connection.execute_wrapper(timer.execute):
            for _ in range(args.requests):
                timer.__init__()
                start, cpu_start = time.perf_counter(), time.process_time()
                if profiler:
                    profiler.enable()
                response = once()
                if profiler:
                    profiler.disable()
                walls.append(time.perf_counter() - start)
                cpus.append(time.process_time() - cpu_start)
                sqls.append(timer.sql)
                tmpls.append(timer.templates - timer.sql_in_templates)
                counts.append(timer.queries)
                statuses.add(response.status_code)
        rows.append(
            (
                name,
                "/".join(str(s) for s in sorted(statuses)),
                statistics.median(walls) * 1000,
                min(walls) * 1000,
                statistics.median(cpus) * 1000,
                statistics.median(counts),
                statistics.median(sqls) * 1000,
                statistics.median(tmpls) * 1000,
            )
        )
        if name in args.sql:
            print(f"\n== SQL of the last request: {name} ==")
            for spent, sql in timer.log:
                print(f"{spent * 1000:7.2f} ms  {sql[:400]}")
        if profiler:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(25)
            print(f"\n== cProfile: {name} ({args.requests} requests) ==\n{out.getvalue()}")

    print(
        f"\n{args.requests} requests per page, one client, DEBUG off, "
        f"{connection.vendor} ({settings.DATABASES['default']['NAME']})\n"
    )
    print(
        "| Page | Status | Median ms | Min ms | CPU ms | Queries | SQL ms | Templates ms "
        "| Other ms |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, status, wall, fastest, cpu, queries, sql, tmpl in rows:
        other = max(wall - sql - tmpl, 0.0)
        print(
            f"| {name} | {status} | {wall:.1f} | {fastest:.1f} | {cpu:.1f} | {queries:g} | "
            f"{sql:.1f} | {tmpl:.1f} | {other:.1f} |"
        )
    print(f"\nload average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main(sys.argv[1:]))
