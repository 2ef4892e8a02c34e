#!/usr/bin/env bash
# Production: `make serve`. Checks the deployment settings, migrates, collects the static
# files WhiteNoise serves, then runs gunicorn (gunicorn.conf.py) and the task worker side by
# side. The task worker stops when it loses the database (a PostgreSQL restart): it is
# started again after a short pause, while gunicorn replaces its own workers. If gunicorn
# stops, the worker is stopped too and this script exits with its status, so a supervisor
# (systemd, Docker, Kubernetes) restarts the pair. See docs/operations.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export PORT="${PORT:-8000}"
export DEBUG=0

# Refuses to start with an insecure or incomplete configuration (a missing SECRET_KEY,
# ALLOWED_HOSTS, an SMS backend that pretends to send...), before touching anything.
# These steps print to stderr, so stdout holds only JSON log lines.
"$PY" manage.py check --deploy --fail-level WARNING >&2
"$PY" manage.py migrate --noinput >&2
"$PY" manage.py collectstatic --noinput --verbosity 0 >&2

"$PY" -m gunicorn socialrx.wsgi:application --config gunicorn.conf.py &
web=$!
# The task worker, started again whenever it stops on its own (2 s apart, so a database
# that is still down is not hammered). TERM ends the loop and the worker in it.
keep_worker() {
  local child=0
  trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' TERM INT
  while true; do
    "$PY" manage.py db_worker &
    child=$!
    wait "$child" || echo "task worker stopped (status $?); starting it again in 2 s" >&2
    sleep 2
  done
}
keep_worker &
worker=$!

stop() { kill -TERM "$web" "$worker" 2>/dev/null || true; }
asked_to_stop=0
trap 'asked_to_stop=1; stop' INT TERM
status=0
wait "$web" || status=$?
stop
wait || true
# Stopped on request (SIGTERM, Ctrl-C): a clean exit. Otherwise one of the pair died.
if [ "$asked_to_stop" = 1 ]; then exit 0; fi
exit "$status"
