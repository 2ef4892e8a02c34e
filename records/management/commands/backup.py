"""manage.py backup PATH: a consistent copy of the database, with a manifest beside it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.actions import Subject, record_event
from audit.context import acting_as
from records.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database to PATH (SQLite: online backup API; PostgreSQL: pg_dump -Fc) "
        "and write PATH.manifest.json with its row counts and audit log checksum."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--database-url", help="Back up this database instead of DATABASE_URL's."
        )

    def handle(self, *args, path, database_url=None, **options):
        try:
            manifest = backup(path, url=database_url)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if database_url is None:  # the site's own database keeps a note of its backups
            with acting_as("manage.py backup"):
                record_event(
                    None,
                    "export",
                    Subject("records.backup", path.name[:64]),
                    detail={"rows": sum(manifest["tables"].values())},
                )
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Backed up {rows} rows in {len(manifest['tables'])} tables ({manifest['vendor']}) "
            f"to {path}; audit log checksum {manifest['audit_sha256'][:16]}…"
        )
