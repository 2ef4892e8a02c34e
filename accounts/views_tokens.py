"""Personal API tokens: make one (shown once), see yours, revoke yours. Administrators
(MANAGE_USERS) see and revoke everyone's.

A new token is shown in the answer to the POST that made it, marked no-store, and kept
nowhere (not in the session, which is in the database; only its hash is stored). Each form
carries a one-time value (`once`): sending the same form again, as a browser's refresh of
that answer does, makes no second token (409), and the page says which token it made."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import once as one_time
from accounts.models import ApiToken
from accounts.permissions import Permission, has_permission
from accounts.tokens import default_days, issue_api_token, revoke_api_token
from socialrx.errors import DomainError
from socialrx.forms import apply_domain_error

PAGE_SIZE = 50


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What uses it, so you recognise it later: for example, practice system.",
        error_messages={"required": "Enter a name for the token."},
    )
    scope = forms.ChoiceField(
        label="What it may do",
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the token may do."},
    )
    days = forms.IntegerField(
        label="Days until it expires",
        min_value=1,
        error_messages={
            "required": "Enter how many days the token lasts.",
            "invalid": "Enter a whole number of days.",
            "min_value": "A token must last at least 1 day.",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "nhsuk-input--width-4"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        most = settings.API_TOKEN_MAX_DAYS
        self.fields["days"].max_value = most
        self.fields["days"].validators.append(forms.fields.validators.MaxValueValidator(most))
        self.fields["days"].error_messages["max_value"] = f"A token can last at most {most} days."
        self.fields["days"].initial = default_days()
        self.fields["days"].help_text = f"Up to {most}."


@login_required
@never_cache
def tokens(request):
    """GET: the form and one's tokens. POST: make a token and answer with it, shown once."""
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        once = one_time.value(request)
        if one_time.already_sent(request, "token", once):
            made = one_time.made_by(request, "token", once)
            return _tokens_page(request, TokenForm(), resent=made, status=409)
        if not once:
            form.add_error(None, "The form was out of date: check it and choose Make token.")
        elif form.is_valid():
            try:
                row, token = issue_api_token(
                    request.user,
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                    scope=form.cleaned_data["scope"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                one_time.remember(request, "token", once, row.pk)
                return _tokens_page(request, TokenForm(), new_token=token)
    return _tokens_page(request, form, status=400 if form.errors else 200)


def _tokens_page(request, form, *, new_token="", resent=None, status=200):
    rows = list(ApiToken.objects.filter(user=request.user))
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "once": (form.data.get(one_time.FIELD) if form.is_bound else "") or one_time.fresh(),
            "rows": rows,
            "new_token": new_token,
            "resent": resent is not None,
            "resent_row": next((row for row in rows if row.pk == resent), None),
            "now": timezone.now(),
            "can_manage": has_permission(request.user, Permission.MANAGE_USERS),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def revoke(request, token_id: int):
    """Revoke one's own token; an administrator may revoke anyone's (others: 404, as for a
    token that does not exist). GET asks to confirm; only the POST from that page revokes."""
    rows = ApiToken.objects.select_related("user")
    if not has_permission(request.user, Permission.MANAGE_USERS):
        rows = rows.filter(user=request.user)
    row = get_object_or_404(rows, pk=token_id)
    back = "accounts:tokens" if row.user_id == request.user.pk else "accounts:all_tokens"
    if request.method == "GET":
        if not row.is_live(timezone.now()):
            messages.info(request, f"Token {row.prefix}… no longer works: nothing to revoke.")
            return redirect(back)
        return render(
            request,
            "accounts/revoke_token.html",
            {"row": row, "own": row.user_id == request.user.pk, "back": back},
        )
    if revoke_api_token(row, by=request.user):
        messages.success(request, f"Token {row.prefix}… ({row.name or 'no name'}) is revoked.")
    return redirect(back)


@login_required
@never_cache
def all_tokens(request):
    """Every live token, newest first, for administrators (filter by username)."""
    if not has_permission(request.user, Permission.MANAGE_USERS):
        raise PermissionDenied
    username = request.GET.get("username", "").strip()[:150]
    rows = ApiToken.objects.select_related("user").filter(
        revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    if username:
        rows = rows.filter(user__username=username)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/all_tokens.html",
        {
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
            "query": f"username={username}" if username else "",
            "username": username,
        },
    )
