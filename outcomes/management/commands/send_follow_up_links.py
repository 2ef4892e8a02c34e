"""`manage.py send_follow_up_links [--date YYYY-MM-DD]`: send the one-time links of the
follow-ups after discharge that are due (run daily from cron; docs/outcomes.md)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from outcomes.follow_up import send_due_follow_ups


class Command(BaseCommand):
    help = "Send one-time links for the measures due some months after discharge."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Act as if today were this day (YYYY-MM-DD).")

    def handle(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"{options['date']!r} is not a date: write it as YYYY-MM-DD."
                ) from None
        report = send_due_follow_ups(today=today)
        self.stdout.write(
            f"Sent {report.links_sent} link(s) to {report.people_sent} people; "
            f"{report.people_without_consent} due but not agreed to be contacted (left on "
            f"their link worker's list); {report.already_sent} sent before."
        )
