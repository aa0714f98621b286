"""Worker processes that end with the process that started them: a batch's workers, a long recording's parts."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

SPAWN = multiprocessing.get_context("spawn")      # a clean interpreter per worker: MediaPipe does not survive fork


def process_pool(n: int, start: Callable[..., None] | None = None, args: tuple = ()) -> ProcessPoolExecutor:
    """n worker processes, started when first needed and reused, that end with this process; each runs
    start(*args) first."""
    return ProcessPoolExecutor(n, mp_context=SPAWN, initializer=_start, initargs=(os.getpid(), start, args))


def _start(parent: int, start: Callable[..., None] | None, args: tuple) -> None:
    die_with_parent(parent)
    if start is not None:
        start(*args)


def die_with_parent(parent: int) -> None:
    """Start-up of a worker: it ends when the process that started it ends, even by kill -9.

    On Linux the kernel kills it (PR_SET_PDEATHSIG); elsewhere a thread watches the parent's process id.
    """
    armed = False
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        armed = ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL) == 0
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:             # the parent died before the lines above
        os._exit(1)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)
