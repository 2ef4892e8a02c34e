from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: it imports models, which are not ready before this.
        from referrals import handover  # noqa: PLC0415

        handover.connect()
