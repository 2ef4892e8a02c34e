"""The evaluation page: the numbers of `manage.py evaluate --json`, in words and tables."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from audit.actions import Subject, record_event
from audit.models import Event
from insight import equity_change, evaluation, evaluation_text, lasting
from insight.suppression import SMALL
from outcomes.models import HealthcareUse
from socialrx.forms import DateInputField


class EvaluationFilter(forms.Form):
    team = forms.ModelChoiceField(queryset=None, required=False, empty_label="All teams")
    area = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="code", empty_label="All areas"
    )
    date_from = DateInputField(label="Referred from", required=False)
    date_to = DateInputField(label="Referred to", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = evaluation.teams_for(user)
        self.fields["area"].queryset = evaluation.areas_for(user)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to",
                "The 'referred to' date must be the same as or after the 'referred from' date",
            )
        return data


@login_required
def evaluation_page(request):
    if not evaluation.can_view_evaluation(request.user):
        raise PermissionDenied
    form = EvaluationFilter(request.GET or None, user=request.user)
    result = None
    if not form.is_bound or form.is_valid():
        filters = form.cleaned_data if form.is_bound else {}
        referrals = evaluation.filtered(
            evaluation.evaluation_selection_for(request.user),
            team=filters.get("team"),
            area=filters.get("area"),
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
        result = evaluation.evaluate(referrals)
        _in_words(result)
        record_event(
            request.user,
            Event.Verb.VIEW,
            Subject("insight.evaluation", "page"),
            detail={"filters": sorted(k for k, v in filters.items() if v)},
        )
    return render(
        request,
        "insight/evaluation.html",
        {
            "form": form,
            "result": result,
            "small": SMALL,
            "follow_up_days": evaluation.FOLLOW_UP_DAYS,
        },
    )


def _in_words(result: dict) -> None:
    """Add the page's sentences and table titles to the evaluation's numbers."""
    for measure in result["measures"]:
        measure["sentences"] = evaluation_text.sentences(measure)
        measure["subgroup_tables"] = [
            (SUBGROUP_TITLES[name], groups) for name, groups in measure["subgroups"].items()
        ]
    lasting.add_sentences(result["post_discharge"])
    experience = result["experience"]
    experience["tables"] = [
        ("People, at discharge", experience["people"]),
        ("Referrers, after discharge", experience["referrers"]),
    ]
    use = result["healthcare_use"]
    use["sentences"] = evaluation_text.healthcare_sentences(use)
    kinds = dict(HealthcareUse.Kind.choices)
    use["kinds_without_unit_cost_labels"] = [str(kinds[k]) for k in use["kinds_without_unit_cost"]]


SUBGROUP_TITLES = {
    "age_band": "Age when referred",
    "sex": "Sex",
    "reason": "Reason for referral",
    "category": "Kind of service attended",
    "contacts": "Contacts with the link worker",
    **equity_change.TITLES,
}
