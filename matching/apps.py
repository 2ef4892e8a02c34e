from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from matching import checks, signals  # noqa: F401 (checks registers the system checks)

        signals.connect()
