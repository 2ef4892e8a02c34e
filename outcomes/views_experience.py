"""The referrer's experience questions, on their referral once the case is discharged."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from audit.actions import record_access
from outcomes.experience import record_referrer_feedback, referrer_instrument, referrer_may_answer
from outcomes.forms import questionnaire_form
from outcomes.models import ReferrerFeedback
from referrals.access import get_referral_for_user
from socialrx.errors import DomainError
from socialrx.forms import apply_domain_error


@login_required
def referrer_feedback(request, referral_id):
    """Only the referrer of a discharged referral (404 for a referral they may not see, 403
    for one they see but did not make or that is not discharged yet)."""
    referral = get_referral_for_user(request.user, referral_id)
    if not referrer_may_answer(request.user, referral):
        raise PermissionDenied("Only the referrer can answer, once the person is discharged.")
    record_access(request.user, referral, detail={"page": "referrer_feedback"})
    if ReferrerFeedback.objects.filter(referral=referral).exists():
        messages.info(request, "You have already told us how this referral went. Thank you.")
        return redirect("referrals:detail", referral_id=referral.pk)
    instrument = referrer_instrument()
    form = questionnaire_form(instrument, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            record_referrer_feedback(referral, answers=form.cleaned_data, by=request.user)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Thank you: your answers have been saved.")
            return redirect("referrals:detail", referral_id=referral.pk)
    return render(
        request,
        "outcomes/referrer_feedback.html",
        {"referral": referral, "instrument": instrument, "form": form},
        status=400 if form.is_bound else 200,
    )
