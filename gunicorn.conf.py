"""gunicorn settings for `make serve` (scripts/serve_production.sh). gunicorn reads this file
from the working directory by itself; every value can still be overridden on its command
line or through GUNICORN_CMD_ARGS. See docs/operations.md#serving."""

import os

# PORT (default 8000) on every interface: the TLS-terminating proxy connects to it.
bind = [f"0.0.0.0:{os.environ.get('PORT', '8000')}"]

# Sized to the machine: gunicorn's rule of thumb, two workers per CPU plus one, each with a
# few threads so a slow client or a wait on PostgreSQL does not hold a whole worker.
# WEB_CONCURRENCY and GUNICORN_THREADS override them. CPUs + 1 workers of 8 threads (fewer
# processes, the same cores) was measured against this under `make loadtest` and was not
# shown better; see docs/benchmarks.md#load-and-faults-make-loadtest before changing it.
_cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (_cpus or 1) + 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)

# A worker that takes longer than this over one request is restarted (the user sees the
# proxy's error); workers are also replaced now and then, to bound any slow leak.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200

# Logs: JSON lines on stdout, access lines included (socialrx/logging.py).
accesslog = "-"
access_log_format = "%(m)s %(U)s %(s)s %(B)s %(D)s"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "socialrx.logging.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
    },
}

# The application, and with it the matching model (about 640 MiB with both models, ADR 0023),
# is loaded once in the master before the workers are forked: the workers share the model's
# pages instead of each reading its own copy, and no worker's first suggestion waits the 3 s
# the model takes to load. New code therefore needs a restart of the master, not a HUP
# (docs/operations.md#serving).
preload_app = True


def when_ready(server):
    """Load the matching model in the master, after the app and before the first fork."""
    if not server.cfg.preload_app:  # turned off: each worker loads the model itself
        return
    from matching.embedding import get_encoder

    encoder = get_encoder()
    server.log.info("matching model loaded: %s", encoder.name if encoder else "none (lexical)")


def post_worker_init(worker):
    """Import every page's code before the first request, not during it."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the attribute loads the URLconf
