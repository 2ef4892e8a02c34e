"""Template helpers that render Django form fields with NHS.UK frontend classes."""

from django import forms, template

register = template.Library()


@register.filter
def widget_kind(field) -> str:
    widget = field.field.widget
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


@register.filter
def nhsuk_widget(field):
    kind = widget_kind(field)
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
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        described.append(f"{field.auto_id}-error")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.filter
def status_tag(value: str) -> str:
    """An NHS.UK tag colour for a journey state (text always shown, never colour alone)."""
    return {
        "received": "nhsuk-tag--blue",
        "accepted": "nhsuk-tag--green",
        "declined": "nhsuk-tag--red",
        "redirected": "nhsuk-tag--orange",
        "closed": "nhsuk-tag--grey",
        "proposed": "nhsuk-tag--grey",
        "sent": "nhsuk-tag--blue",
        "first_attended": "nhsuk-tag--aqua-green",
        "ongoing": "nhsuk-tag--green",
        "completed": "nhsuk-tag--purple",
        "dropped": "nhsuk-tag--red",
        "open": "nhsuk-tag--green",
        "discharged": "nhsuk-tag--grey",
    }.get(value, "")
