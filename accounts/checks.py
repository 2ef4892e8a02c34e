"""System checks: two-factor sign-in may be waived only on a DEBUG laptop or in the tests."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def two_factor_required_in_production(app_configs, **kwargs):
    if settings.TWO_FACTOR_REQUIRED or settings.DEBUG or getattr(settings, "TESTING", False):
        return []
    return [
        Error(
            "TWO_FACTOR_REQUIRED is off with DEBUG off.",
            hint="Admins and supervisors must sign in with a code in production: unset "
            "TWO_FACTOR_REQUIRED (it defaults to on).",
            id="accounts.E001",
        )
    ]
