"""A person's own page: demographics, consents, safeguarding, and links to their cases and
referrals. It lists what referrals and casework hold, which sit above people, so the page is
composed here; `person_urls` adds it to the people app's routes under the same name,
people:detail."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

import people.urls
from accounts.permissions import Permission, has_permission
from audit.actions import record_access
from casework.queries import cases_for
from people.access import get_person_for_user
from people.forms import ConsentForm
from people.queries import consents_of
from people.rules import age_on
from referrals.queries import referrals_for


@login_required
def detail(request: HttpRequest, person_id: str) -> HttpResponse:
    """Referrers see the people they referred, read-only."""
    person = get_person_for_user(request.user, person_id)
    record_access(request.user, person)
    can_edit = has_permission(request.user, Permission.EDIT_PEOPLE)
    context = {
        "person": person,
        "age": age_on(person.birth_date, timezone.localdate()),
        "can_edit": can_edit,
        "consents": consents_of(person),
        "cases": cases_for(request.user).filter(person=person),
        "referrals": referrals_for(request.user).filter(person=person),
        "consent_form": ConsentForm() if can_edit else None,
    }
    return render(request, "people/detail.html", context)


person_urls = (
    [
        *people.urls.urlpatterns,
        path("<uuid:person_id>/", detail, name="detail"),
    ],
    people.urls.app_name,
)
