"""Text messages through a pluggable backend, as Django does for email.

A backend has `delivers` (whether its messages reach a phone) and `send(to, body) -> bool`
(whether this message went). Those here:

- `ConsoleSMSBackend`, the development default: sends nothing and says so on the console.
- `DisabledSMSBackend`: text messages turned off; one-time links go by email instead.
- `MemorySMSBackend`: the tests' stand-in for a gateway, keeping messages in `outbox`.

A deployment with a gateway (GOV.UK Notify, say) adds a backend class with
`delivers = True` and points SMS_BACKEND at it; without one, production does not start
(`check_sms_gateway`, registered in outcomes.apps). A message carries a working one-time
link, so its text is never logged: only whether it went, and to which number, masked.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

log = logging.getLogger("socialrx.sms")


def masked(number: str) -> str:
    """Enough of a number to tell two apart in a log ("…123"), not enough to call it."""
    digits = "".join(c for c in number if c.isdigit())
    return f"…{digits[-3:]}" if len(digits) > 6 else "…"


class ConsoleSMSBackend:
    """Development: nothing leaves the machine, and the console says so (never the text;
    the link worker's page shows the link)."""

    delivers = False

    def send(self, to: str, body: str) -> bool:
        sys.stdout.write(
            f"[development SMS backend] NOT SENT to {masked(to)}: no text message gateway "
            "is configured (SMS_BACKEND).\n"
        )
        return False


# The old name: it used to log the whole message.
LogSMSBackend = ConsoleSMSBackend


class DisabledSMSBackend:
    """Text messages turned off: links go by email, or measures are completed together."""

    delivers = False
    disabled = True

    def send(self, to: str, body: str) -> bool:
        return False


class MemorySMSBackend:
    """Tests: a stand-in for a gateway that keeps what it was given."""

    delivers = True
    outbox: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> bool:
        self.outbox.append((to, body))
        return True


def sms_backend_class() -> type:
    return import_string(settings.SMS_BACKEND)


def sms_delivers() -> bool:
    """Whether text messages sent now would reach a phone."""
    return bool(getattr(sms_backend_class(), "delivers", False))


def sms_disabled() -> bool:
    return bool(getattr(sms_backend_class(), "disabled", False))


def send_sms(to: str, body: str) -> bool:
    """Send `body` to `to`; True when the backend took it. Logs the outcome, not the text."""
    sent = bool(sms_backend_class()().send(to, body))
    if sent:
        log.info("SMS sent to %s.", masked(to))
    else:
        log.warning("SMS not sent to %s (SMS_BACKEND=%s).", masked(to), settings.SMS_BACKEND)
    return sent


def check_sms_gateway(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Production must have a gateway, or say text messages are off: otherwise the page
    would promise people a link that nobody sends."""
    if settings.DEBUG or settings.TESTING:
        return []
    try:
        backend = sms_backend_class()
    except ImportError as exc:
        return [
            checks.Error(
                f"SMS_BACKEND {settings.SMS_BACKEND!r} cannot be imported ({exc}).",
                hint="Point SMS_BACKEND at your gateway's backend class (docs/operations.md).",
                id="outcomes.E002",
            )
        ]
    if getattr(backend, "delivers", False) or getattr(backend, "disabled", False):
        return []
    return [
        checks.Error(
            f"No text message gateway is configured: SMS_BACKEND is {settings.SMS_BACKEND}, "
            "which sends nothing, so people would never receive their one-time links.",
            hint=(
                "Set SMS_BACKEND to your gateway's backend class (see docs/operations.md), "
                "or to outcomes.sms.DisabledSMSBackend to turn text messages off."
            ),
            id="outcomes.E001",
        )
    ]
