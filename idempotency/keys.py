"""The Idempotency-Key header for every POST of the JSON API, in one place.

socialrx/api.py installs both decorators on the whole API:

- `remember_answer` (view mode, outermost) runs a keyed POST in one transaction and, when
  the request got as far as `claim_key`, stores its answer beside the claim before the
  commit. A 5xx answer is rolled back with everything else, so a retry runs again.
- `claim_key` (operation mode: after authentication and validation) claims (user, key): a
  first request inserts the row and goes on to the view; a repeat within the window gets
  the stored answer (status and body) and writes nothing; the same key with another
  method, path or body is refused with 422. A concurrent duplicate waits on the unique
  constraint until the first commits, then replays it.

Anonymous requests (only POST /api/v1/outcomes/score, which writes nothing) ignore the key:
without a user there is no one to keep the answer for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from idempotency.models import StoredAnswer
from socialrx.errors import DomainError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces


class KeyReused(DomainError):
    status_code = 422


@dataclass
class _Pending:
    key: str
    answer: StoredAnswer | None = None


def window() -> dt.timedelta:
    return dt.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete stored answers older than the window; returns how many."""
    cutoff = (now or timezone.now()) - window()
    deleted, _ = StoredAnswer.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def fingerprint(request) -> str:
    """What makes two requests "the same": method, path and body. A JSON body is compared
    by its meaning (key order and spacing do not matter)."""
    body = request.body
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def _key_error(message: str) -> JsonResponse:
    return JsonResponse(
        {"detail": message, "errors": [{"field": HEADER, "message": message}]}, status=422
    )


def _replay(answer: StoredAnswer) -> HttpResponse:
    response = HttpResponse(
        answer.body, status=answer.status_code, content_type=answer.content_type
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _claim(user, key: str, print_: str) -> StoredAnswer | HttpResponse:
    now = timezone.now()
    # An expired answer under this key no longer counts: the key starts afresh.
    StoredAnswer.objects.filter(user=user, key=key, created_at__lt=now - window()).delete()
    try:
        with transaction.atomic():
            return StoredAnswer.objects.create(user=user, key=key, fingerprint=print_)
    except IntegrityError:
        pass  # claimed before (or just now, by a request that has since committed)
    first = StoredAnswer.objects.get(user=user, key=key)
    if first.fingerprint != print_:
        raise KeyReused(
            "This Idempotency-Key was already used for a different request. "
            "Use a new key for each new request.",
            field=HEADER,
        )
    return _replay(first)


def claim_key(view_func):
    """Operation-mode decorator: claim the key once the caller is known."""

    @functools.wraps(view_func)
    def wrapper(request, *args, **kwargs):
        pending = getattr(request, "_idempotency", None)
        user = getattr(request, "user", None)
        if pending is None or user is None or not user.is_authenticated:
            return view_func(request, *args, **kwargs)
        claimed = _claim(user, pending.key, fingerprint(request))
        if isinstance(claimed, HttpResponse):
            return claimed
        pending.answer = claimed
        return view_func(request, *args, **kwargs)

    return wrapper


def remember_answer(run):
    """View-mode decorator: one transaction around a keyed POST, and its answer stored."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return run(request, *args, **kwargs)
        if not _KEY_RE.match(key):
            return _key_error(
                f"{HEADER} must be 1 to 255 printable characters without spaces "
                "(a UUID is a good choice)."
            )
        pending = request._idempotency = _Pending(key)
        with transaction.atomic():
            response = run(request, *args, **kwargs)
            answer = pending.answer
            if answer is not None:
                if response.status_code >= 500 or getattr(response, "streaming", False):
                    transaction.set_rollback(True)
                else:
                    answer.status_code = response.status_code
                    answer.content_type = response.get("Content-Type", "")
                    answer.body = response.content.decode()
                    answer.save(update_fields=["status_code", "content_type", "body"])
                    transaction.on_commit(purge_expired)
        return response

    return wrapper
