# ruff: noqa: S608 - the generating SQL is built from our own constants, no input
"""Insight at scale: the dashboards, the gaps page and `evaluate` over a generated region of
1,000,000 referrals, 5,000,000 contacts and 2,000,000 measure responses on PostgreSQL,
beside a baseline measured in the same run (the same numbers computed by loading the rows
into Python).

    make bench BENCH=insight                          # full size (scale 1 = 1,000,000 referrals)
    INSIGHT_BENCH_SCALE=0.02 make bench BENCH=insight # a quick run
    python -m bench.bench_insight --scale 0.02 [--keep] [--repeat 5]

PostgreSQL only, in its own scratch database SOCIALRX_BENCH_INSIGHT_PG (default
postgres://postgres@127.0.0.1:5432/socialrx_bench_insight), which is dropped and re-created
unless --keep finds it already generated at the same scale (time again without
regenerating). Data are written by INSERT ... SELECT over generate_series in the database:
every id is md5 of a row number, so rows can point at each other without lookups.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get(
    "SOCIALRX_BENCH_INSIGHT_PG", "postgres://postgres@127.0.0.1:5432/socialrx_bench_insight"
)
FULL = 1_000_000  # referrals at scale 1
TEAMS, WORKERS_PER_TEAM, SERVICES = 20, 10, 300


# --- parent ------------------------------------------------------------------------------


def _fresh_database(keep: bool) -> None:
    import psycopg

    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    name = PG_URL.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if keep and exists:
            return
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def run(report, scale: float | None = None, keep: bool | None = None, repeat: int = 5) -> None:
    scale = scale if scale is not None else float(os.environ.get("INSIGHT_BENCH_SCALE", "1"))
    keep = keep if keep is not None else os.environ.get("INSIGHT_BENCH_KEEP") == "1"
    try:
        _fresh_database(keep)
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL: say so, measure nothing
        report.add(error=f"PostgreSQL is needed at {PG_URL} ({exc})")
        return
    env = {**os.environ, "DATABASE_URL": PG_URL, "SOCIALRX_TESTING": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    args = [sys.executable, "-m", "bench.bench_insight", "--child", str(scale), str(repeat)]
    out = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    sys.stderr.write(out.stderr[-6000:])
    if out.returncode:
        report.add(error=f"child exited {out.returncode}")
        return
    for row in json.loads(out.stdout):
        report.add(**row)


# --- child: generate --------------------------------------------------------------------


def _setup_world() -> None:
    """Areas, teams, link workers, the taxonomy and categorised services, by the ORM."""
    import random

    from accounts.models import Area, Role, Team, User
    from directory.models import Attribute, Organization, Service, TaxonomyTerm
    from directory.taxonomy import load_taxonomy

    rng = random.Random(1)
    areas = [Area.objects.create(code=f"bench-{i}", name=f"Bench area {i}") for i in range(2)]
    for t in range(TEAMS):
        team = Team.objects.create(area=areas[t % 2], name=f"Bench team {t}", kind="pcn")
        User.objects.bulk_create(
            User(
                username=f"lw-{t}-{w}",
                role=Role.LINK_WORKER,
                team=team,
                first_name="Link",
                last_name=f"Worker {t}-{w}",
            )
            for w in range(WORKERS_PER_TEAM)
        )
    load_taxonomy()
    terms = list(TaxonomyTerm.objects.values_list("pk", flat=True))
    # bulk_create: no signals, so the matching index is not built for these services.
    organizations = Organization.objects.bulk_create(
        Organization(name=f"Bench organisation {i}", description="") for i in range(SERVICES)
    )
    services = Service.objects.bulk_create(
        Service(organization=o, name=f"Bench service {i}", description="A weekly group.")
        for i, o in enumerate(organizations)
    )
    Attribute.objects.bulk_create(
        Attribute(link_id=s.pk, taxonomy_term_id=t, link_entity="service", link_type="x")
        for s in services
        for t in rng.sample(terms, 2)
    )


def _received(g: str) -> str:
    """A referral's received time, from its row number alone (so every table agrees)."""
    return (
        f"(TIMESTAMPTZ '2023-01-02 08:00:00+00' + (({g} * 7919) % 1000) * INTERVAL '1 day'"
        f" + (({g} * 104729) % 36000) * INTERVAL '1 second')"
    )


