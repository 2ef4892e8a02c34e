"""Log lines as JSON, one object a line, for production (settings.LOGGING and
gunicorn.conf.py use it). Each line has the time (UTC), level, logger and message, the
request id when inside a request, and a traceback when there is one. gunicorn's access
lines also carry the method, path (never the query string, which can hold a search for a
name), status, size, duration and request id as fields."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from audit.context import current

# gunicorn's access atoms -> our field names (see gunicorn.conf.py's access_log_format).
_ACCESS_FIELDS = {"m": "method", "U": "path", "s": "status", "B": "bytes"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current.get().request_id
        if request_id:
            line["request_id"] = request_id
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            line.update(_access_fields(record.args))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)


def _access_fields(atoms) -> dict[str, object]:
    fields: dict[str, object] = {name: atoms[atom] for atom, name in _ACCESS_FIELDS.items()}
    try:
        fields["status"] = int(fields["status"])
        fields["duration_ms"] = round(int(atoms["D"]) / 1000, 1)
    except (TypeError, ValueError):
        pass
    request_id = atoms["{x-request-id}o"]
    if request_id and request_id != "-":
        fields["request_id"] = request_id
    return fields
