import json

from django.core.management.base import BaseCommand, CommandError

from outcomes.instruments import InstrumentError, get_instrument
from outcomes.scoring import ScoringError, score


class Command(BaseCommand):
    help = (
        "Score answers to an instrument and print JSON (raw, score, band). Give answers in "
        "question order; '-' for a question not answered. Example: score swemwbs 3 4 2 5 3 3 4"
    )

    def add_arguments(self, parser):
        parser.add_argument("instrument")
        parser.add_argument("answers", nargs="*")

    def handle(self, *args, instrument, answers, **options):
        try:
            result = score(get_instrument(instrument), answers)
        except (InstrumentError, ScoringError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(result.as_dict()))
