"""`manage.py refresh_insight_facts [--check]`: rebuild the evaluation's facts (insight.facts)
from the records, or with --check only report where they differ (exit status 1 if they do).

Facts are kept up to date as records change; run this after writing records in a way that
bypasses the models (raw SQL, bulk loads), or to check that nothing did."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from insight import facts
from insight.models import PairFact


class Command(BaseCommand):
    help = "Rebuild the evaluation's facts from the records (--check: only compare)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Report differences; change nothing."
        )

    def handle(self, *args, **options):
        if options["check"]:
            found = facts.differences()
            for line in found[:50]:
                self.stdout.write(line)
            if found:
                raise CommandError(
                    f"{len(found)} facts differ from the records: run refresh_insight_facts."
                )
            self.stdout.write("The evaluation's facts match the records.")
            return
        started = time.perf_counter()
        facts.refresh()
        self.stdout.write(
            f"Rebuilt {PairFact.objects.count():,} pairs in {time.perf_counter() - started:.1f} s."
        )
