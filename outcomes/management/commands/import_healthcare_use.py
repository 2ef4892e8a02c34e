from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from outcomes.actions import import_healthcare_use
from people.queries import people_for


class Command(BaseCommand):
    help = (
        "Import healthcare use from a CSV with columns nhs_number, kind, date (YYYY-MM-DD), "
        "count. All or nothing: any bad row is reported and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help="The link worker or supervisor importing (sets scope).",
        )
        parser.add_argument("--source", default="", help="Where the data came from.")

    def handle(self, *args, path, username, source, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user called {username!r}.")
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        report = import_healthcare_use(
            text, source=source or Path(path).name, by=user, people_qs=people_for(user)
        )
        if report.errors:
            for error in report.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(report.errors)} bad row(s); nothing was imported.")
        self.stdout.write(f"Imported {report.created} row(s).")
