from django.conf import settings
from django.core.management.base import BaseCommand

from web.demo import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print how to log in to the demo (at SITE_URL, which follows PORT)."

    def handle(self, *args, **options):
        site = settings.SITE_URL.rstrip("/")
        line = "=" * 78
        self.stdout.write(line)
        self.stdout.write(f" socialrx is running at {site}")
        self.stdout.write(f" Log in with any of these usernames; the password is {DEMO_PASSWORD}")
        self.stdout.write("")
        for username, _, name, does in DEMO_LOGINS:
            self.stdout.write(f"   {username:<13} {name}: {does}")
        self.stdout.write("")
        self.stdout.write(f" Self-referral (no login): {site}/referrals/self/")
        self.stdout.write(f" API docs: {site}/api/docs")
        self.stdout.write(line)
