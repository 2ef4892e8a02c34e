"""Per-request context (request id, client address) for audit rows, without passing requests
into actions."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_EMPTY = RequestContext()
current = contextvars.ContextVar("audit_request_context", default=_EMPTY)  # noqa: B039 (frozen)
