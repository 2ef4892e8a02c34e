from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from web import demo


class Command(BaseCommand):
    help = "Load the fictional Ashby Vale demo (refused unless DEBUG is on)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--people", type=int, default=200)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the database already has users."
        )

    def handle(self, *args, seed, people, if_empty, **options):
        if not (settings.DEBUG or settings.TESTING):
            raise CommandError("The demo data is for demonstration only; set DEBUG=1 to load it.")
        if User.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already loaded; nothing to do.")
                return
            raise CommandError("The database already has users; use an empty database.")
        result = demo.seed(seed=seed, people=people)
        self.stdout.write(
            f"Loaded {demo.TOWN}: {result.users} users, {result.services} services, "
            f"{result.people} people, {result.referrals} referrals, {result.cases} cases, "
            f"{result.connections} connections."
        )
