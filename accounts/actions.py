"""Writes about accounts themselves. Each is atomic and records its audit event."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from accounts.models import User
from audit.actions import record_event
from audit.models import Event


def sign_out_everywhere(*, by: User) -> None:
    """End every session `by` has, on every device, this one included: the session
    generation is part of each session's signature (User._get_session_auth_hash), so raising
    it makes them all invalid at their next request. Audited as a change to the user."""
    with transaction.atomic():
        User.objects.filter(pk=by.pk).update(session_generation=F("session_generation") + 1)
        by.refresh_from_db(fields=["session_generation"])
        record_event(
            by,
            Event.Verb.CHANGE,
            by,
            detail={"via": "sign_out_everywhere", "fields": ["session_generation"]},
        )
