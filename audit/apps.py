from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AuditConfig(AppConfig):
    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from audit.append_only import on_connection_created

        connection_created.connect(on_connection_created, dispatch_uid="audit_append_only")
