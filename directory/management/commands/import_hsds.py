from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.hsds_import import ImportFailed, import_hsds


class Command(BaseCommand):
    help = (
        "Import an HSDS 3.0 dataset: a JSON file of one service or an array of services "
        "(nested as /services/{id}), a folder of the tabular CSV form, or a .zip of either. "
        "All or nothing; re-import updates by id. Audited, as done by this command."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            report = import_hsds(Path(path), via="manage.py import_hsds")
        except ImportFailed as exc:
            for problem in exc.report.errors:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(exc.report.errors)} problem(s); nothing was imported."
            ) from None
        for warning in report.warnings[:20]:
            self.stderr.write(f"warning: {warning}")
        if len(report.warnings) > 20:
            self.stderr.write(f"... and {len(report.warnings) - 20} more warnings.")
        summary = ", ".join(_counted(report, table, n) for table, n in report.counts.items())
        self.stdout.write(f"Imported {summary or 'nothing'}.")


def _counted(report, table: str, n: int) -> str:
    """How many records of `table` were read, and of those new and updated: "3 service (1
    new, 2 updated)"."""
    parts = [f"{report.created[table]} new"] if table in report.created else []
    parts += [f"{report.updated[table]} updated"] if table in report.updated else []
    return f"{n} {table} ({', '.join(parts)})"
