from django.core.management.base import BaseCommand

from directory.actions import flag_stale_services


class Command(BaseCommand):
    help = "Queue verification for listings not verified within DIRECTORY_STALE_AFTER_DAYS."

    def handle(self, *args, **options):
        self.stdout.write(f"Queued {flag_stale_services()} listing(s) for verification.")
