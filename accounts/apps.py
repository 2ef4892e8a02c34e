from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import mark_renewed

        user_logged_in.connect(mark_renewed, dispatch_uid="accounts.mark_renewed")
