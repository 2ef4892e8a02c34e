"""`manage.py load_population FILE.csv [--source TEXT]`: load the local population the
dashboards' reach tables compare with (format: docs/insight.md#local-population)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from insight.dashboards import age_band_labels
from insight.population import load_population


class Command(BaseCommand):
    help = "Load residents by area, age band and sex, and by IMD decile, from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (area,kind,group,sex,people).")
        parser.add_argument(
            "--source",
            default="",
            help="Where the figures come from, e.g. 'ONS mid-2023 population estimates'.",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not UTF-8 text; save the file as CSV UTF-8.") from None
        report = load_population(
            text, filename=path.name, source=options["source"], age_bands=age_band_labels()[:-1]
        )
        if report.errors:
            for error in report.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(report.errors)} problem(s); nothing was loaded.")
        self.stdout.write(
            f"Loaded {report.rows} population figures for {', '.join(report.areas)}; they "
            "replace what those areas had."
        )
