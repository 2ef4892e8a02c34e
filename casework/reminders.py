"""Follow-up reminders: what each link worker has due, as a digest with no personal detail."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from accounts.models import Role, User
from casework.queries import follow_ups_due_for


def digest_for(worker, *, today) -> str | None:
    """The reminder text for one worker, or None when nothing is due. Names are reduced to
    initials: email is not a safe place for a person's identity."""
    due = list(follow_ups_due_for(worker, today=today, horizon_days=0).select_related("person"))
    if not due:
        return None
    lines = [f"You have {len(due)} follow-up{'s' if len(due) != 1 else ''} due or overdue:", ""]
    for case in due:
        person = case.person
        initials = f"{person.given_name[:1]}{person.family_name[:1]}".upper()
        when = "overdue" if case.follow_up_due < today else "due today"
        url = settings.SITE_URL.rstrip("/") + reverse("casework:case", args=[case.pk])
        lines.append(f"- {initials}: {when} ({case.follow_up_due:%-d %b}) {url}")
    return "\n".join(lines)


def send_reminders(*, today) -> int:
    """Email every active link worker their digest; return how many emails were sent."""
    sent = 0
    workers = (
        User.objects.filter(
            role__in=[Role.LINK_WORKER, Role.SUPERVISOR], is_active=True, team__isnull=False
        )
        .exclude(email="")
        .select_related("team")
    )
    for worker in workers:
        body = digest_for(worker, today=today)
        if body is None:
            continue
        send_mail("socialrx: follow-ups due", body, None, [worker.email])
        sent += 1
    return sent
