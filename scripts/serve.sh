#!/usr/bin/env bash
# Serve the demo: the task worker in the background, the web server in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# PORT=8080 make run serves elsewhere; settings derive SITE_URL (links, printed addresses) from it.
export PORT="${PORT:-8000}"
$PY manage.py db_worker >/tmp/socialrx-worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
$PY manage.py demo_logins
exec $PY manage.py runserver "127.0.0.1:$PORT"
