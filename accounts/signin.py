"""Sign-in and sign-out pages. The password comes first (django-axes counts failures per
username and address); a user with two-factor sign-in is only logged in once a code from
their authenticator app, or a recovery code, is right, and wrong codes count towards the
same lockout. Every sign-in, failed attempt and sign-out is audited (accounts.security)."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from accounts import security, two_factor
from accounts.lockout import lockout_response
from accounts.models import User
from accounts.two_factor_actions import record_code_used


class SignInView(auth_views.LoginView):
    """The password step. Without a device the user is logged in; with one, the session
    only remembers who is half-way (PENDING) and the code page finishes the sign-in."""

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.has_device(user):
            self.request.session.cycle_key()
            self.request.session[two_factor.PENDING] = {
                "user": user.pk,
                "username": form.cleaned_data["username"],
                "backend": user.backend,
                "at": int(time.time()),
                "next": self.get_redirect_url(),
            }
            return redirect("accounts:two_factor_code")
        login(self.request, user)
        self.request.session[two_factor.STATE] = two_factor.NO_DEVICE
        security.record_sign_in(self.request, user, second_factor="none")
        return redirect(self.get_success_url())

    def form_invalid(self, form):
        security.record_sign_in_failed(
            self.request,
            self.request.POST.get("username", ""),
            step="password",
            locked_out=bool(getattr(self.request, "axes_locked_out", False)),
        )
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            security.record_sign_out(request, request.user)
        return super().post(request, *args, **kwargs)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text=(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        error_messages={"required": "Enter the code from your authenticator app."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(two_factor.PENDING) or {}
    user_id = pending.get("user")
    too_late = time.time() - pending.get("at", 0) > two_factor.PENDING_SECONDS
    if not isinstance(user_id, int) or too_late:
        return None, {}
    return User.objects.filter(pk=user_id, is_active=True).first(), pending


def _safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("web:home")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def code(request):
    """The second step: after the password (PENDING), or for a signed-in session that has
    not given a code yet (TwoFactorMiddleware sends it here)."""
    if request.user.is_authenticated:
        if request.session.get(two_factor.STATE) == two_factor.VERIFIED:
            return redirect("web:home")
        user = request.user
        pending = {"username": user.get_username(), "next": request.GET.get("next", "")}
        if not two_factor.has_device(user):
            return redirect("accounts:two_factor_setup")
    else:
        user, pending = _pending_user(request)
        if user is None:
            if request.session.pop(two_factor.PENDING, None):
                messages.info(request, "Log in again: the sign-in took too long to finish.")
            return redirect("web:login")
    credentials = {"username": pending["username"]}
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not AxesProxyHandler.is_allowed(request, credentials):
            security.record_sign_in_failed(
                request, pending["username"], step="code", locked_out=True
            )
            return lockout_response(request)
        check = two_factor.check_code(user, form.cleaned_data["code"])
        if check.device is not None:
            return _finish(request, user, pending, check)
        if not check.unreadable:  # a wrong code; an unreadable secret checked nothing
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        security.record_sign_in_failed(
            request,
            pending["username"],
            step="code",
            locked_out=bool(getattr(request, "axes_locked_out", False)),
        )
        if check.unreadable:
            form.add_error("code", two_factor.UNREADABLE)
        elif check.wait_seconds:
            form.add_error("code", two_factor.try_again_message(check.wait_seconds))
        else:
            form.add_error("code", "That code is not right. Enter the code your app shows now.")
    return render(request, "accounts/two_factor_code.html", {"form": form})


def _finish(request, user, pending, check):
    signed_in_already = request.user.is_authenticated
    if not signed_in_already:
        request.session.pop(two_factor.PENDING, None)
        login(request, user, backend=pending.get("backend"))
    else:
        # The session gains the second factor: a new key, as at any change of privilege.
        request.session.cycle_key()
        user_logged_in.send(sender=user.__class__, request=request, user=user)
    otp_login(request, check.device)
    request.session[two_factor.STATE] = two_factor.VERIFIED
    security.record_sign_in(request, user, second_factor=check.kind)
    record_code_used(user, check.kind, at_sign_in=True)
    if check.kind == "recovery_code":
        left = two_factor.recovery_codes_left(user)
        messages.warning(
            request,
            f"You used a recovery code: {left} left. Each works once. "
            "Make a new set on your two-factor sign-in page if you are running low.",
        )
    return redirect(_safe_next(request, pending.get("next", "")))


def admin_login(request, extra_context=None):
    """The admin site signs in through the same pages (and so the same second step)."""
    target = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('web:login')}?{urlencode({'next': target})}")
