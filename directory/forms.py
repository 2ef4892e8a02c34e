from __future__ import annotations

from django import forms

from directory.models import Attribute, Service, TaxonomyTerm, VerificationTask
from directory.search import PARTS_OF_DAY

DAYS = [
    ("", "Any day"),
    ("MO", "Monday"),
    ("TU", "Tuesday"),
    ("WE", "Wednesday"),
    ("TH", "Thursday"),
    ("FR", "Friday"),
    ("SA", "Saturday"),
    ("SU", "Sunday"),
]


class SearchForm(forms.Form):
    q = forms.CharField(label="Words", required=False, max_length=200)
    category = forms.ModelChoiceField(
        label="Category",
        required=False,
        empty_label="Any category",
        queryset=TaxonomyTerm.objects.filter(
            pk__in=Attribute.objects.values("taxonomy_term_id")
        ).order_by("name"),
    )
    postcode = forms.CharField(label="Near postcode (or lat,lon)", required=False, max_length=40)
    radius_km = forms.FloatField(
        label="Within (km)", required=False, min_value=0.1, max_value=200, initial=10
    )
    day = forms.ChoiceField(label="Open on", required=False, choices=DAYS)
    time = forms.ChoiceField(
        label="Time of day",
        required=False,
        choices=[("", "Any time")] + [(k, label) for k, (label, _, _) in PARTS_OF_DAY.items()],
    )
    language = forms.CharField(label="Language", required=False, max_length=40)
    free_only = forms.BooleanField(label="Free only", required=False)
    accessible = forms.BooleanField(label="Step-free or with access information", required=False)


class ReportProblemForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong?",
        widget=forms.RadioSelect,
        choices=[c for c in VerificationTask.Reason.choices if c[0] != "stale"],
    )
    details = forms.CharField(
        label="Details", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class EditListingForm(forms.ModelForm):
    # A bare "example.org" means https://example.org (Django 6's default, chosen now).
    url = forms.URLField(label="Website", required=False, max_length=500, assume_scheme="https")

    class Meta:
        model = Service
        fields = [
            "name",
            "description",
            "url",
            "email",
            "fees_description",
            "eligibility_description",
            "capacity",
        ]
        labels = {
            "url": "Website",
            "fees_description": "Cost",
            "eligibility_description": "Who it is for",
            "capacity": "Taking new people?",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "fees_description": forms.Textarea(attrs={"rows": 2}),
            "eligibility_description": forms.Textarea(attrs={"rows": 2}),
        }
