"""The suggestions panel on a case: see explained suggestions, add to plan, give feedback."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import Permission, has_permission
from audit.actions import record_access
from casework.access import get_case_for_user
from matching import actions
from matching.forms import AddSuggestionForm, FeedbackForm
from matching.models import SuggestionFeedback
from matching.profiles import profile_for_case
from matching.suggestions import suggestions_for
from socialrx.errors import DomainError

PANEL_LIMIT = 8


def _case(request, case_id, *, for_change=False):
    if not has_permission(request.user, Permission.WORK_CASES):
        raise PermissionDenied
    return get_case_for_user(request.user, case_id, for_change=for_change)


def _panel(request, case, *, status=200, form=None, form_service=None):
    found = suggestions_for(
        profile_for_case(case), limit=PANEL_LIMIT, include_excluded=True, case=case
    )
    context = {
        "case": case,
        "found": found,
        "reasons": SuggestionFeedback.Reason.choices,
        "form": form,
        "form_service": form_service,
        "is_fragment": request.headers.get("HX-Request") == "true",
    }
    template = (
        "matching/_suggestions.html" if context["is_fragment"] else "matching/suggestions.html"
    )
    return render(request, template, context, status=status)


@login_required
@require_GET
def case_suggestions(request, case_id):
    case = _case(request, case_id)
    record_access(request.user, case, detail={"purpose": "suggestions"})
    return _panel(request, case)


def _after(request, case, message):
    messages.success(request, message)
    if request.headers.get("HX-Request") == "true":
        return _panel(request, case)
    return redirect("matching:case_suggestions", case_id=case.pk)


@login_required
@require_POST
def add_to_plan(request, case_id):
    case = _case(request, case_id, for_change=True)
    form = AddSuggestionForm(request.POST)
    if form.is_valid():
        service = form.cleaned_data["service"]
        try:
            actions.add_suggestion_to_plan(case, service=service, by=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return _after(request, case, f"{service.name} added to the plan as proposed.")
    return _panel(request, case, status=400, form=form, form_service=request.POST.get("service"))


@login_required
@require_POST
def give_feedback(request, case_id):
    case = _case(request, case_id, for_change=True)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        actions.record_feedback(
            case,
            service=data["service"],
            reason=data["reason"],
            note=data["note"],
            rank=data["rank"],
            score=data["score"],
            explanation=data["explanation"],
            by=request.user,
        )
        return _after(request, case, "Thank you: your feedback was saved.")
    return _panel(request, case, status=400, form=form, form_service=request.POST.get("service"))
