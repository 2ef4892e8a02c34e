from django.core.management.base import BaseCommand

from directory.taxonomy import load_taxonomy


class Command(BaseCommand):
    help = "Load (or update) the socialrx community-services taxonomy."

    def handle(self, *args, **options):
        self.stdout.write(f"Loaded {load_taxonomy()} taxonomy terms.")
