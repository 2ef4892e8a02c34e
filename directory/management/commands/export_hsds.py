from pathlib import Path

from django.core.management.base import BaseCommand

from directory.hsds_export import export_hsds


class Command(BaseCommand):
    help = (
        "Export the whole directory as HSDS 3.0: PATH.json gives an array of full service "
        "objects, PATH.zip the tabular CSV form zipped, any other PATH a folder of CSV files."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        counts = export_hsds(Path(path))
        self.stdout.write(f"Wrote {path}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
