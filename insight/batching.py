"""Collecting the ids a block of changes touches, so that a summary is rewritten once per
id when the block ends (an import of thousands of rows writes each case or person once,
not once per row). Each summary keeps its own context variable."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Pending = contextvars.ContextVar[set[Any] | None]


def collect(pending: Pending, ids: set[Any]) -> bool:
    """Add `ids` to the block being batched, if any: True when they were collected (the
    caller then writes nothing now)."""
    collected = pending.get()
    if collected is None:
        return False
    collected.update(ids)
    return True


@contextmanager
def batched(pending: Pending, write: Callable[[set[Any]], None]) -> Iterator[None]:
    """Collect into `pending` while the block runs, then `write` the ids once. Nested
    blocks leave the writing to the outermost."""
    if pending.get() is not None:
        yield
        return
    token = pending.set(set())
    try:
        yield
        ids = pending.get() or set()
    finally:
        pending.reset(token)
    if ids:
        write(ids)
