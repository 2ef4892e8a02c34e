from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, Area, AuthenticatorDevice, Team, User
from accounts.tokens import revoke_api_token
from accounts.two_factor_actions import reset_for
from audit.admin import AuditedModelAdmin, AuditedUserAdmin
from places.postcodes import parse_coverage


@admin.register(User)
class UserAdmin(AuditedUserAdmin):
    list_display = (
        "username",
        "get_full_name",
        "role",
        "team",
        "organization",
        "is_active",
        "two_factor",
    )
    list_filter = ("role", "team", "is_active")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("socialrx", {"fields": ("role", "team", "organization", "job_title")}),
    )
    actions = ["reset_two_factor"]

    def get_queryset(self, request):
        devices = AuthenticatorDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_two_factor=Exists(devices))

    @admin.display(description="Two-factor", boolean=True, ordering="has_two_factor")
    def two_factor(self, obj) -> bool:
        return obj.has_two_factor

    @admin.action(description="Reset two-factor sign-in (lost phone)", permissions=["change"])
    def reset_two_factor(self, request, queryset):
        reset = [user.username for user in queryset if reset_for(user, by=request.user)]
        self.message_user(
            request,
            f"Reset two-factor sign-in for {len(reset)} user(s); they set it up again at their "
            "next sign-in, and their sessions have ended.",
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
    """Tokens are issued on a user's API tokens page or by `manage.py create_api_token`
    (each shows the secret once) and revoked with the list's action (or on the "Everyone's
    API tokens" page); a revoked token can never be made live again, nor its expiry moved."""

    list_display = (
        "prefix",
        "user",
        "name",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = (
        "prefix",
        "token_hash",
        "user",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
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

# Two-factor devices are not edited in the admin (a change there would skip the audit):
# users set theirs up themselves; "Reset two-factor sign-in" on the user list removes
# someone's, audited. accounts.AuthenticatorDevice is never registered; django-otp's own
# (TOTPDevice, left empty by migration 0008, and StaticDevice) are taken off.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
