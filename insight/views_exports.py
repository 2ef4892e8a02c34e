"""The exports page: reach by equity group (suppressed tables, as CSV too) and the monthly
time report. The research extract is not offered here: the operator writes it with
`manage.py research_extract` (docs/insight.md, "Equity and exports")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from accounts.permissions import Permission, has_permission
from insight import equity
from insight.access import scope_for
from insight.csv_tables import csv_response
from insight.dashboards import Filters
from insight.exports import MissingPseudonymKey
from insight.time_report import export_time_report
from insight.views_dashboards import DashboardFilter
from people.queries import people_for

REACH_TABLES = {
    "reach-by-ethnicity": equity.reach_by_ethnicity,
    "reach-by-deprivation": equity.reach_by_deprivation,
    "reach-by-long-term-conditions": equity.reach_by_long_term_conditions,
}


def _filters(request) -> tuple[DashboardFilter, Filters | None]:
    """The filter form (its choices limited to the reader's scope; PermissionDenied for
    anyone without one) and the filters, None when the form has errors."""
    form = DashboardFilter(request.GET or None, scope=scope_for(request.user))
    if not form.is_bound:
        return form, Filters(form.scope)
    return form, (form.filters() if form.is_valid() else None)


def _may_export_identifiable(user) -> bool:
    # Billing names the person: only a supervisor, and only for their own team's people.
    return has_permission(user, Permission.SUPERVISE) and bool(user.team_id)


def _refused(form) -> HttpResponse:
    problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    return HttpResponse(
        f"Check the filters: {problems}.", status=400, content_type="text/plain; charset=utf-8"
    )


@login_required
def exports(request):
    form, filters = _filters(request)
    tables = [t.suppressed() for t in equity.reach_by_equity(filters)] if filters else []
    context = {
        "form": form,
        "tables": tables,
        "query": request.GET.urlencode(),
        "identifiable": _may_export_identifiable(request.user),
    }
    return render(request, "insight/exports.html", context, status=200 if filters else 400)


@login_required
def reach_csv(request, reach_table: str):
    form, filters = _filters(request)
    build = REACH_TABLES.get(reach_table)
    if build is None:
        raise Http404
    if filters is None:
        return _refused(form)
    return csv_response(build(filters).suppressed())


def _time_report(request, *, identifiable: bool):
    form, filters = _filters(request)
    if identifiable and not _may_export_identifiable(request.user):
        raise PermissionDenied("Only a supervisor may export the time report with names.")
    if filters is None:
        return _refused(form)
    people = people_for(request.user).filter(team_id=request.user.team_id) if identifiable else None
    try:
        text = export_time_report(filters, by=request.user, identifiable_from=people)
    except MissingPseudonymKey:
        messages.error(
            request,
            "The time report is not available yet: the operator must set "
            "RESEARCH_PSEUDONYM_KEY (see docs/insight.md).",
        )
        return redirect("insight:exports")
    name = "time-report-identifiable" if identifiable else "time-report"
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@login_required
def time_report(request):
    """Minutes of link worker time per person per calendar month, pseudonymous."""
    return _time_report(request, identifiable=False)


@login_required
def time_report_identifiable(request):
    """The same, with names and NHS numbers, for a supervisor's own team (billing)."""
    return _time_report(request, identifiable=True)
