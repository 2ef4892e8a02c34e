from django.apps import AppConfig
from django.core import checks


class OutcomesConfig(AppConfig):
    name = "outcomes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from outcomes.sms import check_sms_gateway

        checks.register(check_sms_gateway)
