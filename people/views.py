"""Pages about a person: their details and their consents, within the viewer's scope."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import Permission, has_permission
from audit.actions import record_access
from casework.queries import cases_for
from people import actions
from people.access import get_person_for_user
from people.forms import ConsentForm, PersonForm
from people.queries import duplicates_to_check_for
from people.rules import age_on
from referrals.queries import referrals_for
from socialrx.errors import DomainError
from socialrx.forms import apply_domain_error


def _consents(person):
    return person.consents.select_related("organization", "recorded_by")


@login_required
def detail(request, person_id):
    """Demographics, consents, safeguarding, and links to the person's cases and referrals.
    Referrers see the people they referred, read-only."""
    person = get_person_for_user(request.user, person_id)
    record_access(request.user, person)
    can_edit = has_permission(request.user, Permission.EDIT_PEOPLE)
    context = {
        "person": person,
        "age": age_on(person.birth_date, timezone.localdate()) if person.birth_date else None,
        "can_edit": can_edit,
        "consents": _consents(person),
        "cases": cases_for(request.user).filter(person=person),
        "referrals": referrals_for(request.user).filter(person=person),
        "consent_form": ConsentForm() if can_edit else None,
    }
    return render(request, "people/detail.html", context)


@login_required
def edit(request, person_id):
    person = get_person_for_user(request.user, person_id, for_change=True)
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] for k in form.changed_data}
        # The ModelForm already copied values onto `person`; reload so the action compares
        # against what is stored and audits the real change.
        person.refresh_from_db()
        try:
            actions.update_person(person, by=request.user, **fields)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Details saved.")
            return redirect("people:detail", person_id=person.pk)
    else:
        record_access(request.user, person)
    return render(request, "people/edit.html", {"person": person, "form": form})


@login_required
def consent(request, person_id):
    """Record a consent decision (GET shows the form on its own page; the person page
    carries the same form)."""
    person = get_person_for_user(request.user, person_id, for_change=True)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_consent(
                person,
                kind=form.cleaned_data["kind"],
                given=form.cleaned_data["given"],
                organization=form.cleaned_data["organization"],
                shared_fields=form.cleaned_data["shared_fields"],
                by=request.user,
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Consent recorded.")
            return redirect("people:detail", person_id=person.pk)
    if request.method == "GET":
        record_access(request.user, person)
    context = {"person": person, "consents": _consents(person), "form": form}
    status = 400 if form.is_bound else 200
    return render(request, "people/consent.html", context, status=status)


@login_required
@require_POST
def withdraw_consent(request, person_id, consent_id):
    person = get_person_for_user(request.user, person_id, for_change=True)
    consent = get_object_or_404(person.consents, pk=consent_id)
    try:
        actions.withdraw_consent(consent, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Consent withdrawn.")
    return redirect("people:detail", person_id=person.pk)


@login_required
def duplicates(request):
    """Supervisors: records that gave an NHS number already on one of the team's people,
    each beside the team's record, to merge or keep apart."""
    if not has_permission(request.user, Permission.SUPERVISE):
        raise PermissionDenied
    flagged = list(duplicates_to_check_for(request.user))
    for person in flagged:
        record_access(request.user, person)
    return render(request, "people/duplicates.html", {"flagged": flagged})


@login_required
@require_POST
def resolve_duplicate(request, person_id, decision):
    duplicate = get_object_or_404(duplicates_to_check_for(request.user), pk=person_id)
    if decision not in ("merge", "apart"):
        raise Http404("No such decision.")
    try:
        if decision == "merge":
            kept = actions.merge_people(duplicate, by=request.user)
            messages.success(request, f"The two records are now one: {kept}.")
        else:
            actions.keep_apart(duplicate, by=request.user)
            messages.success(request, "Kept apart. The NHS number was cleared on the new record.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("people:duplicates")
