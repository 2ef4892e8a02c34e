"""Referral pages: the clinician form, the public self-referral form and triage."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import Permission, has_permission
from audit.actions import record_access, record_list_access
from casework.queries import cases_for
from referrals import actions, routing
from referrals.access import get_referral_for_user
from referrals.forms import (
    AcceptForm,
    ClinicianReferralForm,
    DeclineForm,
    RedirectForm,
    SelfReferralForm,
)
from referrals.models import Referral
from referrals.queries import referrals_for, triage_queue_for
from referrals.ratelimit import allow, seconds_left_in_window
from referrals.rules import is_identity_mismatch
from socialrx.client_ip import client_ip
from socialrx.errors import DomainError
from socialrx.forms import apply_domain_error


def _require(user, permission):
    if not has_permission(user, permission):
        raise PermissionDenied


@login_required
def new_referral(request):
    _require(request.user, Permission.REFER)
    teams = routing.teams_serving(request.user.team)
    if not teams:
        return render(request, "referrals/no_team.html", {"team": request.user.team}, status=409)
    form = ClinicianReferralForm(request.POST or None, teams=teams)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            referral = actions.refer_person(
                team=routing.choose_team(teams, form.chosen_team_id()),
                source=Referral.Source.CLINICIAN,
                by=request.user,
                reasons=form.cleaned_data["reasons"],
                notes=form.cleaned_data["notes"],
                urgency=form.cleaned_data["urgency"],
                person_fields=form.person_fields(),
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
            )
        except actions.DuplicateReferral as exc:
            duplicate = exc
            # refer_person names only an open referral this user may see.
            existing = referrals_for(request.user).filter(pk=exc.extra["existing_referral_id"])
            duplicate.visible_referral = existing.first()
            form.add_error("confirm_duplicate", exc.message)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"Referral sent to {referral.team} for {referral.sent_name}.")
            return redirect("referrals:detail", referral_id=referral.pk)
    return render(
        request, "referrals/new.html", {"form": form, "duplicate": duplicate, "teams": teams}
    )


def _slow_down(request):
    response = render(request, "referrals/self_refer_slow_down.html", status=429)
    response["Retry-After"] = str(seconds_left_in_window())
    return response


def self_refer(request):
    """The public self-referral form: no login, honeypot + timed token + rate limit.

    Two limits per client address: SELF_REFERRAL_RATE_PER_HOUR referrals, and four times
    as many attempts (so someone correcting a mistake is not locked out, but a flood is).
    """
    if not routing.self_referral_open():
        return render(request, "referrals/self_refer_closed.html", status=503)
    if request.method == "POST":
        ip = client_ip(request)
        rate = settings.SELF_REFERRAL_RATE_PER_HOUR
        if not allow(f"self-referral-attempt:{ip}", limit=4 * rate):
            return _slow_down(request)
        form = SelfReferralForm(request.POST)
        if form.is_valid():
            team = routing.team_for_postcode(form.cleaned_data["postcode"])
            if team is None:
                form.add_error(
                    "postcode",
                    "We do not have a link worker service for this postcode yet. Your GP "
                    "practice can tell you what support there is near you.",
                )
            elif not allow(f"self-referral:{ip}", limit=rate):
                return _slow_down(request)
            elif not form.claim_token():
                form.refuse_replay()
            else:
                try:
                    actions.refer_person(
                        team=team,
                        source=Referral.Source.SELF,
                        by=None,
                        reasons=form.cleaned_data["reasons"],
                        notes=form.cleaned_data["notes"],
                        person_fields=form.person_fields(),
                        # A person cannot see their existing referral, so never refuse
                        # them: a second one is made and flagged for the team to check.
                        confirm_duplicate=True,
                        referrer_name="Self-referral",
                        consent_to_referral=form.cleaned_data["consent"],
                    )
                except DomainError as exc:
                    form.release_token()
                    apply_domain_error(form, exc)
                else:
                    return redirect("referrals:self_refer_thanks")
    else:
        form = SelfReferralForm(initial={"form_token": SelfReferralForm.new_token()})
    if form.is_bound:
        token = form.token_for_next_attempt()
        form.data = form.data.copy()
        form.data["form_token"] = token
    return render(request, "referrals/self_refer.html", {"form": form})


def self_refer_thanks(request):
    return render(request, "referrals/self_refer_thanks.html")


_DETAIL_LABELS = {
    "given_name": "First name",
    "family_name": "Last name",
    "birth_date": "Date of birth",
    "postcode": "Postcode",
    "phone": "Phone",
    "email": "Email",
    "address": "Address",
}


def _details_given(referral) -> dict:
    """Rows comparing what the referrer gave with the record the referral matched."""
    person = referral.person
    given = referral.person_details_given
    rows = [
        (_DETAIL_LABELS.get(key, key), getattr(person, key, ""), value)
        for key, value in given.items()
    ]
    stored = {key: getattr(person, key, None) for key in given}
    return {"details_given": rows, "identity_mismatch": is_identity_mismatch(given, stored)}


@login_required
def queue(request):
    _require(request.user, Permission.TRIAGE_REFERRALS)
    referrals = list(triage_queue_for(request.user).select_related("possible_duplicate_of"))
    # One audit event for the list, naming how many people it showed.
    people = len({r.person_id for r in referrals})
    record_list_access(request.user, "referrals.triage_queue", people=people)
    return render(request, "referrals/queue.html", {"referrals": referrals})


def _detail_context(request, referral, **forms) -> dict:
    user = request.user
    can_triage = (
        has_permission(user, Permission.TRIAGE_REFERRALS)
        and referral.team_id == user.team_id
        and referral.status == Referral.Status.RECEIVED
    )
    sees_record = has_permission(user, Permission.VIEW_TEAM_PEOPLE)
    context = {
        "referral": referral,
        # A referrer is shown who they said the referral is about, never the record.
        "sees_record": sees_record,
        "person_label": str(referral.person) if sees_record else referral.sent_name,
        "sent": referral.person_details_sent,
        "can_triage": can_triage,
        "can_edit_person": has_permission(user, Permission.EDIT_PEOPLE),
        "case": cases_for(user).filter(referral=referral).first(),
    }
    if referral.person_details_given and has_permission(user, Permission.TRIAGE_REFERRALS):
        context |= _details_given(referral)
    if can_triage:
        context |= {
            "accept_form": AcceptForm(team=referral.team),
            "decline_form": DeclineForm(),
            "redirect_form": RedirectForm(),
        } | forms
    return context


@login_required
def detail(request, referral_id):
    referral = get_referral_for_user(request.user, referral_id)
    record_access(request.user, referral)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


@login_required
@require_POST
def triage(request, referral_id, decision):
    """Accept (and assign), decline or redirect; a refused decision re-renders the page
    with the form's errors (400)."""
    referral = get_referral_for_user(request.user, referral_id, for_triage=True)
    forms = {"accept": AcceptForm, "decline": DeclineForm, "redirect": RedirectForm}
    if decision not in forms:
        raise Http404("No such triage decision.")
    kwargs = {"team": referral.team} if decision == "accept" else {}
    form = forms[decision](request.POST, **kwargs)
    if form.is_valid():
        try:
            if decision == "accept":
                case = actions.accept_referral(
                    referral, link_worker=form.cleaned_data["link_worker"], by=request.user
                )
                messages.success(request, "Referral accepted and case opened.")
                return redirect("casework:case", case_id=case.pk)
            if decision == "decline":
                actions.decline_referral(
                    referral, reason=form.cleaned_data["reason"], by=request.user
                )
            else:
                actions.redirect_referral(
                    referral,
                    to=form.cleaned_data["to"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            messages.success(request, f"Referral {referral.get_status_display().lower()}.")
            return redirect("referrals:queue")
        except DomainError as exc:
            apply_domain_error(form, exc)
            referral.refresh_from_db()
    context = _detail_context(request, referral, **{f"{decision}_form": form})
    if not context["can_triage"] and form.non_field_errors():
        # Someone else triaged it first: the forms are gone, so say why above the page.
        messages.error(request, form.non_field_errors()[0])
    return render(request, "referrals/detail.html", context, status=400)
