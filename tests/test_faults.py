"""Faults, through the real `greenwire` command in subprocesses: a run killed mid-way, two runs
at once, a warehouse file held by another process, a failed validation, a damaged warehouse file,
a full disk, a read-only disk, leftovers of killed publishes. One real run of the seeds serves the
module; each test works on a copy of its warehouse."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from processes import kill_tree

from flows.ops.lock import holder
from flows.pipeline import greenwire_flow
from flows.settings import SQL_DIR
from flows.warehouse.integrity import WarehouseCorrupt
from flows.warehouse.publish import clean_leftovers, current_version, prune, publish

pytestmark = pytest.mark.e2e

GREENWIRE = Path(sys.executable).parent / "greenwire"
HELDOUT = Path(__file__).parent / "heldout" / "raw"
RUN_TIMEOUT = 300


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GREENWIRE_"))}
    return {**env, "PREFECT_HOME": str(home), **extra}


def _greenwire(*args: str, env: dict[str, str], timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(GREENWIRE), *args], env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


def _start(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(GREENWIRE), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def _snapshot(warehouse_dir: Path) -> tuple[Path, bytes]:
    current = (warehouse_dir / "publish" / "current").resolve()
    return current, (current / "manifest.json").read_bytes()


def _assert_current_is_readable(warehouse_dir: Path) -> None:
    current = warehouse_dir / "publish" / "current"
    manifest = json.loads((current / "manifest.json").read_text())
    with duckdb.connect() as con:
        for table, entry in manifest["tables"].items():
            parquet = (current / entry["file"]).as_posix()
            assert con.execute(f"select count(*) from '{parquet}'").fetchone()[0] == entry["rows"], table


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, seeds):
    """One real run of the seeds for the whole module: (input, warehouse, Prefect home)."""
    root = tmp_path_factory.mktemp("faults")
    inbox = Path(shutil.copytree(seeds, root / "in"))
    env = _env(root / "prefect", GREENWIRE_INPUT=str(inbox), GREENWIRE_WAREHOUSE=str(root / "warehouse"))
    done = _greenwire("run", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return inbox, root / "warehouse", root / "prefect"


@pytest.fixture
def setup(tmp_path, first_run):
    """A copy of the module's warehouse (one good publish of the seeds) and of its input;
    returns (input, warehouse, env)."""
    inbox, warehouse_dir, home = first_run
    inbox = Path(shutil.copytree(inbox, tmp_path / "in"))
    warehouse_dir = Path(shutil.copytree(warehouse_dir, tmp_path / "warehouse", symlinks=True))
    return inbox, warehouse_dir, _env(home, GREENWIRE_INPUT=str(inbox), GREENWIRE_WAREHOUSE=str(warehouse_dir))


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
    documents = (warehouse_dir / "publish" / "current" / "documents.parquet").as_posix()
    with duckdb.connect() as con:
        assert con.execute(f"select count(*) from '{documents}' where source_file = 'new.txt'").fetchone()[0] >= 1
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
    assert refused.stderr.startswith(
        f"greenwire: error: another greenwire run is using the warehouse {warehouse_dir} (PID {first.pid}, "
    )
    assert refused.stderr.count("\n") == 1, refused.stderr
    assert first.returncode == 0, first_out
    assert queued.returncode == 0, queued_out
    assert "(1 new or changed, 5 unchanged)" in first_out
    assert "6 files, nothing changed since run " in queued_out  # it queued behind the first, then had no work
    _assert_current_is_readable(warehouse_dir)


def test_a_warehouse_file_held_by_another_process_is_a_clear_error(setup):
    _, warehouse_dir, env = setup
    before = _snapshot(warehouse_dir)
    with duckdb.connect(str(warehouse_dir / "greenwire.duckdb")):  # this test process holds it
        run = _greenwire("run", env=env)
        status = _greenwire("status", "--wait", "1", env=env)
    says = (
        f"greenwire: error: the warehouse file {warehouse_dir / 'greenwire.duckdb'} is in use by another "
        f"process (PID {os.getpid()}); wait for it to finish, or query the published Parquet with "
        "`greenwire query` instead\n"
    )
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
    model.write_text(
        sql.rstrip().removesuffix("order by metric_id") + "union all\n(select * from final limit 2)\n", encoding="utf-8"
    )
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


def _one_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stdout + done.stderr, done.stderr
    return done.stderr


def test_a_damaged_warehouse_is_one_line_never_published_and_rebuild_recreates_it(setup):
    _, warehouse_dir, env = setup
    database = warehouse_dir / "greenwire.duckdb"
    before = _snapshot(warehouse_dir)
    with open(database, "r+b") as fh:  # issue 12, item 9: the file cut to half its size
        fh.truncate(database.stat().st_size // 2)
    damaged = database.read_bytes()
    for command in ("status", "validate", "run"):
        says = _one_line(_greenwire(command, env=env))
        assert says.startswith(f"greenwire: error: the warehouse file {database} is damaged ("), (command, says)
        assert "Re-create it from the input folder with `greenwire rebuild`" in says, (command, says)
    # A scheduled run starts the flow without the command's checks: the flow refuses by itself, and logs it.
    with pytest.raises(WarehouseCorrupt):
        greenwire_flow.fn(input_dir=env["GREENWIRE_INPUT"], warehouse_dir=str(warehouse_dir))
    refused_log = max((warehouse_dir / "runs").glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
    assert json.loads(refused_log.read_text().splitlines()[-1])["error"] == "WarehouseCorrupt"
    assert database.read_bytes() == damaged
    assert _snapshot(warehouse_dir) == before

    rebuilt = _greenwire("rebuild", env=env)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    [aside] = warehouse_dir.glob("greenwire.duckdb.corrupt-*")
    assert aside.read_bytes() == damaged
    assert "(5 new or changed, 0 unchanged)" in rebuilt.stdout
    assert _snapshot(warehouse_dir)[0] != before[0]
    _assert_current_is_readable(warehouse_dir)
    status = _greenwire("status", "--format", "json", env=env)
    assert status.returncode == 0, status.stderr
    assert [r["outcome"] for r in json.loads(status.stdout)["runs"]] == ["published"]


@contextmanager
def _tmpfs(folder: Path, size: str, *options: str):
    """A small RAM disk at folder (root only), unmounted afterwards; skips the test where mounting is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join([f"size={size}", *options]), "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mount.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_full_disk_before_prefect_starts_is_one_line_at_once(tmp_path):
    """Issue 12, item 10: a fresh warehouse on a full disk used to hang two minutes in Prefect's start."""
    with _tmpfs(tmp_path / "disk", "2m") as disk:
        env = {k: v for k, v in _env(tmp_path).items() if k != "PREFECT_HOME"}  # Prefect's home is on that disk
        says = _one_line(_greenwire("run", "--warehouse", str(disk / "wh"), env=env, timeout=60))
    assert says.startswith("greenwire: error: setup: No space left on device: only ")
    assert f"free at {disk / 'wh' / '.prefect'}, where the temporary Prefect API keeps its database" in says


