"""Pages for community partners: connections sent to their organisation, consent-limited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from accounts.permissions import Permission, has_permission
from audit.actions import record_access
from casework import actions, rules
from casework.access import get_partner_connection_for_user
from casework.forms import MoveConnectionForm
from casework.queries import connections_for_partner, shared_person_view
from socialrx.errors import DomainError
from socialrx.forms import apply_domain_error


def _require_partner(user):
    if not has_permission(user, Permission.HANDLE_CONNECTIONS):
        raise PermissionDenied


@login_required
def partner_queue(request):
    _require_partner(request.user)
    connections = connections_for_partner(request.user).order_by("-sent_at")
    return render(request, "casework/partner_queue.html", {"connections": connections})


def _render_connection(request, connection, form=None, status=200):
    return render(
        request,
        "casework/partner_connection.html",
        {
            "connection": connection,
            "shared": shared_person_view(connection),
            "moves": rules.moves_from(connection.status, rules.PARTNER),
            "form": form,
        },
        status=status,
    )


@login_required
def partner_connection(request, connection_id):
    _require_partner(request.user)
    connection = get_partner_connection_for_user(request.user, connection_id)
    record_access(request.user, connection)
    if request.method == "POST":
        form = MoveConnectionForm(request.POST)
        if form.is_valid():
            try:
                moved = actions.move_connection(
                    connection,
                    to=form.cleaned_data["to"],
                    side=rules.PARTNER,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    on=form.cleaned_data["on"],
                    accompanied=form.cleaned_data["accompanied"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"Marked {moved.get_status_display().lower()}.")
                return redirect("casework:partner_connection", connection_id=moved.pk)
        return _render_connection(request, connection, form, status=400)
    return _render_connection(request, connection)
