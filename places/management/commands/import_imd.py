from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.actions import Subject, record_event
from places.deprivation import ImdFileError, import_imd


class Command(BaseCommand):
    help = (
        "Load the English Index of Multiple Deprivation deciles by LSOA from the published "
        '"File 1" CSV (columns "LSOA code (2011)" or "(2021)" and "Index of Multiple '
        'Deprivation (IMD) Decile"). Load postcodes from ONSPD too: a postcode finds its '
        "decile through its LSOA. Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with transaction.atomic():  # the import and its audit row, or neither
                report = import_imd(source)
                record_event(
                    None,
                    "create",
                    Subject("places.imd_import", source.name),
                    detail={"census": report.census, "imported": report.imported},
                    actor_label="manage.py import_imd",
                )
        except ImdFileError as exc:
            raise CommandError(str(exc)) from None
        for problem in report.rejected[:50]:
            self.stderr.write(problem)
        if len(report.rejected) > 50:
            self.stderr.write(f"... and {len(report.rejected) - 50} more rejected rows.")
        self.stdout.write(
            f"IMD deciles for {report.imported:,} LSOAs ({report.census} census); "
            f"rejected {len(report.rejected):,} rows."
        )
