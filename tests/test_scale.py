"""Scale: batches give the same bytes as one batch, an unchanged rerun costs nothing, DuckDB is
capped, and an error inside a stage is one line naming it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows import settings, warehouse
from flows.app import cli
from flows.ops import incremental, reruns, status
from flows.pipeline import greenwire_flow


def _hashes(published: Path) -> dict[str, str]:
    tables = json.loads((published / "manifest.json").read_text())["tables"]
    return {table: entry["sha256"] for table, entry in tables.items()}


def _outcomes(warehouse_dir: Path) -> list[str]:
    with duckdb.connect(str(warehouse_dir / "greenwire.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("select outcome from raw.runs order by started_at").fetchall()]


@pytest.fixture(scope="module")
def published(prefect_harness, tmp_path_factory, seeds):
    """The seeds published once with the default batch size; returns (input, warehouse, summary)."""
    root = tmp_path_factory.mktemp("scale")
    inbox = Path(shutil.copytree(seeds, root / "in"))
    summary = greenwire_flow(input_dir=str(inbox), warehouse_dir=str(root / "warehouse"))
    return inbox, root / "warehouse", summary


def test_batches_of_two_files_publish_the_same_bytes_as_one_batch(published, tmp_path, monkeypatch):
    inbox, _, whole = published
    monkeypatch.setenv("GREENWIRE_BATCH_FILES", "2")
    batched = greenwire_flow(input_dir=str(inbox), warehouse_dir=str(tmp_path / "warehouse"))
    assert (whole.batches, batched.batches) == (1, 3)
    assert batched.extracted_articles == whole.extracted_articles > 0
    assert _hashes(batched.published) == _hashes(whole.published)
    assert batched.files.equals(whole.files)


def test_an_unchanged_rerun_stops_after_ingest_and_publishes_nothing(published, capsys):
    inbox, warehouse_dir, first = published
    versions = sorted((warehouse_dir / "publish" / "versions").iterdir())
    again = greenwire_flow(input_dir=str(inbox), warehouse_dir=str(warehouse_dir))
    assert again.unchanged_since == {
        "run_id": first.run_id,
        "published_version": first.published.name,
        "articles": first.articles,
        "relevant": first.relevant,
    }
    assert again.published is None and again.validation is None and again.marts == {}
    assert sorted((warehouse_dir / "publish" / "versions").iterdir()) == versions
    assert (warehouse_dir / "publish" / "current").resolve() == first.published
    said = [line for line in capsys.readouterr().out.splitlines() if line.startswith("greenwire |")]
    assert len(said) == 1 and "nothing changed since run " + first.run_id in said[0]
    assert _outcomes(warehouse_dir)[-1] == "unchanged"
    shown = status.read(settings.load(inbox, warehouse_dir))
    assert (shown.runs[0]["outcome"], shown.runs[0]["published_version"]) == ("unchanged", first.published.name)


def test_the_cli_answers_an_unchanged_rerun_without_prefect_and_a_changed_file_means_work(published):
    inbox, warehouse_dir, first = published
    resolved = settings.load(inbox, warehouse_dir)
    quick = reruns.quick_rerun(resolved)
    assert quick is not None and quick.unchanged_since["run_id"] == first.run_id
    assert _outcomes(warehouse_dir)[-1] == "unchanged"
    assert cli.format_summary(quick).count("\n") == 0
    changed = sorted(inbox.iterdir())[0]
    original = changed.read_bytes()
    changed.write_bytes(original + b"\n")
    try:
        assert reruns.quick_rerun(resolved) is None  # same size and name are not enough: the bytes differ
    finally:
        changed.write_bytes(original)
    assert reruns.quick_rerun(resolved) is not None


def test_the_quick_check_hands_its_listing_to_the_flows_ingest_once_and_for_its_folders_only(published, tmp_path):
    inbox, warehouse_dir, _ = published
    resolved = settings.load(inbox, warehouse_dir)
    added = inbox / "zz_added.txt"
    added.write_text("天津市发布绿色低碳发展方案。\n", encoding="utf-8")
    try:
        assert reruns.quick_rerun(resolved, hand_over=True) is None  # work to do: the check is handed over
        kept = reruns._handed
        handed = reruns.check(resolved, "flow")
        assert kept is not None and handed is kept
        assert handed.inventory.filter(pl.col("source_file") == added.name)["action"].to_list() == ["extract"]
        assert reruns.check(resolved, "again") is not handed  # taken once: the next check lists again
        reruns.quick_rerun(resolved, hand_over=True)
        other = settings.load(inbox, tmp_path / "other-warehouse")
        assert reruns.check(other, "elsewhere").folders == (inbox, tmp_path / "other-warehouse")
        assert reruns.check(resolved, "after") is not handed  # a check for other folders ended the hand-over
        reruns.quick_rerun(resolved)  # without hand_over nothing is kept
        assert reruns._handed is None
    finally:
        added.unlink()
        reruns.handed_over()


def test_a_first_run_lists_its_folder_before_the_flow_and_hands_the_listing_over(seeds, tmp_path):
    """Nothing published yet: the quick check finds work without asking, and with hand_over it still lists
    the folder (while Prefect's API starts) for the flow's ingest; without hand_over it touches nothing."""
    resolved = settings.load(seeds, tmp_path / "warehouse")
    assert reruns.quick_rerun(resolved) is None
    assert not resolved.database.exists() and reruns._handed is None
    try:
        assert reruns.quick_rerun(resolved, hand_over=True) is None
        handed = reruns._handed
        assert handed is not None and handed.unchanged_since is None and not handed.built
        listed = handed.inventory.filter(pl.col("status") == "processed")
        assert sorted(listed["source_file"]) == sorted(p.name for p in seeds.iterdir())
        assert set(listed["action"]) == {"extract"}
        assert reruns.check(resolved, "flow") is handed
    finally:
        reruns.handed_over()


def test_every_warehouse_connection_is_capped_and_spills_under_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("GREENWIRE_DUCKDB_MEMORY", "1GB")
    monkeypatch.setenv("GREENWIRE_DUCKDB_THREADS", "1")
    with warehouse.connect(tmp_path / "greenwire.duckdb") as con:
        got = con.execute(
            "select current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"
        ).fetchall()[0]
    assert got == ("953.6 MiB", 1, str(tmp_path / ".duckdb-tmp"))
    with warehouse.connect(tmp_path / "greenwire.duckdb", read_only=True) as con:
        assert con.execute("select current_setting('memory_limit')").fetchall() == [("953.6 MiB",)]
    monkeypatch.setenv("GREENWIRE_DUCKDB_MEMORY", "lots")
    with pytest.raises(ValueError, match="GREENWIRE_DUCKDB_MEMORY='lots'"):
        warehouse.connect(tmp_path / "greenwire.duckdb")


def test_loading_caps_its_memory_unless_a_limit_is_set(tmp_path, monkeypatch):
    """Loading holds DuckDB to LOAD_MEMORY_LIMIT (400 MB) under the default 1 GB; a GREENWIRE_DUCKDB_MEMORY
    someone set holds, higher or lower."""
    assert warehouse.size_bytes("953.6 MiB") == 999_922_073 and warehouse.size_bytes("400MB") == 400 * 10**6
    monkeypatch.delenv("GREENWIRE_DUCKDB_MEMORY", raising=False)
    with warehouse.loading(tmp_path / "greenwire.duckdb") as con:
        assert con.execute("select current_setting('memory_limit')").fetchall() == [("381.4 MiB",)]
    for limit, shown in (("2GB", "1.8 GiB"), ("200MB", "190.7 MiB")):
        monkeypatch.setenv("GREENWIRE_DUCKDB_MEMORY", limit)
        with warehouse.loading(tmp_path / "greenwire.duckdb") as con:
            assert con.execute("select current_setting('memory_limit')").fetchall() == [(shown,)]
    with pytest.raises(ValueError, match="not a memory size"):
        warehouse.size_bytes("lots")


def test_loading_runs_on_one_duckdb_thread_unless_a_number_is_set(tmp_path, monkeypatch):
    """Loading beside the extraction workers uses LOAD_THREADS (1) DuckDB thread; GREENWIRE_DUCKDB_THREADS
    someone set holds, and the other connections keep their own."""
    monkeypatch.delenv("GREENWIRE_DUCKDB_THREADS", raising=False)
    with warehouse.loading(tmp_path / "greenwire.duckdb") as con:
        assert con.execute("select current_setting('threads')").fetchall() == [(warehouse.LOAD_THREADS,)] == [(1,)]
    default = min(os.cpu_count() or 1, settings.MAX_PROCESSES)
    with warehouse.connect(tmp_path / "greenwire.duckdb") as con:
        assert con.execute("select current_setting('threads')").fetchall() == [(default,)]
    monkeypatch.setenv("GREENWIRE_DUCKDB_THREADS", "3")
    with warehouse.loading(tmp_path / "greenwire.duckdb") as con:
        assert con.execute("select current_setting('threads')").fetchall() == [(3,)]


def test_a_duckdb_error_with_a_cpp_trace_in_a_model_is_one_line_naming_the_stage(
    published, tmp_path, monkeypatch, capsys
):
    inbox, warehouse_dir, _ = published
    current = (warehouse_dir / "publish" / "current").resolve()
    models = Path(shutil.copytree(settings.SQL_DIR, tmp_path / "sql"))
    # What DuckDB's internal errors look like: a first line, then a C++ stack trace.
    (models / "intermediate" / "int_zz_broken.sql").write_text(
        "select error('INTERNAL Error: Attempted to dereference unique_ptr that is NULL!' || chr(10) || "
        "'Stack Trace:' || chr(10) || '/usr/lib/libduckdb.so(duckdb::Exception::Exception+0x4d) [0x7f]')\n"
    )
    monkeypatch.setenv("GREENWIRE_SQL_DIR", str(models))
    code = cli.main(["run", "--input", str(inbox), "--warehouse", str(warehouse_dir)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Stack Trace" not in err, err
    assert err.startswith("greenwire: error: run failed at build: ")
    assert "int_zz_broken.sql" in err and "Attempted to dereference unique_ptr that is NULL!" in err
    assert (warehouse_dir / "publish" / "current").resolve() == current
    assert _outcomes(warehouse_dir)[-1] == "failed"
    log = Path(err.rsplit("full trace: ", 1)[1].strip())
    failed = [json.loads(line) for line in Path(log).read_text().splitlines() if '"failed"' in line]
    assert "Stack Trace" in failed[-1]["traceback"]


def test_a_file_rewritten_with_its_old_size_and_time_is_seen_only_when_rehashed(published):
    """Like git's index and rsync, a listing trusts size + modification time; --force reads every file."""
    inbox, warehouse_dir, _ = published
    resolved = settings.load(inbox, warehouse_dir)
    changed = sorted(inbox.iterdir())[-1]  # one no other test rewrites: its recorded time is still its own
    original, times = changed.read_bytes(), os.stat(changed)
    changed.write_bytes(original[:-1] + (b"!" if original[-1:] != b"!" else b"?"))
    os.utime(changed, ns=(times.st_atime_ns, times.st_mtime_ns))
    try:

        def action(checked: reruns.Checked) -> str:
            return checked.inventory.filter(pl.col("source_file") == changed.name)["action"][0]

        assert action(reruns.check(resolved, "probe")) == "reuse"
        assert action(reruns.check(resolved, "probe", rehash=True)) == "extract"
    finally:
        changed.write_bytes(original)
        os.utime(changed, ns=(times.st_atime_ns, times.st_mtime_ns))


def test_the_check_says_whether_the_warehouse_holds_a_complete_build_of_this_code(published, tmp_path):
    """What decides, with the bytes to read, whether the validating process starts before the batches."""
    inbox, warehouse_dir, _ = published
    resolved = settings.load(inbox, warehouse_dir)
    with warehouse.connect(resolved.database) as con:  # other tests of this module leave failed builds
        warehouse.build(con, resolved.sql_dir, code_digest=incremental.code_digest(resolved.sql_dir))
    assert reruns.check(resolved, "probe").built
    with warehouse.connect(resolved.database) as con:
        warehouse.build(con, resolved.sql_dir)  # a build that names no code: the next one is full
    assert not reruns.check(resolved, "probe").built
    assert not reruns.check(settings.load(inbox, tmp_path / "new-warehouse"), "probe").built
    with warehouse.connect(resolved.database) as con:  # as a run leaves it, for the tests after this one
        warehouse.build(con, resolved.sql_dir, code_digest=incremental.code_digest(resolved.sql_dir))


def test_great_expectations_runs_in_a_child_process_and_never_loads_in_the_runs_process(tmp_path, seeds):
    """Validation's GX and pandas copies of the marts (1.5 GB at 100,000 articles) leave with its process."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from flows.pipeline import greenwire_flow\n"
        f"summary = greenwire_flow(input_dir={str(seeds)!r}, warehouse_dir={str(tmp_path / 'warehouse')!r})\n"
        "print(summary.validation.evaluated, summary.validation.success, 'great_expectations' in sys.modules)\n"
    )
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    evaluated, success, loaded = done.stdout.strip().splitlines()[-1].split()
    assert (int(evaluated) > 0, success, loaded) == (True, "True", "False")
