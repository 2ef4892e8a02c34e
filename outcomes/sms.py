"""Text messages through a pluggable backend, as Django does for email.

`LogSMSBackend` (the default) writes the message to the log, for laptops and pilots without
a gateway; `MemorySMSBackend` keeps messages for tests. A deployment with an SMS gateway
(for example GOV.UK Notify) adds a backend class and points SMS_BACKEND at it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("socialrx.sms")


class LogSMSBackend:
    def send(self, to: str, body: str) -> None:
        log.info("SMS to %s…: %s", to[:5], body)


class MemorySMSBackend:
    outbox: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> None:
        self.outbox.append((to, body))


def send_sms(to: str, body: str) -> None:
    import_string(settings.SMS_BACKEND)().send(to, body)
