"""Background tasks for case work (run by the django-tasks database worker)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from casework.reminders import send_reminders


@task()
def send_follow_up_reminders() -> int:
    return send_reminders(today=timezone.localdate())
