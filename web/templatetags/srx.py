"""Template helpers that render Django form fields with NHS.UK frontend classes."""

from django import forms, template
from django.forms.formsets import BaseFormSet

from casework.models import Case, Connection
from people.rules import format_nhs_number
from referrals.models import Referral
from socialrx.widgets import DATE_PARTS, ERROR_PARTS, DateInputWidget

register = template.Library()


@register.filter
def widget_kind(field) -> str:
    widget = field.field.widget
    if isinstance(widget, DateInputWidget):
        return "date"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select):
        return "select"
    return "input"


def _date_error_parts(field) -> list[str]:
    """The boxes of a date input to mark: those its errors name, or all three when an
    error names none (a "must be in the past", or a refusal from an action)."""
    if not field.errors:
        return []
    named = set()
    for error in field.form.errors.as_data().get(field.name, []):
        parts = (error.params or {}).get("parts")
        if not parts:
            return list(DATE_PARTS)
        named.update(parts)
    return [part for part in DATE_PARTS if part in named]


@register.filter
def error_anchor(field) -> str:
    """Where the error summary's link for this field goes: the box to correct first."""
    if widget_kind(field) == "date":
        parts = _date_error_parts(field) or ["day"]
        return f"{field.auto_id}_{DATE_PARTS.index(parts[0])}"
    return field.auto_id


@register.filter
def described_by(field) -> str:
    """The ids of the field's hint and error message, for aria-describedby."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


def _refused(value, depth: int = 0) -> bool:
    """Is this a bound form (or formset) with errors, or a list or tuple holding one (as
    pages with a form per row pass them)? Querysets are never walked."""
    if isinstance(value, forms.BaseForm):
        return value.is_bound and bool(value.errors)
    if isinstance(value, BaseFormSet):
        return value.is_bound and value.total_error_count() > 0
    if isinstance(value, (list, tuple)) and depth < 2:
        return any(_refused(item, depth + 1) for item in value)
    return False


@register.simple_tag(takes_context=True)
def error_title_prefix(context) -> str:
    """ "Error: " before the page title when a form on the page was refused (the NHS.UK
    pattern: it is the first thing a screen reader reads on the new page). base.html calls
    it, so every page with a form gets it without the view doing anything."""
    return "Error: " if any(_refused(v) for v in context.flatten().values()) else ""


@register.filter
def nhsuk_widget(field):
    kind = widget_kind(field)
    if kind == "date":
        # The hint and error are described on the fieldset; the boxes carry their own classes.
        return field.as_widget(attrs={ERROR_PARTS: _date_error_parts(field)})
    css = {
        "textarea": "nhsuk-textarea",
        "select": "nhsuk-select",
    }.get(kind, "nhsuk-input")
    if field.errors:
        css += {
            "textarea": " nhsuk-textarea--error",
            "select": " nhsuk-select--error",
        }.get(kind, " nhsuk-input--error")
    attrs = {"class": css}
    if described := described_by(field):
        attrs["aria-describedby"] = described
    return field.as_widget(attrs=attrs)


# One colour per journey state; a test checks every state of each model has one, and that a
# value two models share ("accepted", "declined") has the same colour in both.
REFERRAL_TAGS = {
    Referral.Status.RECEIVED: "nhsuk-tag--blue",
    Referral.Status.ACCEPTED: "nhsuk-tag--green",
    Referral.Status.DECLINED: "nhsuk-tag--red",
    Referral.Status.REDIRECTED: "nhsuk-tag--orange",
    Referral.Status.CLOSED: "nhsuk-tag--grey",
}
CASE_TAGS = {
    Case.Status.OPEN: "nhsuk-tag--green",
    Case.Status.DISCHARGED: "nhsuk-tag--grey",
}
CONNECTION_TAGS = {
    Connection.Status.PROPOSED: "nhsuk-tag--grey",
    Connection.Status.SENT: "nhsuk-tag--blue",
    Connection.Status.ACCEPTED: "nhsuk-tag--green",
    Connection.Status.DECLINED: "nhsuk-tag--red",
    Connection.Status.FIRST_ATTENDED: "nhsuk-tag--aqua-green",
    Connection.Status.ONGOING: "nhsuk-tag--green",
    Connection.Status.COMPLETED: "nhsuk-tag--purple",
    Connection.Status.DROPPED: "nhsuk-tag--red",
}
_TAGS: dict[str, str] = {**REFERRAL_TAGS, **CASE_TAGS, **CONNECTION_TAGS}


@register.filter
def status_tag(value: str) -> str:
    """An NHS.UK tag colour for a journey state (text always shown, never colour alone)."""
    return _TAGS.get(value, "")


@register.filter
def nhs_number(value) -> str:
    """An NHS number as people read it, 3-3-4 ("943 476 5919") when it has 10 digits;
    anything else (a number sent wrong) as it is."""
    return format_nhs_number(str(value)) if value else ""
