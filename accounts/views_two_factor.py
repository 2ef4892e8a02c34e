"""One's own two-factor sign-in: set it up (QR code and secret, confirmed by a first code),
see and renew recovery codes, turn it off with a code. The second sign-in step itself is
accounts.signin.code."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import once as one_time
from accounts import two_factor
from accounts.signin import CodeForm, _safe_next
from accounts.two_factor_actions import (
    confirm_authenticator,
    pending_authenticator,
    regenerate_recovery_codes,
    turn_off,
)
from socialrx.errors import DomainError
from socialrx.forms import apply_domain_error


def _verified(request) -> bool:
    return request.session.get(two_factor.STATE) == two_factor.VERIFIED


class FirstCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your app",
        max_length=32,
        help_text="The 6-digit code your authenticator app now shows for socialrx.",
        error_messages={"required": "Enter the 6-digit code your authenticator app shows."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


@login_required
@never_cache
def overview(request):
    user = request.user
    return render(
        request,
        "accounts/two_factor.html",
        {
            "device": two_factor.authenticator(user),
            "codes_left": two_factor.recovery_codes_left(user),
            "required": two_factor.required_for(user),
            "verified": _verified(request),
            "off_form": CodeForm(),
            "once": one_time.fresh(),
        },
    )


@login_required
@never_cache
@sensitive_post_parameters("code")
def set_up(request):
    user = request.user
    if two_factor.has_device(user) and not _verified(request):
        # Replacing an authenticator takes a code from the current one first.
        return redirect("accounts:two_factor_code")
    device = pending_authenticator(user)
    form = FirstCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = confirm_authenticator(user, form.cleaned_data["code"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            request.session.cycle_key()
            otp_login(request, device)
            request.session[two_factor.STATE] = two_factor.VERIFIED
            messages.success(request, "Two-factor sign-in is on.")
            return _show_codes(request, codes)
    return render(
        request,
        "accounts/two_factor_set_up.html",
        {
            "form": form,
            "qr_code": two_factor.qr_code_svg(device),
            "secret": two_factor.secret_for_typing(device),
            "required": two_factor.required_for(user),
            "replacing": two_factor.has_device(user),
        },
        status=400 if form.errors else 200,
    )


def _show_codes(request, codes: list[str]):
    """The recovery codes just made, in the answer to the request that made them: the only
    time they are readable (only their hashes are stored, and they never pass through the
    session, which is in the database)."""
    return render(
        request,
        "accounts/recovery_codes.html",
        {
            "codes": [two_factor.masked(c) for c in codes],
            "next": _safe_next(request, request.GET.get("next", "")),
        },
    )


@login_required
@never_cache
def recovery_codes(request):
    """POST: a new set of recovery codes, shown once. GET: the two-factor page (codes
    already made cannot be shown again). The same form sent twice (a refresh of the page
    that showed the codes) makes no new set: the codes shown then still work."""
    if request.method != "POST":
        return redirect("accounts:two_factor")
    if not _verified(request):
        return redirect("accounts:two_factor_code")
    once = one_time.value(request)
    if one_time.already_sent(request, "recovery_codes", once):
        return render(request, "accounts/recovery_codes_resent.html", status=409)
    if not once:
        messages.error(request, "That form was out of date: no new codes were made. Try again.")
        return redirect("accounts:two_factor")
    try:
        codes = regenerate_recovery_codes(request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:two_factor")
    one_time.remember(request, "recovery_codes", once, len(codes))
    return _show_codes(request, codes)


@login_required
@require_POST
@sensitive_post_parameters("code")
def turn_off_view(request):
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            turn_off(request.user, form.cleaned_data["code"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            request.session[two_factor.STATE] = two_factor.NO_DEVICE
            request.session.pop("otp_device_id", None)
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("accounts:two_factor")
    return render(
        request,
        "accounts/two_factor.html",
        {
            "device": two_factor.authenticator(request.user),
            "codes_left": two_factor.recovery_codes_left(request.user),
            "required": two_factor.required_for(request.user),
            "verified": _verified(request),
            "off_form": form,
        },
        status=400,
    )
