from django.core.management.base import BaseCommand

from web.demo import DEMO_LOGINS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print how to log in to the demo."

    def handle(self, *args, **options):
        line = "=" * 78
        self.stdout.write(line)
        self.stdout.write(" socialrx is running at http://127.0.0.1:8000")
        self.stdout.write(f" Log in with any of these usernames; the password is {DEMO_PASSWORD}")
        self.stdout.write("")
        for username, _, name, does in DEMO_LOGINS:
            self.stdout.write(f"   {username:<13} {name}: {does}")
        self.stdout.write("")
        self.stdout.write(" Self-referral (no login): http://127.0.0.1:8000/referrals/self/")
        self.stdout.write(" API docs: http://127.0.0.1:8000/api/docs")
        self.stdout.write(line)
