"""The run's worker processes end with it, however it ends (flows/ops/children.py)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from flows import native

# Starts the extraction workers and the validating process as a run does, prints their pids, then waits.
_START = """
import json, os, sys, time
from flows import batches
from flows.warehouse import validation

extractor = batches.Extractor(2)
pool = extractor._workers()
for started in [pool.submit(time.sleep, 0.5) for _ in range(2)]:  # both workers start
    started.result()
validation.preload()
validation._validator.submit(int).result()
workers = list(pool._processes) + list(validation._validator._processes)
print(json.dumps(workers), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_the_workers_and_the_validating_process_end_when_the_run_is_killed():
    run = subprocess.Popen(
        [sys.executable, "-c", _START], cwd=native.ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert run.stdout is not None
        workers = json.loads(run.stdout.readline())
        assert len(workers) == 3 and all(_alive(pid) for pid in workers)
        os.kill(run.pid, signal.SIGKILL)  # no exit handler, no pool shutdown
        run.wait(30)
        deadline = time.monotonic() + 30  # a bound on waiting, not a speed: they end at once
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in workers if _alive(pid)] == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)  # the run's session: whatever is left of it
