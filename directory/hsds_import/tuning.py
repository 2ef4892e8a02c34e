"""The sizes an import works in, tuned for a national directory.

An import reads its tuning once, when it starts: `Tuning()` by default, or what an
enclosing `tuned(...)` sets (tests use it to stream a small dataset as a large one is;
benchmarks to compare sizes). Nothing else changes them while an import runs. What each
size was measured against is in docs/benchmarks.md (Directory).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    # New records of a table sent to the database at a time, once the dataset is that large.
    flush_every: int = 20_000
    # A JSON array is parsed a piece (a run of whole elements of about this many bytes) at a
    # time, so that collecting and writing begin while the rest is still unparsed; a cut is
    # looked for up to `seek` bytes further.
    piece: int = 1 << 20
    seek: int = 4 << 20
    # An import of more records than this tells listeners (matching) that any directory
    # record may have changed instead of listing what it wrote: re-reading the directory is
    # then the cheaper way to learn it. So does a first import (no service stored before).
    list_changes_up_to: int = 20_000
    # SQLite's page cache while a large import writes (settings give connections 64 MiB):
    # the index rebuild and key checks at the end look up rows all over the new tables.
    cache_kib: int = 256 * 1024


_current: ContextVar[Tuning] = ContextVar("hsds_import_tuning", default=Tuning())  # noqa: B039 - frozen


def current() -> Tuning:
    return _current.get()


@contextmanager
def tuned(**changes: int) -> Iterator[Tuning]:
    """Imports begun inside use the current tuning with `changes` (Tuning's field names)."""
    tuning = dataclasses.replace(_current.get(), **changes)
    token = _current.set(tuning)
    try:
        yield tuning
    finally:
        _current.reset(token)
