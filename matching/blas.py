"""Keep request-time linear algebra on one thread.

numpy's OpenBLAS starts a thread per core and spins while it waits. For the small matrices
of one query that buys nothing, and when the cores are busy (other web workers, the task
worker) a spinning thread that loses its core turns a 7 ms query embedding into 300 ms.
Batch embedding (the refresh task) keeps every thread. The setting is process-wide (the
OpenBLAS in numpy's wheels ignores its thread-local one), restored on exit. Where OpenBLAS
cannot be found, this does nothing.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Iterator
from contextlib import contextmanager

_SETTERS = ("openblas_set_num_threads", "scipy_openblas_set_num_threads64_")
_GETTERS = ("openblas_get_num_threads", "scipy_openblas_get_num_threads64_")


def _symbol(lib, names):
    for name in names:
        fn = getattr(lib, name, None)
        if fn is not None:
            return fn
    return None


@functools.cache
def _controls():
    import numpy  # noqa: F401 - loads OpenBLAS, so it is in the process map below

    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        setter, getter = _symbol(lib, _SETTERS), _symbol(lib, _GETTERS)
        if setter is not None and getter is not None:
            setter.argtypes, setter.restype = [ctypes.c_int], None
            getter.argtypes, getter.restype = [], ctypes.c_int
            return setter, getter
    return None


@contextmanager
def one_thread() -> Iterator[None]:
    controls = _controls()
    if controls is None:
        yield
        return
    setter, getter = controls
    previous = getter()
    setter(1)
    try:
        yield
    finally:
        setter(previous)