def _generate(n: int) -> list[dict]:
    from django.db import connection

    from casework.models import Case
    from referrals.reasons import Reason

    cases = n * 8 // 10  # referral g has a case when g % 10 < 8; case k is referral g(k)
    g_of_k = "((k / 8) * 10 + k % 8)"
    measured = min(cases, (2 * n + 2) // 3)  # 3 responses each: 2n responses
    reasons = "(ARRAY[" + ", ".join(f"'{r}'" for r in Reason.values) + "])"
    discharge = "(ARRAY[" + ", ".join(f"'{r}'" for r in Case.DischargeReason.values) + "])"
    steps = {
        "setup": """
            CREATE TEMP TABLE bt AS SELECT row_number() OVER (ORDER BY name) - 1 AS i, id,
                area_id FROM accounts_team;
            CREATE TEMP TABLE bw AS SELECT row_number() OVER (ORDER BY username) - 1 AS i, id
                FROM accounts_user WHERE role = 'link_worker';
            CREATE TEMP TABLE bs AS SELECT row_number() OVER (ORDER BY id) - 1 AS i, id,
                organization_id FROM directory_service;
            SELECT setseed(0.42);
            -- Every row points at rows made here: skip the foreign-key triggers while
            -- writing (superuser only), as a restore would.
            SET session_replication_role = replica;
        """,
        "people": f"""
            INSERT INTO people_person (id, area_id, team_id, given_name, family_name,
                preferred_name, birth_date, sex, nhs_number, local_identifier, address,
                postcode, phone, email, preferred_language, interpreter_needed,
                communication_needs, access_needs, ethnic_category, long_term_conditions,
                safeguarding_flag, safeguarding_note, created_at, updated_at)
            SELECT md5('p' || g)::uuid, bt.area_id, bt.id, 'Bench', 'Person ' || g, '',
                CASE WHEN g % 50 = 0 THEN NULL
                     ELSE DATE '1935-01-01' + ((g * 31) % 30000)::int END,
                (ARRAY['female', 'male', 'female', 'male', 'other', 'unknown'])[1 + g % 6],
                '', '', '', '', '', '', '', false, '', '',
                (ARRAY['A', 'B', 'C', 'D', 'H', 'J', 'M', 'N', 'R', 'Z', ''])[1 + g % 11],
                g % 5, false, '', now(), now()
            FROM generate_series(0::bigint, {n - 1}) g JOIN bt ON bt.i = g % {TEAMS}
        """,
        "referrals": f"""
            INSERT INTO referrals_referral (id, area_id, team_id, person_id, source,
                referrer_name, referrer_organisation, reasons, notes, urgency, status,
                decline_reason, redirected_to, received_at, first_contact_at,
                person_details_given, person_details_sent, local_identifier)
            SELECT md5('r' || g)::uuid, bt.area_id, bt.id, md5('p' || g)::uuid,
                (ARRAY['clinician', 'agency', 'self', 'api', 'fhir'])[1 + g % 5], '', '',
                CASE WHEN g % 3 = 0
                     THEN jsonb_build_array({reasons}[1 + g % 11], {reasons}[1 + (g / 11) % 11])
                     ELSE jsonb_build_array({reasons}[1 + g % 11]) END,
                '', 'routine', CASE WHEN g % 10 < 8 THEN 'accepted' ELSE 'received' END,
                '', '', {_received("g")},
                CASE WHEN g % 10 < 8
                     THEN {_received("g")} + ((g % 29) + 1) * INTERVAL '1 day' END,
                '{{}}'::jsonb, '{{}}'::jsonb, ''
            FROM generate_series(0::bigint, {n - 1}) g JOIN bt ON bt.i = g % {TEAMS}
        """,
        "cases": f"""
            INSERT INTO casework_case (id, area_id, team_id, person_id, referral_id,
                link_worker_id, status, opened_at, discharged_at, discharge_reason,
                discharge_notes)
            SELECT md5('c' || g)::uuid, bt.area_id, bt.id, md5('p' || g)::uuid,
                md5('r' || g)::uuid, bw.id,
                CASE WHEN g % 5 < 3 THEN 'discharged' ELSE 'open' END,
                {_received("g")} + INTERVAL '2 days',
                CASE WHEN g % 5 < 3 THEN {_received("g")} + INTERVAL '120 days' END,
                CASE WHEN g % 5 < 3 THEN {discharge}[1 + g % 8] ELSE '' END, ''
            FROM (SELECT {g_of_k} AS g FROM generate_series(0::bigint, {cases - 1}) k) s
            JOIN bt ON bt.i = g % {TEAMS}
            JOIN bw ON bw.i = (g % {TEAMS}) * {WORKERS_PER_TEAM}
                            + (g / {TEAMS}) % {WORKERS_PER_TEAM}
        """,
        "contacts": f"""
            INSERT INTO casework_contact (id, area_id, case_id, happened_on, mode, minutes,
                notes, recorded_by_id, recorded_at)
            SELECT md5('t' || c)::uuid, bt.area_id, md5('c' || g)::uuid,
                ({_received("g")})::date + (c % 120)::int,
                (ARRAY['in_person', 'phone', 'video', 'message'])[1 + c % 4],
                10 + c % 50, '', (SELECT id FROM bw WHERE i = 0), now()
            FROM (SELECT c, ((k / 8) * 10 + k % 8) AS g
                  FROM (SELECT c, floor(random() * {cases})::bigint AS k
                        FROM generate_series(0::bigint, {5 * n - 1}) c) r) s
            JOIN bt ON bt.i = g % {TEAMS}
        """,
        "connections": f"""
            INSERT INTO casework_connection (id, area_id, case_id, service_id,
                organization_id, status, note_to_partner, decline_reason, drop_reason,
                accompanied_first_visit, proposed_at, first_attended_on, updated_at)
            SELECT md5('n' || g)::uuid, bt.area_id, md5('c' || g)::uuid, bs.id,
                bs.organization_id,
                CASE WHEN k % 10 < 2 THEN 'completed' WHEN k % 10 < 4 THEN 'ongoing'
                     ELSE 'declined' END, '',
                CASE WHEN k % 10 >= 4 THEN 'The group is full.' ELSE '' END, '', false,
                {_received("g")} + INTERVAL '5 days',
                CASE WHEN k % 10 < 4 THEN ({_received("g")})::date + 12 END, now()
            FROM (SELECT k, {g_of_k} AS g FROM generate_series(0::bigint, {cases - 1}) k
                  WHERE k % 10 < 6) s
            JOIN bt ON bt.i = g % {TEAMS} JOIN bs ON bs.i = (g * 13) % {SERVICES}
        """,
        "responses": f"""
            INSERT INTO outcomes_response (id, area_id, person_id, case_id, instrument,
                instrument_version, timepoint, answers, score, domains, via, completed_at)
            SELECT md5('q' || r)::uuid, bt.area_id, md5('p' || g)::uuid, md5('c' || g)::uuid,
                (ARRAY['swemwbs', 'ons4', 'ucla3'])[1 + k % 3], '1', 'other', '{{}}'::jsonb,
                CASE k % 3
                  WHEN 0 THEN to_jsonb(round((14 + random() * 14 + seq * (k % 2))::numeric, 2))
                  WHEN 1 THEN jsonb_build_object(
                      'life_satisfaction', floor(random() * 11)::int,
                      'worthwhile', floor(random() * 11)::int,
                      'happiness', floor(random() * 11)::int,
                      'anxiety', floor(random() * 11)::int)
                  ELSE to_jsonb(3 + floor(random() * 7)::int) END,
                '{{}}'::jsonb, 'link_worker',
                {_received("g")} + INTERVAL '7 days'
                  + (CASE WHEN k % 10 = 0 THEN 7 ELSE 40 END) * seq * INTERVAL '1 day'
                  + (r % 3600) * INTERVAL '1 second'
            FROM (SELECT r, r % {measured} AS k, r / {measured} AS seq,
                         (((r % {measured}) / 8) * 10 + (r % {measured}) % 8) AS g
                  FROM generate_series(0::bigint, {2 * n - 1}) r) s
            JOIN bt ON bt.i = g % {TEAMS}
        """,
        "healthcare": f"""
            INSERT INTO outcomes_healthcareuse (id, area_id, person_id, kind, occurred_on,
                count, source, recorded_at)
            SELECT md5('h' || h)::uuid, bt.area_id, md5('p' || g)::uuid,
                (ARRAY['gp_appointment', 'ae_attendance', 'emergency_admission',
                       'outpatient'])[1 + h % 4],
                ({_received("g")})::date + ((h % 361) - 180)::int, 1 + h % 3, 'bench-' || h, now()
            FROM (SELECT h, (h * 7) % {n} AS g FROM generate_series(0::bigint, {n // 2 - 1}) h) s
            JOIN bt ON bt.i = g % {TEAMS}
        """,
        "reset": "SET session_replication_role = DEFAULT",
        "vacuum analyze": "VACUUM ANALYZE",
    }
    rows = []
    with connection.cursor() as cursor:
        for step, sql in steps.items():
            started = time.perf_counter()
            cursor.execute(sql)
            rows.append({"step": f"generate {step}", "seconds": _s(started)})
    return rows


def _s(started: float) -> float:
    return round(time.perf_counter() - started, 2)


# --- child: measure ---------------------------------------------------------------------


def _machine() -> dict:
    from django.db import connection

    from bench.__main__ import machine

    info = machine()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        info["postgresql"] = cursor.fetchone()[0]
        for setting in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather"):
            cursor.execute(f"SHOW {setting}")
            info[setting] = cursor.fetchone()[0]
    info["load_average"] = os.getloadavg()
    return info


def _timed(fn, repeat: int) -> tuple[float, float, Any]:
    """(median seconds, minimum seconds, last result) over `repeat` calls."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3), round(min(times), 3), result


def _measure(repeat: int) -> list[dict]:
    from django.utils import timezone

    from bench.insight_baseline import dashboard_in_python
    from insight import (
        dashboards,
        equity,
        evaluation,
        evaluation_reference,
        experience_summary,
        gaps,
        lasting,
        randomised,
    )
    from insight.access import Scope
    from referrals.models import Referral

    everything = Referral.objects.all()
    today = timezone.localdate()
    f = dashboards.Filters(Scope())
    rows: list[dict] = []

    def row(what, seconds, best, **extra):
        rows.append({"what": what, "median_s": seconds, "min_s": best, **extra})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)

    # The dashboards: each table, then the whole page's tables.
    for slug, build in dashboards.TABLES.items():
        median, best, _ = _timed(lambda b=build: b(f).suppressed(), repeat)
        row(f"dashboard table {slug}", median, best)
    median, best, tables = _timed(lambda: dashboards.dashboard(f), repeat)
    row("dashboard page (all tables)", median, best)
    median, best, _ = _timed(lambda: [t.suppressed() for t in equity.reach_by_equity(f)], repeat)
    row("equity reach tables", median, best)
    median, best, _ = _timed(lambda: gaps.gaps(f, gaps.DEFAULT_TRAVEL_KM), repeat)
    row("gaps page (all tables)", median, best)
    base_median, base_best, in_python = _timed(lambda: dashboard_in_python(f), max(1, repeat // 2))
    same = all(
        [list(r) for r in t.rows] == in_python[t.slug] for t in tables if t.slug in in_python
    )
    row(
        "baseline: dashboard tables counted in Python",
        base_median,
        base_best,
        tables=sorted(in_python),
        same_numbers=same,
    )

    # The evaluation, whole and in parts, as the page and `manage.py evaluate` ask for it
    # (a Selection: read from the evaluation's facts by their own columns).
    region = evaluation.Selection()
    median, best, result = _timed(lambda: evaluation.evaluate(region, today=today), repeat)
    pairs = {f"{m['instrument']}/{m['score']}": m["pairs"] for m in result["measures"]}
    row("evaluate (whole)", median, best, pairs=pairs)
    parts = {
        "evaluate: measures (pairs, subgroups, comparison)": lambda: evaluation.measure_results(
            region
        ),
        "evaluate: measures, through a join with the referrals": lambda: evaluation.measure_results(
            everything
        ),
        "evaluate: healthcare use": lambda: evaluation.healthcare_use(region, today=today),
        "evaluate: post-discharge (insight.lasting)": lambda: lasting.gains_last(
            everything, measures=evaluation.MEASURES, min_days=evaluation.FOLLOW_UP_DAYS
        ),
        "evaluate: experience": lambda: experience_summary.experience(everything),
        "evaluate: randomised": lambda: randomised.attach(
            [], everything, measure_defs=evaluation.MEASURES, min_days=evaluation.FOLLOW_UP_DAYS
        ),
    }
    for what, fn in parts.items():
        median, best, _ = _timed(fn, repeat)
        row(what, median, best)
    # A supervisor's view: one team of the twenty.
    team, area = Referral.objects.values_list("team_id", "area_id").first() or (0, 0)
    one_team = evaluation.Selection(area_id=area, team_id=team)
    median, best, _ = _timed(lambda: evaluation.evaluate(one_team, today=today), repeat)
    row("evaluate, one team (a supervisor's scope)", median, best)
    team_filters = dashboards.Filters(Scope(area_id=area, team_id=team))
    median, best, _ = _timed(lambda: dashboards.dashboard(team_filters), repeat)
    row("dashboard page, one team (a supervisor's scope)", median, best)
    # A commissioner's usual question: the last twelve months, from a day mid-month (the
    # summaries read whole months; the days at the two ends come from the records).
    latest = Referral.objects.order_by("-received_at").values_list("received_at", flat=True)
    end = timezone.localdate(latest.first()) if latest.exists() else today
    end = end.replace(day=min(end.day, 14))
    start = end.replace(year=end.year - 1) + dt.timedelta(days=1)
    year = evaluation.Selection(date_from=start, date_to=end)
    median, best, _ = _timed(lambda: evaluation.evaluate(year, today=today), repeat)
    row(f"evaluate, twelve months ({start} to {end})", median, best)
    year_filters = dashboards.Filters(Scope(), start=start, end=end)
    median, best, _ = _timed(lambda: dashboards.dashboard(year_filters), repeat)
    row(f"dashboard page, twelve months ({start} to {end})", median, best)
    median, best, _ = _timed(lambda: gaps.gaps(year_filters, gaps.DEFAULT_TRAVEL_KM), repeat)
    row(f"gaps page, twelve months ({start} to {end})", median, best)
    sql_measures = evaluation.measure_results(region)
    sql_use = evaluation.healthcare_use(region, today=today)
    runs = max(1, repeat // 2)
    median, best, py_measures = _timed(
        lambda: evaluation.measure_results(everything, source=evaluation_reference), runs
    )
    row("baseline: measures in Python", median, best, same_numbers=py_measures == sql_measures)
    median, best, py_use = _timed(
        lambda: evaluation.healthcare_use(everything, today=today, source=evaluation_reference),
        runs,
    )
    row("baseline: healthcare use in Python", median, best, same_numbers=py_use == sql_use)
    return rows


def child(scale: float, repeat: int) -> list[dict]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialrx.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from referrals.models import Referral

    n = max(1000, int(FULL * scale))
    rows: list[dict] = []
    call_command("migrate", verbosity=0)
    if Referral.objects.count() != n:
        started = time.perf_counter()
        if Referral.objects.exists():
            raise SystemExit("The bench database holds another scale: run without --keep.")
        _setup_world()
        rows += _generate(n)
        rows.append({"step": "generate (all)", "seconds": _s(started)})
    from insight import summaries
    from insight.models import PairFact

    if not PairFact.objects.exists():
        # The generator writes with SQL, past the models' signals: build every summary
        # insight keeps once, as `manage.py refresh_insight_facts` does (timed: the cost of
        # a full rebuild of each at this size). A database generated before a summary
        # existed gets it from its migration instead.
        for summary in summaries.SUMMARIES:
            started = time.perf_counter()
            summary.rebuild()
            rows.append({"step": f"rebuild: {summary.name}", "seconds": _s(started)})
            print(
                f"[insight] step={rows[-1]['step']}, seconds={rows[-1]['seconds']}", file=sys.stderr
            )
    # Statistics and visibility maps for the summaries (index-only scans), however they were
    # written.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename LIKE 'insight\\_%%'"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'VACUUM ANALYZE "{table}"')
    counts = {}
    with connection.cursor() as cursor:
        for table in (
            "referrals_referral",
            "casework_case",
            "casework_contact",
            "outcomes_response",
            "casework_connection",
            "outcomes_healthcareuse",
        ):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - our table names
            counts[table] = cursor.fetchone()[0]
    rows.append({"machine": _machine(), "rows": counts, "scale": scale, "repeat": repeat})
    if repeat:  # --repeat 0: generate only
        rows += _measure(repeat)
    return rows


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    if argv[:1] == ["--child"]:
        print(json.dumps(child(float(argv[1]), int(argv[2]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=None, help="1 = 1,000,000 referrals")
    parser.add_argument("--keep", action="store_true", help="reuse a generated database")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    from bench.__main__ import Report, machine

    report = Report("insight")
    started = time.perf_counter()
    run(report, scale=args.scale, keep=args.keep, repeat=args.repeat)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    payload = {
        "benchmark": "insight",
        "machine": machine(),
        "seconds": round(time.perf_counter() - started, 1),
        "results": report.rows,
    }
    (out / "insight.json").write_text(json.dumps(payload, indent=2))
    print(f"wrote {out / 'insight.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
