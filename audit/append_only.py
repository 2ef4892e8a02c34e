"""The database side of the append-only audit log (migration 0002 installs the triggers).

SQLite's trigger on DELETE asks the connection's function `socialrx_audit_flush_allowed()`,
registered here on every connection Django opens; outside the test suite it answers 0, so a
DELETE is refused (and a tool without the function, like the sqlite3 shell, gets "no such
function", which refuses too). In the test suite it answers 1 so the flush between
transactional tests can empty the table, except inside `enforced()`, which tests use to see
the refusal. On PostgreSQL the suite's connections set `socialrx.audit_truncate = 'allow'`
for the same flush, which uses TRUNCATE (row triggers never fire on it; UPDATE and DELETE
stay refused everywhere).
"""

from __future__ import annotations

import contextlib
import threading

from django.conf import settings

_state = threading.local()


def _flush_allowed() -> int:
    return int(bool(settings.TESTING) and not getattr(_state, "enforced", False))


def on_connection_created(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "socialrx_audit_flush_allowed", 0, _flush_allowed, deterministic=False
        )
    elif connection.vendor == "postgresql" and settings.TESTING:
        with connection.connection.cursor() as cursor:
            cursor.execute("SET socialrx.audit_truncate = 'allow'")


@contextlib.contextmanager
def enforced(connection):
    """Within this block (test suite only), the suite's flush escape is off on `connection`:
    SQLite refuses DELETE and PostgreSQL refuses TRUNCATE, as in production. Run the refused
    statement in its own savepoint (transaction.atomic) so the block can end cleanly."""
    _state.enforced = True
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET socialrx.audit_truncate = 'off'")
    try:
        yield
    finally:
        _state.enforced = False
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET socialrx.audit_truncate = 'allow'")
