"""Background tasks for outcomes (run by the django-tasks database worker)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

from outcomes.instruments import get_instrument
from outcomes.models import OneTimeLink, Timepoint
from outcomes.sms import send_sms


@task()
def send_one_time_link(link_id: str, url: str) -> str:
    link = OneTimeLink.objects.select_related("person").get(pk=link_id)
    title = get_instrument(link.instrument).title
    if link.timepoint == Timepoint.POST_DISCHARGE:
        why = (
            "It is a few months since you finished with social prescribing, and we would "
            "like to know how you are now"
        )
    else:
        why = "your link worker would like you to answer a short questionnaire"
    body = (
        f"Hello {link.person.given_name}, {why} ({title}). It takes about 2 minutes: {url} "
        f"The link works once and expires in {settings.ONE_TIME_LINK_DAYS} days."
    )
    if link.channel == OneTimeLink.Channel.EMAIL:
        subject = "A short questionnaire from your link worker"
        sent = send_mail(subject, body, None, [link.person.email]) > 0
    else:
        sent = send_sms(link.person.phone, body)
    # The task's stored result: no address, no text.
    return f"{link.channel} {'sent' if sent else 'not sent'}"
