"""One's own two-factor sign-in: set it up (QR code and secret, confirmed by a first code),
see and renew recovery codes, turn it off with a code. The second sign-in step itself is
accounts.signin.code."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

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
            request.session[two_factor.FRESH_CODES] = codes
            messages.success(request, "Two-factor sign-in is on.")
            next_url = _safe_next(request, request.GET.get("next", ""))
            return redirect(f"{_recovery_url()}?{urlencode({'next': next_url})}")
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


def _recovery_url() -> str:
    from django.urls import reverse

    return reverse("accounts:recovery_codes")


@login_required
@never_cache
def recovery_codes(request):
    """GET: the codes just made, shown once (then gone from the session). POST: a new set."""
    if request.method == "POST":
        if not _verified(request):
            return redirect("accounts:two_factor_code")
        try:
            request.session[two_factor.FRESH_CODES] = regenerate_recovery_codes(request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:two_factor")
        return redirect("accounts:recovery_codes")
    codes = request.session.pop(two_factor.FRESH_CODES, None)
    if not codes:
        return redirect("accounts:two_factor")
    return render(
        request,
        "accounts/recovery_codes.html",
        {
            "codes": [two_factor.masked(c) for c in codes],
            "next": _safe_next(request, request.GET.get("next", "")),
        },
    )


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
