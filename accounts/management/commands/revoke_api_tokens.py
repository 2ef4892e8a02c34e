from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiToken, User
from accounts.tokens import revoke_api_token


class Command(BaseCommand):
    help = "Revoke a user's API tokens: all of them, or the one starting with --prefix."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--prefix", default="", help="The first 12 characters of a token.")

    def handle(self, *args, username, prefix, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        rows = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        if prefix:
            rows = rows.filter(prefix=prefix)
        count = 0
        for row in rows:
            revoke_api_token(row, by=user)
            count += 1
        self.stdout.write(f"Revoked {count} token(s) for {username}.")
