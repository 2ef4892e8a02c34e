import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Team
from insight.access import Scope
from insight.dashboards import Filters
from insight.exports import MissingPseudonymKey
from insight.time_report import export_time_report


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()  # noqa: DTZ007 (a calendar month)
    except ValueError:
        raise CommandError(f"{text!r} is not a month; write it as YYYY-MM, like 2026-04.") from None


def _last_day(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


class Command(BaseCommand):
    help = (
        "Write the monthly time report (minutes of link worker time per person per calendar "
        "month, pseudonymous person keys) as CSV, for every team or one. Needs "
        "RESEARCH_PSEUDONYM_KEY. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("outfile", help="CSV file to write ('-' for standard output).")
        parser.add_argument("--from", dest="start", required=True, help="First month, YYYY-MM.")
        parser.add_argument("--to", dest="end", required=True, help="Last month, YYYY-MM.")
        parser.add_argument("--team", type=int, help="Only this team (its id).")

    def handle(self, *args, outfile, start, end, team, **options):
        first, last = _month(start), _month(end)
        if last < first:
            raise CommandError("--to must be the same month as --from or later.")
        if team is not None and not Team.objects.filter(pk=team).exists():
            raise CommandError(f"There is no team with id {team}.")
        filters = Filters(Scope(), team_id=team, start=first, end=_last_day(last))
        try:
            text = export_time_report(filters, by=None, actor_label="manage.py time_report")
        except MissingPseudonymKey as exc:
            raise CommandError(str(exc)) from None
        if outfile == "-":
            self.stdout.write(text, ending="")
        else:
            Path(outfile).write_text(text, encoding="utf-8")
            self.stdout.write(f"Time report: {text.count(chr(10)) - 1:,} rows in {outfile}.")
