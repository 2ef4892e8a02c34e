"""Keep request-time linear algebra on one thread.

numpy's OpenBLAS starts a thread per core and spins while it waits. For the small matrices
of one query that buys nothing, and when the cores are busy (other web workers, the task
worker) a spinning thread that loses its core turns a 7 ms query embedding into 300 ms.
Batch embedding (the refresh task) keeps every thread. The limit is process-wide (the
OpenBLAS in numpy's wheels has no per-thread setting) and put back on exit. threadpoolctl
finds the BLAS libraries loaded in the process (OpenBLAS, MKL, BLIS); where it finds none,
this does nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import numpy  # noqa: F401 - loads BLAS, so the controller finds it
from threadpoolctl import ThreadpoolController


@functools.cache
def _controller() -> ThreadpoolController:
    # Found once per process: looking for the libraries walks every loaded library.
    return ThreadpoolController().select(user_api="blas")


@contextmanager
def one_thread() -> Iterator[None]:
    controller = _controller()
    if not controller.lib_controllers:
        yield
        return
    with controller.limit(limits=1):
        yield
