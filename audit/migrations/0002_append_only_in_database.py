"""The audit log refuses UPDATE and DELETE in the database itself, not only in the ORM.

PostgreSQL: a row trigger refuses UPDATE and DELETE, and a statement trigger refuses
TRUNCATE unless the session has set `socialrx.audit_truncate = 'allow'` (only the test
suite's connections do, so its flush between transactional tests can empty the table).
SQLite: triggers refuse UPDATE always and DELETE unless the connection's function
`socialrx_audit_flush_allowed()` answers 1 (registered by audit.append_only; it answers 1
only under SOCIALRX_TESTING, for the same flush). docs/adr/0009-append-only-audit-log.md.

Note for later migrations: on SQLite, Django rebuilds a table to alter it, and the rebuild
drops its triggers. A migration that alters audit.Event must create them again (run
SQLITE_UP below after it); audit/tests/test_append_only.py fails if they are missing.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND coalesce(current_setting('socialrx.audit_truncate', true), '') = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The audit log is append-only: % on audit_event is refused.', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change();
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change();
"""

PG_DOWN = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event;
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event;
DROP FUNCTION IF EXISTS audit_event_refuse_change();
"""

SQLITE_UP = [
    """
    CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN
        SELECT RAISE(ABORT, 'The audit log is append-only: UPDATE on audit_event is refused.');
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event
    WHEN NOT socialrx_audit_flush_allowed()
    BEGIN
        SELECT RAISE(ABORT, 'The audit log is append-only: DELETE on audit_event is refused.');
    END
    """,
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]


def _run(statements_for):
    def run(apps, schema_editor):
        statements = statements_for.get(schema_editor.connection.vendor, [])
        for sql in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": PG_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
