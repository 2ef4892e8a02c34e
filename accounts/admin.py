from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import ApiToken, Area, Team, User
from accounts.tokens import revoke_api_token
from audit.admin import AuditedModelAdmin, AuditedUserAdmin
from places.postcodes import parse_coverage


@admin.register(User)
class UserAdmin(AuditedUserAdmin):
    list_display = ("username", "get_full_name", "role", "team", "organization", "is_active")
    list_filter = ("role", "team", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("socialrx", {"fields": ("role", "team", "organization", "job_title")}),
    )


@admin.register(Area)
class AreaAdmin(AuditedModelAdmin):
    list_display = ("code", "name")


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = (
            "name",
            "kind",
            "area",
            "ods_code",
            "served_by",
            "accepts_self_referrals",
            "self_referral_postcodes",
        )

    def clean_self_referral_postcodes(self):
        value = self.cleaned_data["self_referral_postcodes"]
        try:
            return ", ".join(parse_coverage(value))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") != Team.Kind.PRACTICE and cleaned.get("served_by"):
            served_by = cleaned["served_by"]
            if self.instance.pk and served_by.filter(pk=self.instance.pk).exists():
                self.add_error("served_by", "A team cannot serve itself.")
        if cleaned.get("kind") == Team.Kind.PRACTICE and cleaned.get("accepts_self_referrals"):
            self.add_error(
                "accepts_self_referrals",
                "A GP practice does not triage; self-referrals go to a social prescribing team.",
            )
        return cleaned


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin):
    """Who serves whom: a practice's `served_by` teams receive its referrals; a team's
    self-referral postcodes decide where the public form's referrals go."""

    form = TeamForm
    list_display = ("name", "kind", "area", "serving", "accepts_self_referrals")
    list_filter = ("kind", "area")
    filter_horizontal = ("served_by",)
    fieldsets = (
        (None, {"fields": ("name", "kind", "area", "ods_code")}),
        ("Referrals from a GP practice", {"fields": ("served_by",)}),
        ("Self-referrals", {"fields": ("accepts_self_referrals", "self_referral_postcodes")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("served_by")

    @admin.display(description="Served by")
    def serving(self, obj) -> str:
        return ", ".join(t.name for t in obj.served_by.all()) or "-"


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedModelAdmin):
    """Tokens are issued by `manage.py create_api_token` (which shows the secret once) and
    revoked with the list's action; a revoked token can never be made live again."""

    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "token_hash", "user", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke_tokens"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke_tokens(self, request, queryset):
        live = list(queryset.filter(revoked_at__isnull=True))
        for row in live:
            revoke_api_token(row, by=request.user)
        self.message_user(request, f"Revoked {len(live)} token(s).")


# Sign-in attempts (django-axes' own admin pages, audited like every other): deleting an
# access attempt there unlocks that username for that address.
for _model, _base in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    admin.site.unregister(_model)
    admin.site.register(_model, type(f"Audited{_base.__name__}", (AuditedModelAdmin, _base), {}))
