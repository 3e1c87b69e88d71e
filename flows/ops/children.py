"""Worker processes that end with the run that started them."""

from __future__ import annotations

import multiprocessing
import os
import threading
from multiprocessing.connection import wait


def end_with_parent() -> None:
    """Called in a pool's worker process as it starts (the pool's initializer): a thread waits for the
    process that started this one to end, however it ends, then ends this one. A SIGTERM or SIGKILL of
    `greenwire run` (a Prefect cancellation sends SIGTERM) skips the pool's shutdown, and its idle
    workers would otherwise wait for work for ever, 0.3 GB each. A no-op in a process nobody started."""
    parent = multiprocessing.parent_process()
    if parent is not None and parent.sentinel is not None:
        threading.Thread(target=_exit_after, args=(parent.sentinel,), name="end-with-parent", daemon=True).start()


def _exit_after(sentinel: int) -> None:
    wait([sentinel])  # ready (end of file) once the parent's end of the pipe is closed: it has ended
    os._exit(1)
