"""The audit log in the admin (read-only), and the mixin that audits every admin write.

Pages and the API write through actions, which record their own audit events; the Django
admin saves models directly. `AuditedModelAdmin` closes that gap: each add, change and
delete made in the admin records an event in the same transaction, with the names of the
fields that changed (many-to-many ones included), never their values. Every ModelAdmin in
this project that can write derives from it (audit/tests/test_admin_audit.py checks).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import router, transaction

from audit.actions import record_event
from audit.models import Event

# Form fields that stand for one model field: the password forms' two boxes and switch.
_FIELD_FOR = {"password1": "password", "password2": "password", "usable_password": "password"}


class _ChangeMessage(list):
    """Django's change message (stored in the admin's own history), carrying the names of
    the changed fields from where the form is known to where the change is logged."""

    fields: list[str]


def _changed_fields(form, formsets) -> list[str]:
    names = {_FIELD_FOR.get(name, name) for name in form.changed_data}
    for formset in formsets or ():
        if formset.new_objects or formset.changed_objects or formset.deleted_objects:
            names.add(formset.model._meta.label_lower)
    return sorted(names)


class AuditedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose adds, changes and deletes each record an audit event."""

    def construct_change_message(self, request, form, formsets, add=False):
        message = _ChangeMessage(super().construct_change_message(request, form, formsets, add))
        message.fields = _changed_fields(form, formsets)
        return message

    def _audit(self, request, verb, obj, message=None):
        detail = {"via": "admin"}
        if message is not None:
            detail["fields"] = getattr(message, "fields", [])
        record_event(request.user, verb, obj, detail=detail)

    # Django calls these inside the transaction that saved the object and its m2m fields.
    def log_addition(self, request, obj, message):
        self._audit(request, Event.Verb.CREATE, obj, message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, Event.Verb.CHANGE, obj, message)
        return super().log_change(request, obj, message)

    # Deletions are recorded beside the delete itself (the bulk action is not atomic, and
    # it logs before deleting).
    def delete_model(self, request, obj):
        with transaction.atomic(using=router.db_for_write(obj.__class__)):
            self._audit(request, Event.Verb.DELETE, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(queryset.model)):
            for obj in queryset:
                self._audit(request, Event.Verb.DELETE, obj)
            super().delete_queryset(request, queryset)


class AuditedUserAdmin(AuditedModelAdmin, UserAdmin):
    """Django's user admin, audited; its password page saves outside the change form's
    transaction, so it gets one here (the password and its audit row land together)."""

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().user_change_password(request, id, form_url)


@admin.register(Event)
class EventAdmin(AuditedModelAdmin):
    list_display = ("at", "actor_label", "verb", "record_type", "record_id", "person_id")
    list_filter = ("verb", "record_type")
    search_fields = ("actor_label", "record_id", "person_id", "request_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Django's own group admin grants permissions, so it is audited too.
admin.site.unregister(Group)


@admin.register(Group)
class AuditedGroupAdmin(AuditedModelAdmin, GroupAdmin):
    pass
