"""`manage.py evaluate --json [--team NAME] [--area CODE] [--from DATE] [--to DATE]`: the
evaluation page's numbers as JSON, for scripts and notebooks (small numbers suppressed)."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Area, Team
from audit.actions import Subject, record_event
from audit.models import Event
from insight import evaluation


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date: write it as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Evaluate outcomes (pairs, change, subgroups, comparison, healthcare use) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print JSON (the only format).")
        parser.add_argument("--team", help="A team's name.")
        parser.add_argument("--area", help="An area's code.")
        parser.add_argument("--from", dest="date_from", help="Referred on or after (YYYY-MM-DD).")
        parser.add_argument("--to", dest="date_to", help="Referred on or before (YYYY-MM-DD).")

    def handle(self, *args, **options):
        if not options["json"]:
            raise CommandError("Say --json: the evaluation is printed as JSON.")
        area = team = None
        if options["area"]:
            area = Area.objects.filter(code=options["area"]).first()
            if area is None:
                raise CommandError(f"No area has the code {options['area']!r}.")
        if options["team"]:
            teams = Team.objects.filter(name=options["team"])
            if area is not None:
                teams = teams.filter(area=area)
            found = list(teams[:2])
            if not found:
                raise CommandError(f"No team is called {options['team']!r}.")
            if len(found) > 1:
                raise CommandError(
                    f"More than one team is called {options['team']!r}; add --area CODE."
                )
            team = found[0]
        date_from = _date(options["date_from"]) if options["date_from"] else None
        date_to = _date(options["date_to"]) if options["date_to"] else None
        if date_from and date_to and date_to < date_from:
            raise CommandError("--to must be the same as or after --from.")
        referrals = evaluation.filtered(
            evaluation.Selection(), team=team, area=area, date_from=date_from, date_to=date_to
        )
        result = evaluation.evaluate(referrals)
        record_event(
            None,
            Event.Verb.EXPORT,
            Subject("insight.evaluation", "json"),
            detail={"filters": [k for k in ("team", "area", "date_from", "date_to") if options[k]]},
            actor_label="manage.py evaluate",
        )
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
