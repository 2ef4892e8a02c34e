#!/usr/bin/env bash
# Production: `make serve`. Checks the deployment settings, migrates, collects the static
# files WhiteNoise serves, then runs gunicorn (gunicorn.conf.py) and the task worker side by
# side. If either stops, the other is stopped too and this script exits with its status, so
# a supervisor (systemd, Docker, Kubernetes) restarts the pair. See docs/operations.md.
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
"$PY" manage.py db_worker &
worker=$!

stop() { kill -TERM "$web" "$worker" 2>/dev/null || true; }
asked_to_stop=0
trap 'asked_to_stop=1; stop' INT TERM
status=0
wait -n "$web" "$worker" || status=$?
stop
wait || true
# Stopped on request (SIGTERM, Ctrl-C): a clean exit. Otherwise one of the pair died.
if [ "$asked_to_stop" = 1 ]; then exit 0; fi
exit "$status"