def test_a_full_disk_mid_run_names_stage_and_path_keeps_current_and_status_says_why(setup, tmp_path):
    inbox, warehouse_dir, env = setup
    shutil.copy(HELDOUT / "h06_nea_press_conference.txt", inbox / "new.txt")
    with _tmpfs(tmp_path / "disk", "48m") as disk:
        moved = Path(shutil.copytree(warehouse_dir, disk / "warehouse", symlinks=True))
        env = {**env, "GREENWIRE_WAREHOUSE": str(moved)}
        before = _snapshot(moved)
        free = shutil.disk_usage(disk).free
        with open(disk / "filler", "wb") as fh:  # leaves 1.5 MB: enough to start, not enough to load
            os.posix_fallocate(fh.fileno(), 0, free - 1536 * 1024)
        says = _one_line(_greenwire("run", env=env))
        found = re.match(r"greenwire: error: run failed at (\w+): (.*); full trace: (.*)\n", says)
        assert found and found[1] in ("ingest", "load", "build", "validate", "publish"), says
        assert "No space left on device" in found[2] and str(moved) in found[2], says
        assert _snapshot(moved) == before
        _assert_current_is_readable(moved)
        status = _greenwire("status", "--format", "json", env=env)
        assert status.returncode == 0, status.stderr
        last = json.loads(status.stdout)["runs"][0]
        assert (last["outcome"], last["message"]) == ("failed", f"{found[1]}: {found[2]}")
        record = json.loads(Path(last["log_file"]).read_text().splitlines()[-1])
        assert record["event"] == "failed" and "Traceback (most recent call last)" in record["traceback"]


