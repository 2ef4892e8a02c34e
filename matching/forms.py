"""Forms on the suggestions panel: add to the plan, or say why a suggestion does not suit."""

from __future__ import annotations

from django import forms

from directory.models import Service
from matching.models import SuggestionFeedback


class _ServiceForm(forms.Form):
    service = forms.UUIDField(widget=forms.HiddenInput)
    rank = forms.IntegerField(required=False, min_value=1, max_value=50, widget=forms.HiddenInput)
    score = forms.FloatField(required=False, widget=forms.HiddenInput)
    explanation = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean_service(self):
        try:
            return Service.objects.select_related("organization").get(
                pk=self.cleaned_data["service"]
            )
        except Service.DoesNotExist:
            raise forms.ValidationError("That service is no longer in the directory.") from None


class AddSuggestionForm(_ServiceForm):
    pass


class FeedbackForm(_ServiceForm):
    reason = forms.ChoiceField(
        label="Why does it not suit?",
        choices=SuggestionFeedback.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why this suggestion does not suit."},
    )
    note = forms.CharField(
        label="Anything else",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Do not write personal details here; this is kept to improve suggestions.",
    )
