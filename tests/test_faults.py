"""Faults, through the real `greenwire` command in subprocesses: a run killed mid-way, two runs
at once, a warehouse file held by another process, a failed validation."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from processes import kill_tree

from flows.lock import holder
from flows.publish import open_views
from flows.settings import SQL_DIR

pytestmark = pytest.mark.e2e

GREENWIRE = Path(sys.executable).parent / "greenwire"
HELDOUT = Path(__file__).parent / "heldout" / "raw"
RUN_TIMEOUT = 300


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GREENWIRE_"))}
    return {**env, "PREFECT_HOME": str(home), **extra}


def _greenwire(*args: str, env: dict[str, str], timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run([str(GREENWIRE), *args], env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def _start(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([str(GREENWIRE), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, stdin=subprocess.DEVNULL, start_new_session=True)


def _snapshot(warehouse_dir: Path) -> tuple[Path, bytes]:
    current = (warehouse_dir / "publish" / "current").resolve()
    return current, (current / "manifest.json").read_bytes()


def _assert_current_is_readable(warehouse_dir: Path) -> None:
    current = warehouse_dir / "publish" / "current"
    manifest = json.loads((current / "manifest.json").read_text())
    with open_views(current) as con:
        for table, entry in manifest["tables"].items():
            assert con.execute(f"select count(*) from {table}").fetchone()[0] == entry["rows"], table


@pytest.fixture
def setup(tmp_path, seeds):
    """A warehouse with one good publish of the seeds; returns (input, warehouse, env)."""
    inbox = Path(shutil.copytree(seeds, tmp_path / "in"))
    warehouse_dir = tmp_path / "warehouse"
    env = _env(tmp_path / "prefect", GREENWIRE_INPUT=str(inbox), GREENWIRE_WAREHOUSE=str(warehouse_dir))
    done = _greenwire("run", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return inbox, warehouse_dir, env


@pytest.mark.parametrize("after", ["clean", "extract", "build", "validate"])
def test_a_run_killed_mid_way_leaves_current_intact_and_the_next_run_completes(setup, after):
    inbox, warehouse_dir, env = setup
    before = _snapshot(warehouse_dir)
    shutil.copy(HELDOUT / "h06_nea_press_conference.txt", inbox / "new.txt")  # real work for the killed run
    proc = _start("run", env=env)
    seen = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if line.startswith(f"greenwire | {after:<8} |"):
                break  # the stage after `after` has just begun
    finally:
        kill_tree(proc)
    assert seen and seen[-1].startswith(f"greenwire | {after:<8} |"), "".join(seen)
    assert _snapshot(warehouse_dir) == before
    _assert_current_is_readable(warehouse_dir)
    assert holder(warehouse_dir / ".greenwire.lock") is None

    status = _greenwire("status", "--format", "json", env=env)
    assert status.returncode == 0, status.stderr
    assert [r["outcome"] for r in json.loads(status.stdout)["runs"]] == ["interrupted", "published"]

    again = _greenwire("run", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _snapshot(warehouse_dir)[0] != before[0]
    _assert_current_is_readable(warehouse_dir)
    with open_views(warehouse_dir / "publish" / "current") as con:
        assert con.execute("select count(*) from documents where source_file = 'new.txt'").fetchone()[0] >= 1
    with duckdb.connect(str(warehouse_dir / "greenwire.duckdb"), read_only=True) as con:
        outcomes = [r[0] for r in con.execute("select outcome from raw.runs order by started_at").fetchall()]
    assert outcomes == ["published", "interrupted", "published"]


def test_a_second_run_is_refused_or_waits_and_nothing_is_corrupted(setup):
    inbox, warehouse_dir, env = setup
    shutil.copy(HELDOUT / "h03_ningdong_hydrogen_forum.txt", inbox / "new.txt")
    lock_file = warehouse_dir / ".greenwire.lock"
    first = _start("run", env=env)
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while holder(lock_file) is None:
            assert first.poll() is None and time.monotonic() < deadline, "the first run never took the lock"
            time.sleep(0.05)
        refused = _greenwire("run", env=env)
        queued = _start("run", "--wait", str(RUN_TIMEOUT), env=env)
        first_out, _ = first.communicate(timeout=RUN_TIMEOUT)
        queued_out, _ = queued.communicate(timeout=RUN_TIMEOUT)
    finally:
        for proc in (first, locals().get("queued")):
            if proc is not None and proc.poll() is None:
                kill_tree(proc)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith(f"greenwire: error: another greenwire run is using the warehouse {warehouse_dir} "
                                     f"(PID {first.pid}, ")
    assert refused.stderr.count("\n") == 1, refused.stderr
    assert first.returncode == 0, first_out
    assert queued.returncode == 0, queued_out
    assert "(1 new or changed, 5 unchanged)" in first_out and "(0 new or changed, 6 unchanged)" in queued_out
    _assert_current_is_readable(warehouse_dir)


def test_a_warehouse_file_held_by_another_process_is_a_clear_error(setup):
    _, warehouse_dir, env = setup
    before = _snapshot(warehouse_dir)
    with duckdb.connect(str(warehouse_dir / "greenwire.duckdb")):  # this test process holds it
        run = _greenwire("run", env=env)
        status = _greenwire("status", "--wait", "1", env=env)
    says = (f"greenwire: error: the warehouse file {warehouse_dir / 'greenwire.duckdb'} is in use by another "
            f"process (PID {os.getpid()}); wait for it to finish, or query the published Parquet with "
            "`greenwire query` instead\n")
    assert (run.returncode, run.stderr) == (1, says)
    assert (status.returncode, status.stderr) == (1, says)
    assert _snapshot(warehouse_dir) == before
    assert _greenwire("query", "select count(*) as n from documents", env=env).returncode == 0


def test_a_failed_validation_lists_failures_keeps_current_and_the_failing_marts(setup, tmp_path):
    _, warehouse_dir, env = setup
    before = _snapshot(warehouse_dir)
    broken = Path(shutil.copytree(SQL_DIR, tmp_path / "sql"))
    model = broken / "marts" / "metrics.sql"
    sql = model.read_text(encoding="utf-8")
    assert sql.rstrip().endswith("select * from final\norder by metric_id")
    model.write_text(sql.rstrip().removesuffix("order by metric_id") + "union all\n(select * from final limit 2)\n",
                     encoding="utf-8")
    done = _greenwire("run", env={**env, "GREENWIRE_SQL_DIR": str(broken)})
    assert done.returncode == 1
    assert done.stderr.startswith("greenwire: error: validation failed: ")
    assert f"Data Docs: {warehouse_dir / 'docs' / 'index.html'}" in done.stderr
    assert "  - metrics.metric_id: expect_column_values_to_be_unique (4 unexpected rows, e.g. " in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert _snapshot(warehouse_dir) == before
    with duckdb.connect(str(warehouse_dir / "greenwire.duckdb"), read_only=True) as con:
        dupes = con.execute("select count(*) - count(distinct metric_id) from marts.metrics").fetchone()[0]
        outcome = con.execute("select outcome, message from raw.runs order by started_at desc limit 1").fetchone()
    assert dupes == 2
    assert outcome[0] == "failed" and outcome[1].startswith("validation failed: ")
