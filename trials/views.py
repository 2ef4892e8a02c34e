"""Trial mode pages: commissioners switch trials on and off; link workers record consent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import Permission, has_permission
from audit.actions import record_access
from casework.access import get_case_for_user
from insight.suppression import SMALL, suppress
from socialrx.errors import DomainError
from socialrx.forms import apply_domain_error
from trials import access, actions, forms, queries
from trials.models import Participant


def _counted(trials_qs):
    return trials_qs.annotate(
        n_given=Count("participants", filter=Q(participants__consent="given")),
        n_declined=Count("participants", filter=Q(participants__consent="declined")),
    )


@login_required
def trials(request):
    teams = access.teams_for(request.user)
    form = forms.TrialForm(request.POST if request.method == "POST" else None, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            trial = actions.switch_on(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"Trial mode is on for {trial.team}.")
            return redirect("trials:detail", trial_id=trial.pk)
    rows = list(_counted(access.trials_for(request.user)))
    for trial in rows:
        trial.shown_given, trial.shown_declined = (
            suppress(trial.n_given),
            suppress(trial.n_declined),
        )
    return render(
        request,
        "trials/trials.html",
        {"form": form, "trials": rows, "small": SMALL},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
def detail(request, trial_id):
    trial = access.get_trial_for_user(request.user, trial_id)
    record_access(request.user, trial)
    counts = dict(
        trial.participants.values_list("consent")
        .annotate(n=Count("pk"))
        .values_list("consent", "n")
    )
    arms = None
    if trial.switched_off_at is not None:
        by_arm = dict(
            trial.participants.exclude(arm="")
            .values_list("arm")
            .annotate(n=Count("pk"))
            .values_list("arm", "n")
        )
        arms = {"now": suppress(by_arm.get("now", 0)), "wait": suppress(by_arm.get("wait", 0))}
    return render(
        request,
        "trials/detail.html",
        {
            "trial": trial,
            "given": suppress(counts.get(Participant.Consent.GIVEN, 0)),
            "declined": suppress(counts.get(Participant.Consent.DECLINED, 0)),
            "arms": arms,
            "small": SMALL,
        },
    )


@login_required
@require_POST
def switch_off(request, trial_id):
    trial = access.get_trial_for_user(request.user, trial_id)
    try:
        actions.switch_off(trial, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Trial mode is off for {trial.team}.")
    return redirect("trials:detail", trial_id=trial.pk)


@login_required
def consent(request, case_id):
    if not has_permission(request.user, Permission.WORK_CASES):
        raise PermissionDenied
    case = get_case_for_user(request.user, case_id, for_change=True)
    trial = queries.pending_trial_for(case)
    if trial is None:
        messages.info(request, "This case is not waiting for a trial decision.")
        return redirect("casework:case", case_id=case.pk)
    record_access(request.user, case, detail={"trial": trial.pk})
    form = forms.ConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            participant = actions.record_consent(
                case,
                trial=trial,
                consented=form.cleaned_data["decision"] == "given",
                by=request.user,
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _decision_message(participant))
            return redirect("casework:case", case_id=case.pk)
    return render(
        request,
        "trials/consent.html",
        {"case": case, "person": case.person, "trial": trial, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


def _decision_message(participant: Participant) -> str:
    if participant.consent == Participant.Consent.DECLINED:
        return "Recorded that the person did not agree to take part: normal care."
    if participant.waits:
        return (
            "Allocated to wait: first contact from "
            f"{participant.wait_ends_on:%-d %B %Y}. Take the baseline measure today."
        )
    return "Allocated to start now. Take the baseline measure today."
