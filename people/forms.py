from __future__ import annotations

from django import forms

from directory.models import Organization
from people.models import Consent, EthnicCategory, Person
from people.rules import (
    clean_nhs_number,
    long_term_conditions_error,
)
from places.postcodes import clean_postcode
from socialrx.forms import DateOfBirthField


class PersonForm(forms.ModelForm):
    birth_date = DateOfBirthField(required=False)
    ethnic_category = forms.ChoiceField(
        label="Ethnicity",
        help_text='As the person describes it. Choose "Not stated" if they prefer not to say.',
        choices=[("", "Not recorded"), *EthnicCategory.choices],
        required=False,
    )
    long_term_conditions = forms.IntegerField(
        label="Number of long-term conditions",
        help_text="For example diabetes, asthma, depression. Leave blank if not known.",
        required=False,
        error_messages={
            "invalid": "Enter the number of long-term conditions as a whole number, like 2."
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    class Meta:
        model = Person
        fields = [
            "given_name",
            "family_name",
            "preferred_name",
            "birth_date",
            "sex",
            "nhs_number",
            "local_identifier",
            "address",
            "postcode",
            "phone",
            "email",
            "preferred_language",
            "interpreter_needed",
            "communication_needs",
            "access_needs",
            "ethnic_category",
            "long_term_conditions",
            "safeguarding_flag",
            "safeguarding_note",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "communication_needs": forms.Textarea(attrs={"rows": 2}),
            "access_needs": forms.Textarea(attrs={"rows": 2}),
            "safeguarding_note": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_long_term_conditions(self):
        value = self.cleaned_data["long_term_conditions"]
        error = long_term_conditions_error(value)
        if error:
            raise forms.ValidationError(error)
        return value

    def clean_nhs_number(self):
        value = self.cleaned_data["nhs_number"]
        if not value:
            return ""
        try:
            return clean_nhs_number(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_postcode(self):
        value = self.cleaned_data["postcode"]
        if not value:
            return ""
        try:
            return clean_postcode(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is the consent for?", choices=Consent.Kind.choices, widget=forms.RadioSelect
    )
    given = forms.TypedChoiceField(
        label="The person's decision",
        choices=[("yes", "They agree"), ("no", "They do not agree")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )
    organization = forms.ModelChoiceField(
        label="Organisation (for sharing only)",
        queryset=Organization.objects.order_by("name"),
        required=False,
        empty_label="Choose an organisation",
    )
    shared_fields = forms.MultipleChoiceField(
        label="Details they agree to share",
        choices=Consent.SHAREABLE_FIELDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
