"""manage.py restore PATH: replace the database's contents with a backup, then check it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from records.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the database (or --database-url), "
        "replacing what it holds, then compare row counts and the audit log checksum with "
        "the backup's manifest. Stop the web server and the task worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--database-url", help="Restore into this database instead of DATABASE_URL's."
        )
        parser.add_argument(
            "--yes", action="store_true", help="Confirm that the database's contents are replaced."
        )

    def handle(self, *args, path, database_url=None, yes=False, **options):
        if not yes:
            raise CommandError(
                "Restoring replaces everything in the database. Run again with --yes to confirm."
            )
        try:
            result, wrong = restore(path, url=database_url)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if wrong:
            raise CommandError("The restored database differs from the backup: " + "; ".join(wrong))
        rows = sum(result["tables"].values())
        self.stdout.write(
            f"Restored {rows} rows from {path}; counts and audit log checksum match the backup."
        )
