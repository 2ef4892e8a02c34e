"""Per-request context (request id, client address) for audit rows, without passing requests
into actions."""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    # Who acts when an action is called without a user: a command ("manage.py
    # import_caseload") sets this with `acting_as`, so the actions it calls need no new
    # parameter to say so.
    actor_label: str = ""


_EMPTY = RequestContext()
current = contextvars.ContextVar("audit_request_context", default=_EMPTY)  # noqa: B039 (frozen)


@contextlib.contextmanager
def acting_as(label: str):
    """Audit rows written without a user inside this block name `label` as the actor."""
    token = current.set(replace(current.get(), actor_label=label))
    try:
        yield
    finally:
        current.reset(token)
