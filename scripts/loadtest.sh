#!/usr/bin/env bash
# `make loadtest [USERS=100] [DURATION=180] [FAULT=pg-restart]`: Locust, headless, drives
# `make serve` (scripts/serve_production.sh) on a throwaway PostgreSQL database on loopback,
# then bench/loadtest/report.py prints throughput, latencies, errors and the exactly-once
# count of referrals. A benchmark, not a test: figures go in docs/benchmarks.md#load.
#
# FAULT=pg-restart restarts the PostgreSQL cluster halfway through (pg_ctlcluster, as root
# on this machine); every other user of that cluster sees the restart too.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
PG="${LOADTEST_PG:-postgres://postgres@127.0.0.1:5432}"
DB="${LOADTEST_DB:-socialrx_load}"
USERS="${USERS:-100}"
DURATION="${DURATION:-180}"
FAULT="${FAULT:-}"
OUT="${LOADTEST_OUT:-bench-results/loadtest}"

case "$FAULT" in ""|pg-restart) ;; *) echo "FAULT must be empty or pg-restart" >&2; exit 2;; esac
rm -rf "$OUT" && mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
psql "$PG/postgres" -qc "CREATE DATABASE $DB" >/dev/null
PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export PORT DATABASE_URL="$PG/$DB" ALLOWED_HOSTS="127.0.0.1,localhost"
export SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')"
export STATIC_ROOT="$OUT/static" LOADTEST_WORLD="$OUT/world.json" LOADTEST_OUT="$OUT"

echo "==> Building the world: the demo town plus the load test's staff and cases"
DEBUG=1 "$PY" manage.py migrate --noinput -v 0
DEBUG=1 "$PY" manage.py seed_demo
DEBUG=1 "$PY" -m bench.loadtest.world "$LOADTEST_WORLD"
# The world was written a moment ago, faster than autovacuum notices: without fresh
# statistics the planner takes tables of hundreds of rows for empty ones. A database that
# has been in use has them; give this one the same.
psql "$PG/$DB" -qc "ANALYZE" >/dev/null
# Building the world queued background work (embedding the directory and every case's
# needs: minutes of CPU). A database in use has done it long ago; run it now, so the task
# worker beside the server does only the work the load itself makes.
echo "==> Running the tasks the world queued (embeddings), before the server starts"
DEBUG=1 "$PY" manage.py db_worker --batch -v 0

echo "==> Starting make serve on port $PORT (logs in $OUT/server.log)"
./scripts/serve_production.sh >"$OUT/server.log" 2>"$OUT/server.err" &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
# check --deploy, migrate and collectstatic first: minutes on a busy 2-core machine.
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$OUT/server.err" >&2; exit 1; }
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "make serve did not answer" >&2; exit 1; }

if [ "$FAULT" = pg-restart ]; then
  (
    sleep $((DURATION / 2))
    start=$(date +%s.%N)
    pg_ctlcluster "$(ls /etc/postgresql | tail -1)" main restart
    until pg_isready -h 127.0.0.1 -q; do sleep 0.1; done
    echo "{\"restart_started\": $start, \"restart_ended\": $(date +%s.%N)}" >"$OUT/fault.json"
  ) &
  fault=$!
fi

echo "==> Locust: $USERS users for ${DURATION}s${FAULT:+, with FAULT=$FAULT}"
"$PY" -m bench.loadtest.cpu "$OUT/cpu.json" "$DURATION" &
cpu=$!
.venv/bin/locust -f bench/loadtest/locustfile.py --headless -u "$USERS" -r 20 \
  -t "${DURATION}s" --host "http://127.0.0.1:$PORT" --csv "$OUT/stats" --only-summary \
  --loglevel WARNING >"$OUT/locust.log" 2>&1 || true
if [ -n "${fault:-}" ]; then wait "$fault"; fi
wait "$cpu" || true

"$PY" -m bench.loadtest.report "$OUT" --users "$USERS" --duration "$DURATION" ${FAULT:+--fault "$FAULT"}
