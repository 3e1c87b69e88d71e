"""One greenwire run per warehouse at a time: an advisory lock on warehouse/.greenwire.lock.

The kernel drops an flock when its process dies, so a killed run never leaves a stale lock.
The lock is re-entrant within a process: `greenwire run` takes it once for the whole run (its
quick checks and the flow), so no other run can slip in between them.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_held: dict[Path, int] = {}  # lock files this process holds, and how deep


class WarehouseLocked(RuntimeError):
    """Another greenwire run holds the warehouse."""


@contextmanager
def warehouse_lock(path: Path, wait_seconds: float = 0.0, poll: float = 0.5) -> Iterator[None]:
    """Hold the lock for the duration of the block; wait up to `wait_seconds`, then refuse.
    A block nested in one that already holds the same lock (same process) just goes on."""
    key = path.resolve()
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseLocked(refusal(path)) from None
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "since": datetime.now(UTC).isoformat()}).encode())
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def refusal(path: Path) -> str:
    try:
        holder = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        holder = {}
    who = f"PID {holder.get('pid', '?')}, running since {holder.get('since', '?')}"
    return (
        f"another greenwire run is using the warehouse {path.parent} ({who}); "
        "this run did nothing. Wait for it to finish, or pass --wait SECONDS to queue behind it."
    )


def holder(path: Path) -> dict[str, Any] | None:
    """Who holds the lock now ({"pid": …, "since": …}), or None when no run does."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            # A shared lock is refused only while a run holds the exclusive one; dropped at once.
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                return json.loads(path.read_text() or "{}") or {"pid": "?"}
            except (OSError, ValueError):
                return {"pid": "?"}
        return None
    finally:
        os.close(fd)
