from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from outcomes.instruments import Instrument, all_instruments
from outcomes.models import HealthcareUse, OneTimeLink, Timepoint
from socialrx.forms import DateInputField


def questionnaire_form(instrument: Instrument, data=None) -> forms.Form:
    """A form with one radio group per question, built from the instrument's data."""
    required = instrument.missing == "no_score_if_any_missing"
    fields = {}
    for position, item in enumerate(instrument.items, start=1):
        fields[item.id] = forms.TypedChoiceField(
            label=f"{position}. {item.text}",
            choices=[(str(v), label) for v, label in zip(item.values, item.labels, strict=True)],
            coerce=int,
            required=required,
            empty_value=None,
            widget=forms.RadioSelect,
            error_messages={"required": "Answer this question."},
        )
    form_class = type(f"{instrument.id.title()}Form", (forms.Form,), fields)
    return form_class(data)


def instrument_choices():
    return [(i.id, i.title) for i in all_instruments().values()]


class RecordMeasureForm(forms.Form):
    prefix = "measure"

    instrument = forms.ChoiceField(label="Questionnaire", choices=instrument_choices)
    timepoint = forms.ChoiceField(
        label="When", choices=Timepoint.choices, initial=Timepoint.BASELINE
    )


class SendLinkForm(forms.Form):
    prefix = "link"

    instrument = forms.ChoiceField(label="Questionnaire", choices=instrument_choices)
    timepoint = forms.ChoiceField(label="When", choices=Timepoint.choices)
    channel = forms.ChoiceField(
        label="Send by", choices=OneTimeLink.Channel.choices, widget=forms.RadioSelect
    )


class HealthcareUseForm(forms.Form):
    prefix = "use"

    kind = forms.ChoiceField(label="What", choices=HealthcareUse.Kind.choices)
    occurred_on = DateInputField(label="Date")
    count = forms.IntegerField(label="How many", min_value=1, max_value=365, initial=1)

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        if value < timezone.localdate() - dt.timedelta(days=3 * 365):
            raise forms.ValidationError("Only the last three years are recorded.")
        return value
