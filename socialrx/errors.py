"""Domain errors: refusals raised by actions, written for the person who will read them.

One handler maps them to HTTP (400 for a refused request, 409 for a conflict with the
current state); pages show the message as a form error or a banner.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra


class InvalidTransition(DomainError):
    status_code = 409


class ConsentMissing(DomainError):
    status_code = 409


class Conflict(DomainError):
    status_code = 409
