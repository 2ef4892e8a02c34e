from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in

        from accounts import checks  # noqa: F401 (registers the system checks)
        from accounts.middleware import mark_renewed
        from accounts.signin import admin_login

        user_logged_in.connect(mark_renewed, dispatch_uid="accounts.mark_renewed")
        # The admin site signs in through the same pages, so through the second step too.
        admin.site.login = admin_login
