"""Process-tree helpers for tests that start real servers and runs (imported as `processes`:
pytest puts this folder on sys.path for the test modules beside it)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path


def descendants(pid: int) -> list[int]:
    """Every process below pid, from /proc (empty where there is none)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(proc: subprocess.Popen, below: list[int] | None = None, wait: float = 30) -> None:
    """SIGKILL proc's process group and every process below it (listed now unless given:
    Prefect starts flow-run processes in sessions of their own, out of reach of killpg)."""
    below = descendants(proc.pid) if below is None else below
    for kill, target in [(os.killpg, proc.pid), *((os.kill, pid) for pid in below)]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(target, signal.SIGKILL)
    proc.wait(wait)
