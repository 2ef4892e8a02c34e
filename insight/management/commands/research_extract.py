from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from insight.exports import DATE_SHIFT_DAYS, MissingPseudonymKey, write_research_extract


class Command(BaseCommand):
    help = (
        "Write the pseudonymised research extract (one CSV per table and "
        "data_dictionary.csv) into OUTDIR, for people whose latest research consent is "
        "given and not withdrawn. Needs RESEARCH_PSEUDONYM_KEY. Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("outdir", help="Folder to write into (created if missing).")

    def handle(self, *args, outdir, **options):
        target = Path(outdir)
        if target.exists() and not target.is_dir():
            raise CommandError(f"{outdir} is a file; give a folder to write the extract into.")
        try:
            report = write_research_extract(target)
        except MissingPseudonymKey as exc:
            raise CommandError(str(exc)) from None
        files = ", ".join(f"{name} ({n:,} rows)" for name, n in report.rows.items())
        self.stdout.write(
            f"Research extract for {report.people:,} consenting people in {target}: {files}, "
            f"data_dictionary.csv. Dates shifted by up to ±{DATE_SHIFT_DAYS} days per person."
        )
