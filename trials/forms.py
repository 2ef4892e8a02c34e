from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from socialrx.forms import DateInputField
from trials.models import Factor


class TrialForm(forms.Form):
    team: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=None, empty_label=None)
    name = forms.CharField(
        max_length=120, help_text="For example, 'Waiting-list trial, spring 2027'."
    )
    starts_on = DateInputField(
        label="First day", help_text="Referrals accepted from this day are asked to take part."
    )
    ends_on = DateInputField(
        label="Last day", help_text="Referrals accepted after this day are not asked."
    )
    delay_weeks = forms.IntegerField(
        label="Wait (weeks)",
        min_value=1,
        max_value=52,
        help_text="People allocated to wait are first contacted this many weeks after their "
        "referral was received.",
    )
    ratio_now = forms.IntegerField(
        label="Allocation ratio: start now", min_value=1, max_value=3, initial=1
    )
    ratio_wait = forms.IntegerField(
        label="Allocation ratio: wait", min_value=1, max_value=3, initial=1
    )
    stratify_by = forms.MultipleChoiceField(
        label="Balance the arms within",
        choices=Factor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each combination is a stratum with its own blocks. Fewer factors suit a "
        "small trial.",
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "The last day must be the same as or after the first day")
        elif end and end < timezone.localdate():
            self.add_error("ends_on", "The last day must be today or in the future")
        return data


class ConsentForm(forms.Form):
    decision = forms.ChoiceField(
        label="Has the person agreed to take part?",
        choices=[
            ("given", "Yes, they agreed to take part"),
            ("declined", "No, they do not want to take part (normal care)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the person agreed to take part"},
    )
