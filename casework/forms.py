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
from socialrx.forms import DateInputField
from socialrx.widgets import DateInput


class ConversationForm(forms.ModelForm):
    prefix = "conversation"  # several forms share the case page; keep their ids apart

    held_on = DateInputField(label="Date of conversation", initial=timezone.localdate)
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
    due_date = DateInputField(label="Due by", required=False)


class AgreePlanForm(forms.Form):
    prefix = "plan"  # several forms share the case page; keep their ids apart

    review_date = DateInputField(
        label="Review date",
        required=False,
        help_text="Leave empty for six weeks from today.",
    )


class ServiceSelect(forms.Select):
    """A select of every active service: its options are written in one template loop
    (casework/jinja2/casework/widgets/service_select.html), the same HTML as Django's
    Select without an include per option (the page lists over a hundred services)."""

    template_name = "casework/widgets/service_select.html"


class ProposeConnectionForm(forms.Form):
    prefix = "propose"  # several forms share the case page; keep their ids apart

    service = forms.ModelChoiceField(
        label="Service",
        queryset=Service.objects.none(),
        empty_label="Choose a service",
        widget=ServiceSelect,
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

    happened_on = DateInputField(label="Date", initial=timezone.localdate)
    mode = forms.ChoiceField(
        label="How",
        choices=Contact.Mode.choices,
        widget=forms.RadioSelect,
        initial=Contact.Mode.PHONE,
    )
    minutes = forms.IntegerField(label="Minutes spent", min_value=0, max_value=1440)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_due = DateInputField(label="Follow up by", required=False)


class DischargeForm(forms.Form):
    prefix = "discharge"  # several forms share the case page; keep their ids apart

    reason = forms.ChoiceField(
        label="Reason for discharge", choices=Case.DischargeReason.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label="Discharge notes", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseConcernForm(forms.Form):
    """A supervisor's review of one safeguarding concern on the case."""

    concern = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    outcome_note = forms.CharField(
        label="What was decided and done",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: talked with the person; referred to adult social care.",
        error_messages={"required": "Say what was decided and done."},
    )
    keep_flag = forms.BooleanField(
        label="Keep the safeguarding flag on this person's record",
        required=False,
        initial=True,
    )

    def __init__(self, *args, concerns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concern"].queryset = concerns
        self.fields["concern"].error_messages["invalid_choice"] = (
            "This concern is already closed, or is not on this case."
        )


def concern_forms(concerns, *, bound, may_close: bool) -> list[tuple]:
    """(concern, form or None) for the safeguarding page: a close form for each open concern
    the user may close, the submitted one still holding its errors."""
    rows = []
    bound_id = bound.data.get("concern") if bound is not None else None
    for concern in concerns:
        form = None
        if may_close and concern.is_open:
            if bound is not None and str(concern.pk) == bound_id:
                form = bound
            else:
                form = CloseConcernForm(
                    initial={"concern": concern.pk},
                    concerns=concerns.none(),
                    auto_id=f"id_{concern.pk}_%s",
                )
        rows.append((concern, form))
    return rows
