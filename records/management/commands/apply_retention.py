"""manage.py apply_retention [--dry-run]: anonymise closed cases past their retention period."""

from django.core.management.base import BaseCommand

from records.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Anonymise discharged cases whose retention period has passed (and people whose "
        "whole record has), keeping rows and numbers. Safe to run again; run it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be anonymised; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        report = apply_retention(dry_run=dry_run)
        verb = "Would anonymise" if dry_run else "Anonymised"
        self.stdout.write(f"{verb} {report.cases} case(s) and {report.people} person record(s).")
        for label, names in sorted(report.fields.items()):
            self.stdout.write(f"  {label}: {', '.join(sorted(names))}")
