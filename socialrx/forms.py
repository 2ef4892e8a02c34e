"""Form fields shared by every app: the NHS.UK date input, and ids for forms that share a
page. How forms render and report errors is in docs/forms.md."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from socialrx.errors import DomainError
from socialrx.widgets import DATE_PARTS, DateInputWidget

DATE_HINT = "For example, 15 3 1984"
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


def _sentence_start(label: str) -> str:
    return label[:1].lower() + label[1:]


def date_from_parts(day: str, month: str, year: str, *, label: str) -> dt.date:
    """The date typed in the three boxes, or a ValidationError worded as the NHS.UK date
    input pattern words it, whose params["parts"] names the boxes at fault."""

    def refuse(message: str, code: str, parts) -> ValidationError:
        return ValidationError(message, code=code, params={"parts": tuple(parts)})

    typed = {"day": day, "month": month, "year": year}
    missing = [part for part in DATE_PARTS if not typed[part]]
    if missing:
        raise refuse(f"{label} must include a {' and '.join(missing)}", "incomplete", missing)
    not_numbers = [part for part in DATE_PARTS if not typed[part].isdigit()]
    if not_numbers:
        raise refuse(f"{label} must be a real date", "invalid", not_numbers)
    if len(year) != 4:
        raise refuse("Year must include 4 numbers", "year", ["year"])
    numbers = {part: int(typed[part]) for part in DATE_PARTS}
    out_of_range = [
        part for part, highest in (("day", 31), ("month", 12)) if not 1 <= numbers[part] <= highest
    ]
    if out_of_range:
        raise refuse(f"{label} must be a real date", "invalid", out_of_range)
    try:
        return dt.date(numbers["year"], numbers["month"], numbers["day"])
    except ValueError:  # 31 2 1990: each part could be right, the day is not in that month
        raise refuse(f"{label} must be a real date", "invalid", ["day"]) from None


class DateInputField(forms.MultiValueField):
    """A date typed as day, month and year (the NHS.UK date input), cleaned to a date.

    A part missing, a part that is not a number, a 2-digit year or a date that does not
    exist (31 2 1990) is refused with a message naming the field, never read as another
    date. `must_be_past` and `earliest` add "must be in the past" and "must be the same as
    or after" in the same words. Needs a `label`: the messages are built from it."""

    widget = DateInputWidget

    def __init__(
        self,
        *,
        label: str,
        must_be_past: bool = False,
        earliest: dt.date | None = None,
        **kwargs,
    ):
        self.must_be_past = must_be_past
        self.earliest = earliest
        kwargs.setdefault("help_text", DATE_HINT)
        error_messages = {"required": f"Enter the {_sentence_start(label)}"}
        error_messages.update(kwargs.pop("error_messages", None) or {})
        parts = tuple(forms.CharField(required=False) for _ in DATE_PARTS)
        super().__init__(
            parts,
            label=label,
            require_all_fields=False,
            error_messages=error_messages,
            **kwargs,
        )

    def _parts(self, value) -> tuple[str, str, str]:
        if not isinstance(value, (list, tuple)):
            value = self.widget.decompress(value)
        padded = [*value, "", "", ""][:3]
        return tuple("" if v is None else str(v).strip() for v in padded)

    def clean(self, value):
        # A disabled field is cleaned from its initial date: _parts decompresses it.
        day, month, year = self._parts(value)
        if not (day or month or year):
            if self.required:
                raise ValidationError(
                    self.error_messages["required"], code="required", params={"parts": DATE_PARTS}
                )
            return None
        date = date_from_parts(day, month, year, label=self.label)
        if self.must_be_past and date >= timezone.localdate():
            raise ValidationError(
                f"{self.label} must be in the past", code="past", params={"parts": DATE_PARTS}
            )
        if self.earliest and date < self.earliest:
            e = self.earliest
            raise ValidationError(
                f"{self.label} must be the same as or after {e.day} {e.month} {e.year}",
                code="earliest",
                params={"parts": DATE_PARTS},
            )
        self.run_validators(date)
        return date

    def compress(self, data_list):
        day, month, year = self._parts(data_list)
        if not (day or month or year):
            return None
        return date_from_parts(day, month, year, label=self.label)

    def has_changed(self, initial, data):
        """Changed only if a different date (or a date where there was none) was typed:
        05 03 1984 over a stored 5 March 1984 is no change."""
        if self.disabled:
            return False
        try:
            typed = self.compress(data)
        except ValidationError:
            return True
        if isinstance(initial, (list, tuple)):
            try:
                initial = self.compress(initial)
            except ValidationError:
                return True
        return typed != initial


class DateOfBirthField(DateInputField):
    """A date of birth: in the past, and not before 1900 (a year typed 1084 is a slip)."""

    def __init__(self, *, label: str = "Date of birth", own: bool = False, **kwargs):
        """`own`: the person is giving their own date of birth (the public form): the
        message says "your", and the browser may fill it in."""
        if own:
            kwargs.setdefault("error_messages", {"required": "Enter your date of birth"})
            kwargs.setdefault("widget", DateInputWidget(own_birthday=True))
        kwargs.setdefault("must_be_past", True)
        kwargs.setdefault("earliest", EARLIEST_BIRTH_DATE)
        super().__init__(label=label, **kwargs)


class IdPrefixMixin:
    """For a form that shares a page with others: its ids start with `id_prefix`, so no two
    fields on the page share an id (and each label names the right box). Only the ids
    change; the names posted stay as they were."""

    id_prefix: str = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


def apply_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show an action's refusal on the form: on the field it names when the form has that
    field, else above the form. The one place pages turn a DomainError into a form error."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
