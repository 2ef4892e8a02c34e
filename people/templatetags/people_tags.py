"""Template filters for people pages."""

from __future__ import annotations

from django import template

from people.models import Consent

register = template.Library()

_SHAREABLE = dict(Consent.SHAREABLE_FIELDS)


@register.filter
def shared_field_labels(codes) -> str:
    """ "name, phone" as "Name, Phone" (unknown codes are shown as they are)."""
    return ", ".join(_SHAREABLE.get(code, code) for code in codes or ())
