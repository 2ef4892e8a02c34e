"""Form widgets shared by every app."""

from django import forms


class DateInput(forms.DateInput):
    """A native date picker. Browsers need ISO dates in value=, whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 - Django's own name
        super().__init__(attrs=attrs, format=format)
