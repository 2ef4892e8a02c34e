"""`manage.py refresh_insight_facts [--check]`: rebuild every summary insight keeps
(insight.summaries: the evaluation's facts and monthly sums, healthcare use per referral,
the dashboards' and the gaps page's counts) from the records, or with --check only report
where they differ (exit status 1 if they do).

They are kept up to date as records change; run this after writing records in a way that
bypasses the models (raw SQL, bulk loads), or to check that nothing did."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from insight import summaries


class Command(BaseCommand):
    help = "Rebuild insight's summaries from the records (--check: only compare)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Report differences; change nothing."
        )

    def handle(self, *args, **options):
        if options["check"]:
            found = summaries.differences()
            for line in found[:50]:
                self.stdout.write(line)
            if found:
                raise CommandError(
                    f"{len(found)} summary rows differ from the records: run refresh_insight_facts."
                )
            self.stdout.write("Insight's summaries match the records.")
            return
        for summary in summaries.SUMMARIES:
            started = time.perf_counter()
            summary.rebuild()
            self.stdout.write(f"Rebuilt {summary.name} in {time.perf_counter() - started:.1f} s.")
