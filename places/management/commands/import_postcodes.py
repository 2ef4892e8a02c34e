from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from places.importers import PostcodeFileError, import_postcodes


class Command(BaseCommand):
    help = (
        "Load UK postcodes from the ONS Postcode Directory or OS Code-Point Open (CSV or "
        ".zip), streaming, then compute postcode district centroids. Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        source = Path(path)
        if not source.exists():
            raise CommandError(f"No such file: {path}")
        try:
            report = import_postcodes(source)
        except PostcodeFileError as exc:
            raise CommandError(f"{exc} Nothing was imported.") from None
        for problem in report.rejected[:50]:
            self.stderr.write(problem)
        if report.rejected_count > 50:
            self.stderr.write(f"... and {report.rejected_count - 50} more rejected rows.")
        self.stdout.write(
            f"{report.format or 'Unknown format'}: imported {report.imported:,} postcodes; "
            f"skipped {report.skipped_terminated:,} terminated and "
            f"{report.skipped_no_location:,} without a location; rejected "
            f"{report.rejected_count:,}; {report.districts:,} districts."
        )
