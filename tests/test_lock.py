"""One run per warehouse: a second run is refused with a clear message, or waits."""

import subprocess
import sys
import time

import pytest

from flows.ops.lock import WarehouseLocked, warehouse_lock

HOLDER = (
    "import sys, time; from pathlib import Path; from flows.ops.lock import warehouse_lock\n"
    "with warehouse_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(float(sys.argv[2]))\n"
)


def _hold(path, seconds):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_run_is_refused_while_the_first_holds_the_lock(tmp_path):
    holder = _hold(tmp_path / "w.lock", 30)
    try:
        with (
            pytest.raises(WarehouseLocked, match=rf"PID {holder.pid}.*this run did nothing"),
            warehouse_lock(tmp_path / "w.lock"),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_waiting_run_gets_the_lock_when_the_first_ends(tmp_path):
    holder = _hold(tmp_path / "w.lock", 1)
    start = time.monotonic()
    with warehouse_lock(tmp_path / "w.lock", wait_seconds=30, poll=0.1):
        waited = time.monotonic() - start
    holder.wait()
    assert holder.returncode == 0 and waited > 0.5


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    holder = _hold(tmp_path / "w.lock", 60)
    holder.kill()
    holder.wait()
    with warehouse_lock(tmp_path / "w.lock"):
        pass


def test_a_nested_hold_in_the_same_process_goes_on_and_the_outer_one_keeps_the_lock(tmp_path):
    """`greenwire run` holds the lock once around its quick checks and the flow, which locks again."""
    from flows.ops.lock import holder

    lock_file = tmp_path / "w.lock"
    with warehouse_lock(lock_file):
        with warehouse_lock(lock_file):  # would block on a second flock if the lock were not re-entrant
            pass
        assert holder(lock_file) is not None  # leaving the inner block did not release the lock
        other = subprocess.run([sys.executable, "-c", HOLDER, str(lock_file), "0"], capture_output=True, text=True)
        assert other.returncode == 1 and "WarehouseLocked" in other.stderr and other.stdout == ""
    assert holder(lock_file) is None