def test_a_read_only_disk_is_one_line(tmp_path):
    with _tmpfs(tmp_path / "disk", "1m", "ro") as disk:
        says = _one_line(_greenwire("run", "--warehouse", str(disk / "wh"), env=_env(tmp_path / "prefect"), timeout=60))
    assert says == f"greenwire: error: setup: cannot create {disk / 'wh'}: Read-only file system\n"


def test_leftovers_of_killed_publishes_are_removed_and_never_counted(tiny_marts, tmp_path):
    """Issue 12, item 13: a `.partial` folder, a version without views, one with an empty views file."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    good = [publish(tiny_marts, tmp_path, f"run-{i}", keep=5, now=t0 + timedelta(seconds=i)) for i in range(2)]
    versions = tmp_path / "versions"
    partial = versions / ".20260101T000005000000Z-dead.partial"
    shutil.copytree(good[0], partial)
    no_views = Path(shutil.copytree(good[0], versions / "20260101T000006000000Z-noviews"))
    (no_views / "greenwire.duckdb").unlink()
    empty_views = Path(shutil.copytree(good[0], versions / "20260101T000007000000Z-emptyviews"))
    (empty_views / "greenwire.duckdb").write_bytes(b"")
    assert clean_leftovers(tmp_path) == sorted([partial, no_views, empty_views])
    assert sorted(versions.iterdir()) == good and current_version(tmp_path) == good[1]

    for leftover in (no_views, empty_views):  # newer than every good version: pruning must not count them
        shutil.copytree(good[0], leftover)
    (no_views / "greenwire.duckdb").unlink()
    (empty_views / "greenwire.duckdb").write_bytes(b"")
    assert prune(tmp_path, keep=2) == sorted([no_views, empty_views])
    assert sorted(versions.iterdir()) == good


def test_free_blocks_past_the_end_of_the_file_are_not_damage_but_missing_blocks_in_use_are(tmp_path):
    """A checkpoint after a table is dropped leaves the file without its free blocks at the end while the
    header still counts them: a healthy warehouse (seen after a few runs) that the check once called
    truncated. A file short of its blocks in use is truncated."""
    from flows.warehouse import integrity

    path = tmp_path / "greenwire.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.files as select range as i, md5(range::varchar) as s from range(100000)")
        con.execute("checkpoint")
        con.execute("create table scratch as select range as i, md5(range::varchar) as s from range(300000)")
        con.execute("checkpoint")
        con.execute("drop table scratch")  # its blocks, the last of the file, are free: DuckDB cuts them off
        con.execute("checkpoint")
    with duckdb.connect(str(path), read_only=True) as con:  # as the next run opens it
        block_size, total, used = con.execute(
            "select block_size, total_blocks, used_blocks from pragma_database_size()"
        ).fetchall()[0]
        assert con.execute("select count(*) from raw.files").fetchall() == [(100_000,)]
    assert path.stat().st_size < integrity.HEADER_BYTES + block_size * total
    integrity.check(path)
    with open(path, "r+b") as fh:
        fh.truncate(integrity.HEADER_BYTES + block_size * (used - 1))
    with pytest.raises(WarehouseCorrupt, match="it was truncated"):
        integrity.check(path)


def test_a_warehouse_checked_and_unchanged_since_is_not_read_again(tmp_path):
    """`greenwire run` checks the file, then its flow does: the second check of the same bytes is free.
    Proof that it does not open the file: a read-write connection of this process is open on it, which a
    read-only connection refuses (DuckDB: one configuration per file in a process). Once a byte is
    written the file is opened, and refused, again."""
    from flows.warehouse import integrity

    path = tmp_path / "greenwire.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.files as select range as i from range(1000)")
    integrity.check(path)
    with duckdb.connect(str(path)) as con:
        integrity.check(path)  # as it was: not opened
        con.execute("insert into raw.files values (1000)")
        with pytest.raises(duckdb.ConnectionException, match="different configuration"):
            integrity.check(path)
