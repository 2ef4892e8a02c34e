from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "insight"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from insight import signals, signals_dashboard, signals_gaps, signals_healthcare

        for module in (signals, signals_dashboard, signals_healthcare, signals_gaps):
            module.connect()
