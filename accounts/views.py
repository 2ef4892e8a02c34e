"""Pages about one's own account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.actions import sign_out_everywhere as sign_out_everywhere_action


@login_required
def sign_out_everywhere(request):
    if request.method != "POST":
        return render(request, "accounts/sign_out_everywhere.html")
    sign_out_everywhere_action(by=request.user)
    logout(request)
    messages.success(request, "You have been logged out on every device, including this one.")
    return redirect("web:login")
