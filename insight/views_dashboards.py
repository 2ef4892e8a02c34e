"""The dashboard and gaps pages, and their CSV downloads. Aggregates only: no person is
named, and every count under five shows as "<5" (insight.suppression)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render

from audit.actions import Subject, record_event
from audit.models import Event
from insight import dashboards
from insight import gaps as gap_tables
from insight.access import areas_in, scope_for, teams_in
from insight.charts import chart_for
from insight.csv_tables import csv_response
from insight.dashboards import Filters
from insight.suppression import SMALL, SUPPRESSED
from socialrx.forms import DateInputField


class DashboardFilter(forms.Form):
    """Team, area and period; the choices are only what the reader may see."""

    team = forms.ModelChoiceField(queryset=None, required=False, empty_label="All teams")
    area = forms.ModelChoiceField(queryset=None, required=False, empty_label="All areas")
    start = DateInputField(label="From", required=False)
    end = DateInputField(label="To", required=False)

    def __init__(self, data, *, scope, **kwargs):
        super().__init__(data, **kwargs)
        self.scope = scope
        self.fields["team"].queryset = teams_in(scope)
        self.fields["area"].queryset = areas_in(scope)
        if scope.team_id:  # a supervisor's view is one team already
            del self.fields["team"]
        if scope.area_id:
            del self.fields["area"]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "To must be the same as or after From")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        team, area = data.get("team"), data.get("area")
        return Filters(
            self.scope,
            team_id=team.pk if team else None,
            area_id=area.pk if area else None,
            start=data.get("start"),
            end=data.get("end"),
        )


class GapsFilter(DashboardFilter):
    km = forms.IntegerField(
        label="Travel distance (km)",
        min_value=1,
        max_value=50,
        required=False,
        help_text=f"How far people can travel to a service; {gap_tables.DEFAULT_TRAVEL_KM} km "
        "if left empty.",
        error_messages={
            "invalid": "Travel distance must be a whole number of kilometres",
            "min_value": "Travel distance must be at least 1 km",
            "max_value": "Travel distance must be 50 km or less",
        },
    )

    def travel_km(self) -> int:
        return self.cleaned_data.get("km") or gap_tables.DEFAULT_TRAVEL_KM


def _filter_form(request, form_class):
    return form_class(request.GET or None, scope=scope_for(request.user))


def _audit(request, verb: str, what: str, form) -> None:
    """Aggregates name no one, but who looked at or took away which table is still kept."""
    used = sorted(k for k, v in form.cleaned_data.items() if v) if form.is_bound else []
    record_event(request.user, verb, Subject("insight.dashboards", what), detail={"filters": used})


def _valid_filters(form) -> Filters | None:
    if not form.is_bound:
        return Filters(form.scope)
    return form.filters() if form.is_valid() else None


@login_required
def dashboard(request):
    form = _filter_form(request, DashboardFilter)
    filters = _valid_filters(form)
    tables = dashboards.dashboard(filters) if filters else []
    if filters:
        _audit(request, Event.Verb.VIEW, "dashboard", form)
    return render(
        request,
        "insight/dashboard.html",
        {
            "form": form,
            "tables": [(t, chart_for(t)) for t in tables],
            "query": request.GET.urlencode(),
        },
        status=200 if filters else 400,
    )


def _refused(form) -> HttpResponse:
    problems = "; ".join(f"{e}" for errors in form.errors.values() for e in errors)
    return HttpResponse(
        f"Check the filters: {problems}.", status=400, content_type="text/plain; charset=utf-8"
    )


@login_required
def dashboard_json(request):
    """The dashboard's tables as JSON, suppressed as on the page; a 400 names the field."""
    form = _filter_form(request, DashboardFilter)
    filters = _valid_filters(form)
    if filters is None:
        errors = [{"field": f, "message": str(m)} for f, ms in form.errors.items() for m in ms]
        return JsonResponse({"detail": "Check the filters.", "errors": errors}, status=400)
    _audit(request, Event.Verb.EXPORT, "dashboard.json", form)
    return JsonResponse(
        {
            "small_numbers": f"a count from 1 to {SMALL - 1} shows {SUPPRESSED}, and a "
            f"statistic over fewer than {SMALL} is null",
            "tables": [
                {"slug": t.slug, "title": t.title, "columns": t.columns, "rows": t.rows}
                for t in dashboards.dashboard(filters)
            ],
        }
    )


@login_required
def dashboard_csv(request, table: str):
    form = _filter_form(request, DashboardFilter)
    build = dashboards.TABLES.get(table)
    if build is None:
        raise Http404
    filters = _valid_filters(form)
    if filters is None:
        return _refused(form)
    _audit(request, Event.Verb.EXPORT, f"dashboard/{table}", form)
    return csv_response(build(filters).suppressed())


@login_required
def gaps(request):
    form = _filter_form(request, GapsFilter)
    filters = _valid_filters(form)
    km = form.travel_km() if filters and form.is_bound else gap_tables.DEFAULT_TRAVEL_KM
    tables = gap_tables.gaps(filters, km) if filters else []
    if filters:
        _audit(request, Event.Verb.VIEW, "gaps", form)
    return render(
        request,
        "insight/gaps.html",
        {"form": form, "tables": tables, "km": km, "query": request.GET.urlencode()},
        status=200 if filters else 400,
    )


@login_required
def gaps_csv(request, gap_table: str):
    form = _filter_form(request, GapsFilter)
    filters = _valid_filters(form)
    if filters is None:
        return _refused(form)
    km = form.travel_km() if form.is_bound else gap_tables.DEFAULT_TRAVEL_KM
    found = gap_tables.gap_table(gap_table, filters, km)
    if found is None:
        raise Http404
    _audit(request, Event.Verb.EXPORT, f"gaps/{gap_table}", form)
    return csv_response(found)
