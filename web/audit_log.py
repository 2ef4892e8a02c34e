"""The audit log page for admins: who saw or changed which record, and when.

It asks accounts whether the viewer may read the log, and accounts writes audit events, so
the page lives here, above both; `audit_urls` keeps its name, audit:events."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path

from accounts.permissions import Permission, has_permission
from audit.models import Event
from socialrx.forms import DateInputField


class EventFilter(forms.Form):
    actor = forms.CharField(label="Username", required=False)
    verb = forms.ChoiceField(
        label="What", required=False, choices=[("", "Any"), *Event.Verb.choices]
    )
    record_type = forms.CharField(label="Record type", required=False)
    person_id = forms.UUIDField(label="Person id", required=False)
    since = DateInputField(label="From", required=False)
    until = DateInputField(label="To", required=False)


@login_required
def events(request):
    if not has_permission(request.user, Permission.VIEW_AUDIT):
        raise PermissionDenied
    form = EventFilter(request.GET or None)
    qs = Event.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            qs = qs.filter(actor_label=data["actor"])
        if data["verb"]:
            qs = qs.filter(verb=data["verb"])
        if data["record_type"]:
            qs = qs.filter(record_type__iexact=data["record_type"])
        if data["person_id"]:
            qs = qs.filter(person_id=data["person_id"])
        if data["since"]:
            qs = qs.filter(at__date__gte=data["since"])
        if data["until"]:
            qs = qs.filter(at__date__lte=data["until"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "web/audit_log.html", {"form": form, "page": page, "query": query.urlencode()}
    )


audit_urls = ([path("", events, name="events")], "audit")
