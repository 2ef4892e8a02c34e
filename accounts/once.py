"""Forms that act once: making an API token, making a new set of recovery codes.

What they make is shown only in the answer to the POST that made it (it is stored nowhere
readable). A browser's refresh of that answer sends the same form again; without a guard
it would make a second token, or a new set of codes that silently replaces the set the
person has just written down. So each such form carries a one-time value (`fresh`), and
the session keeps which values were already sent and what each made (an id or a count,
never the secret): a form sent twice makes nothing the second time."""

from __future__ import annotations

import secrets
from typing import Any

FIELD = "once"
KEEP = 20  # the most recent forms remembered per kind


def fresh() -> str:
    return secrets.token_urlsafe(16)


def value(request) -> str:
    """The one-time value the POSTed form carried ("" when none)."""
    return request.POST.get(FIELD, "")[:64]


def _key(kind: str) -> str:
    return f"srx_once_{kind}"


def already_sent(request, kind: str, once: str) -> bool:
    return bool(once) and once in request.session.get(_key(kind), {})


def made_by(request, kind: str, once: str) -> Any:
    """What the form with this value made, as remember() was told (None if unknown)."""
    return request.session.get(_key(kind), {}).get(once)


def remember(request, kind: str, once: str, made: Any = None) -> None:
    sent = {**request.session.get(_key(kind), {}), once: made}
    request.session[_key(kind)] = dict(list(sent.items())[-KEEP:])
