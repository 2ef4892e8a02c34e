"""Pages about a person: editing their details and their consents, within the viewer's scope.
The person's own page (people:detail) lists their cases and referrals too, so it is composed
above both, in web.person."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.permissions import Permission, has_permission
from audit.actions import record_access
from people import actions
from people.access import get_person_for_user
from people.forms import ConsentForm, PersonForm
from people.queries import consents_of, duplicates_to_check_for
from socialrx.errors import DomainError
from socialrx.forms import apply_domain_error


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
    context = {"person": person, "consents": consents_of(person), "form": form}
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
