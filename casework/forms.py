from __future__ import annotations

from django import forms
from django.utils import timezone

from casework.models import (
    Barrier,
    Case,
    Contact,
    Conversation,
    Goal,
    PlanAction,
    TimeOfDay,
    Weekday,
)
from directory.models import Service
from socialrx.widgets import DateInput


class ConversationForm(forms.ModelForm):
    prefix = "conversation"  # several forms share the case page; keep their ids apart

    held_on = forms.DateField(
        label="Date of conversation", widget=DateInput, initial=timezone.localdate
    )
    barriers = forms.MultipleChoiceField(
        label="Barriers",
        choices=Barrier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_days = forms.MultipleChoiceField(
        label="Days that suit",
        choices=Weekday.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_times = forms.MultipleChoiceField(
        label="Times that suit",
        choices=TimeOfDay.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Conversation
        fields = [
            "held_on",
            "what_matters",
            "strengths",
            "interests",
            "barriers",
            "barriers_notes",
            "preferred_days",
            "preferred_times",
            "setting",
            "mode",
            "max_travel_km",
        ]
        labels = {
            "what_matters": "What matters to the person (in their words)",
            "strengths": "Strengths and assets",
            "interests": "Interests",
            "barriers_notes": "More about barriers",
            "setting": "Group or one-to-one",
            "mode": "In person or online",
            "max_travel_km": "How far will they travel (km)",
        }
        widgets = {
            "what_matters": forms.Textarea(attrs={"rows": 4}),
            "strengths": forms.Textarea(attrs={"rows": 3}),
            "interests": forms.Textarea(attrs={"rows": 2}),
            "barriers_notes": forms.Textarea(attrs={"rows": 2}),
            "setting": forms.RadioSelect,
            "mode": forms.RadioSelect,
        }

    def clean_held_on(self):
        value = self.cleaned_data["held_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("The conversation cannot be in the future.")
        return value


class GoalForm(forms.Form):
    prefix = "goal"  # several forms share the case page; keep their ids apart

    text = forms.CharField(
        label="Goal, in the person's own words",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(label="How far achieved", choices=Goal.Status.choices)


class PlanActionForm(forms.Form):
    prefix = "action"  # several forms share the case page; keep their ids apart

    description = forms.CharField(label="Action", max_length=1000)
    owner = forms.ChoiceField(label="Who", choices=PlanAction.Owner.choices, initial="person")
    due_date = forms.DateField(label="Due by", required=False, widget=DateInput)


class AgreePlanForm(forms.Form):
    prefix = "plan"  # several forms share the case page; keep their ids apart

    review_date = forms.DateField(
        label="Review date",
        required=False,
        widget=DateInput,
        help_text="Leave empty for six weeks from today.",
    )


class ProposeConnectionForm(forms.Form):
    prefix = "propose"  # several forms share the case page; keep their ids apart

    service = forms.ModelChoiceField(
        label="Service", queryset=Service.objects.none(), empty_label="Choose a service"
    )
    note_to_partner = forms.CharField(
        label="Note to the organisation",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Do not include health details the person has not agreed to share.",
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services


class MoveConnectionForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason", required=False, max_length=1000)
    on = forms.DateField(label="Date", required=False, widget=DateInput)
    accompanied = forms.BooleanField(label="The link worker went along", required=False)


class ContactForm(forms.Form):
    prefix = "contact"  # several forms share the case page; keep their ids apart

    happened_on = forms.DateField(label="Date", widget=DateInput, initial=timezone.localdate)
    mode = forms.ChoiceField(
        label="How",
        choices=Contact.Mode.choices,
        widget=forms.RadioSelect,
        initial=Contact.Mode.PHONE,
    )
    minutes = forms.IntegerField(label="Minutes spent", min_value=0, max_value=1440)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_due = forms.DateField(label="Follow up by", required=False, widget=DateInput)


class DischargeForm(forms.Form):
    prefix = "discharge"  # several forms share the case page; keep their ids apart

    reason = forms.ChoiceField(
        label="Reason for discharge", choices=Case.DischargeReason.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label="Discharge notes", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
