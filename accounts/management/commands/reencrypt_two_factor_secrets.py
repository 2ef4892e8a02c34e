from django.core.management.base import BaseCommand, CommandError

from accounts.two_factor_actions import reencrypt_secrets


class Command(BaseCommand):
    help = (
        "Encrypt every authenticator app's secret under the current key (OTP_ENCRYPTION_KEY, "
        "or SECRET_KEY when it is unset), after rotating a key with the old one in "
        "OTP_ENCRYPTION_KEY_FALLBACKS or SECRET_KEY_FALLBACKS. Fails, naming the users, if a "
        "secret cannot be decrypted."
    )

    def handle(self, *args, **options):
        rewritten, unreadable = reencrypt_secrets()
        self.stdout.write(f"Re-encrypted {rewritten} two-factor secret(s) under the current key.")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} secret(s) could not be decrypted with any configured key "
                f"(user ids {', '.join(map(str, unreadable))}): put the key they were made "
                "under back in the fallbacks, or reset those users' two-factor sign-in."
            )
