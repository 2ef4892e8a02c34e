"""Form widgets shared by every app, and the renderer that draws every widget."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils.functional import cached_property

DATE_PARTS = ("day", "month", "year")  # in the order of the boxes: <name>_0, _1, _2

# Passed in a widget's attrs by the `nhsuk_widget` template filter: the boxes to mark as in
# error (the field's ValidationError names them). Taken out before any attribute is rendered.
ERROR_PARTS = "srx_error_parts"


class DateInputWidget(forms.MultiWidget):
    """The NHS.UK date input: three text boxes, Day, Month and Year, named <name>_0,
    <name>_1 and <name>_2 (Django's own MultiWidget names) with ids <id>_0 and so on.
    Numbers are typed, never picked: a browser's own date picker orders day and month by
    its language, so 15 3 1984 could become 3 December. The fieldset, legend, hint and
    error message around it are drawn by templates/web/_field.html; this draws the boxes
    (web/jinja2/web/widgets/date_input.html; widgets are drawn by Jinja2, FORM_RENDERER)."""

    template_name = "web/widgets/date_input.html"
    use_fieldset = True

    def __init__(self, attrs=None, *, own_birthday: bool = False):
        """`own_birthday`: the person is giving their own date of birth, so the browser may
        offer to fill it in (autocomplete bday-*). Never for someone else's."""
        self.own_birthday = own_birthday
        super().__init__([forms.TextInput for _ in DATE_PARTS], attrs)

    def decompress(self, value):
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def get_context(self, name, value, attrs):
        attrs = dict(attrs or {})
        error_parts = set(attrs.pop(ERROR_PARTS, ()))
        context = super().get_context(name, value, attrs)
        for part, box in zip(DATE_PARTS, context["widget"]["subwidgets"], strict=True):
            box_attrs = box["attrs"]
            width = "nhsuk-input--width-4" if part == "year" else "nhsuk-input--width-2"
            classes = ["nhsuk-input", "nhsuk-date-input__input", width]
            if part in error_parts:
                classes.append("nhsuk-input--error")
            else:
                box_attrs.pop("aria-invalid", None)
            box_attrs["class"] = " ".join(classes)
            box_attrs["inputmode"] = "numeric"
            if self.own_birthday:
                box_attrs["autocomplete"] = f"bday-{part}"
            box["part"] = part
            box["label"] = part.capitalize()
        return context

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else ""


class DateInput(forms.DateInput):
    """A native date picker. Browsers need ISO dates in value=, whatever the locale.

    Not for dates people type: use socialrx.forms.DateInputField (see DateInputWidget)."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 - Django's own name
        super().__init__(attrs=attrs, format=format)


class WidgetRenderer(Jinja2):
    """FORM_RENDERER: widgets drawn by Jinja2, from Django's own Jinja2 widget templates
    (django/forms/jinja2) and each app's jinja2/ folder, for less CPU than the same
    templates in Django's language (the case page draws 18 widgets: about a tenth of its
    CPU saved; docs/benchmarks.md).
    A template with no Jinja2 version (the admin's own widgets) is drawn by Django's
    templates, as Django's default renderer would."""

    @cached_property
    def _django_templates(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name):
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self._django_templates.get_template(template_name)
