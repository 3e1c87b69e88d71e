"""Incremental runs: unchanged files are not extracted again, new / changed / deleted files are
added / replaced / retracted, and the result equals a full run on the same folder, byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows import warehouse
from flows.ops.incremental import FINGERPRINTED, PREVIOUS_SCHEMA, digest_of, fingerprint, plan
from flows.ops.inventory import INVENTORY_SCHEMA
from flows.pipeline import greenwire_flow
from flows.warehouse.publish import open_views

HELDOUT = Path(__file__).parent / "heldout" / "raw"


def _inventory(*rows: tuple[str, str, str | None, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"source_file": f, "sha256": h, "sidecar_sha256": side, "status": status} for f, h, side, status in rows],
        schema={k: INVENTORY_SCHEMA[k] for k in ("source_file", "sha256", "sidecar_sha256", "status")},
    )


def _previous(*rows: tuple[str, str, str | None, str, str | None]) -> pl.DataFrame:
    return pl.DataFrame([dict(zip(PREVIOUS_SCHEMA, row)) for row in rows], schema=PREVIOUS_SCHEMA)


def _actions(inventory, previous, version="v1") -> dict[str, str | None]:
    return dict(plan(inventory, previous, version).select("source_file", "action").iter_rows())


def test_unchanged_file_is_reused_and_new_file_extracted():
    inv = _inventory(("a.txt", "h1", None, "processed"), ("b.txt", "h2", None, "processed"))
    assert _actions(inv, _previous(("a.txt", "h1", None, "processed", "v1"))) == {"a.txt": "reuse", "b.txt": "extract"}


def test_changed_bytes_changed_sidecar_or_new_code_mean_extract_again():
    inv = _inventory(
        ("a.txt", "h1-new", None, "processed"),
        ("b.txt", "h2", "s2-new", "processed"),
        ("c.txt", "h3", None, "processed"),
    )
    prev = _previous(
        ("a.txt", "h1", None, "processed", "v1"),
        ("b.txt", "h2", "s2", "processed", "v1"),
        ("c.txt", "h3", None, "processed", "v0"),
    )
    assert _actions(inv, prev) == {"a.txt": "extract", "b.txt": "extract", "c.txt": "extract"}


def test_a_file_quarantined_last_time_is_extracted_once_readable():
    inv = _inventory(("a.txt", "h1", None, "processed"), ("b.txt", None, None, "quarantined"))
    prev = _previous(("a.txt", "h1", None, "quarantined", None), ("b.txt", "h2", None, "processed", "v1"))
    assert _actions(inv, prev) == {"a.txt": "extract", "b.txt": None}


def test_fingerprint_changes_with_any_reference_or_code_file(tmp_path):
    (tmp_path / "reference").mkdir()
    table = tmp_path / "reference" / "cn_divisions.csv"
    table.write_text("name\n天津市\n", encoding="utf-8")
    (tmp_path / "steps.py").write_text("RULE = 1\n")
    parts = (tmp_path / "reference", tmp_path / "steps.py")
    before = digest_of(parts, tmp_path)
    assert digest_of(parts, tmp_path) == before
    table.write_text("name\n天津市\n河北省\n", encoding="utf-8")
    after_table = digest_of(parts, tmp_path)
    (tmp_path / "steps.py").write_text("RULE = 2\n")
    assert len({before, after_table, digest_of(parts, tmp_path)}) == 3
    assert fingerprint() == digest_of(FINGERPRINTED) and len(fingerprint()) == 16


def _run(input_dir: Path, warehouse_dir: Path, force: bool = False):
    return greenwire_flow(input_dir=str(input_dir), warehouse_dir=str(warehouse_dir), force=force)


def _hashes(summary) -> dict[str, str]:
    tables = json.loads((summary.published / "manifest.json").read_text())["tables"]
    return {table: entry["sha256"] for table, entry in tables.items()}


def _published(summary, sql: str) -> list[tuple]:
    with open_views(summary.published) as con:
        return con.sql(sql).fetchall()


@pytest.fixture(scope="module")
def history(prefect_harness, tmp_path_factory, seeds):
    """Five runs over one warehouse as the folder changes, and a full run of the final folder."""
    root = tmp_path_factory.mktemp("incremental")
    inbox = Path(shutil.copytree(seeds, root / "in"))
    warehouse_dir = root / "warehouse"
    # forced: an unforced rerun of an unchanged folder stops after ingest (tests/test_scale.py)
    runs = {"first": _run(inbox, warehouse_dir), "again": _run(inbox, warehouse_dir, force=True)}
    shutil.copy(HELDOUT / "h02_yancheng_battery_plant.txt", inbox / "new.txt")
    runs["added"] = _run(inbox, warehouse_dir)
    changed = sorted(seeds.iterdir())[0].name
    (inbox / changed).write_bytes((HELDOUT / "h08_huzhou_green_finance.txt").read_bytes())
    runs["changed"] = _run(inbox, warehouse_dir)
    deleted = sorted(seeds.iterdir())[1].name
    (inbox / deleted).unlink()
    runs["deleted"] = _run(inbox, warehouse_dir)
    runs["full"] = _run(inbox, root / "fresh-warehouse")
    return runs, warehouse_dir, changed, deleted


def _actions_of(summary) -> dict[str, str | None]:
    return dict(summary.files.select("source_file", "action").iter_rows())


def test_a_rerun_without_changes_extracts_nothing_and_publishes_the_same_bytes(history):
    runs = history[0]
    assert runs["again"].extracted_articles == 0
    assert set(_actions_of(runs["again"]).values()) == {"reuse"}
    assert runs["again"].articles == runs["first"].articles > 0
    assert runs["again"].published != runs["first"].published
    assert _hashes(runs["again"]) == _hashes(runs["first"])


def test_a_new_file_is_the_only_one_extracted_and_adds_its_rows(history):
    runs = history[0]
    actions = _actions_of(runs["added"])
    assert actions.pop("new.txt") == "extract" and set(actions.values()) == {"reuse"}
    added = _published(runs["added"], "select count(*) from documents where source_file = 'new.txt'")[0][0]
    assert added >= 1 and runs["added"].articles == runs["first"].articles + added
    assert runs["added"].extracted_articles == added


def test_a_changed_file_replaces_its_rows(history):
    runs, _, changed, _ = history
    assert _actions_of(runs["changed"])[changed] == "extract"
    before = _published(runs["added"], f"select text from documents where source_file = '{changed}'")
    after = _published(runs["changed"], f"select text from documents where source_file = '{changed}'")
    assert before and after and not set(before) & set(after)
    assert any("湖州" in text for (text,) in after)


def test_a_deleted_file_is_retracted_and_recorded(history):
    runs, warehouse_dir, _, deleted = history
    assert _published(runs["deleted"], f"select count(*) from documents where source_file = '{deleted}'") == [(0,)]
    assert _published(
        runs["deleted"],
        """
        select count(*) from mentions where doc_id not in (select doc_id from documents)""",
    ) == [(0,)]
    with duckdb.connect(str(warehouse_dir / "greenwire.duckdb"), read_only=True) as con:
        status, reason = con.execute("select status, reason from raw.files where source_file = ?", [deleted]).fetchone()
    assert (status, reason) == ("deleted", "no longer in the input folder; its rows were retracted")


def test_incremental_history_equals_a_full_run_of_the_same_folder(history):
    runs = history[0]
    assert runs["full"].extracted_articles == runs["full"].articles
    assert _hashes(runs["deleted"]) == _hashes(runs["full"])


def _events(warehouse_dir: Path, summary, stage: str) -> list[dict]:
    lines = (warehouse_dir / "runs" / f"{summary.run_id}.jsonl").read_text(encoding="utf-8").splitlines()
    return [event for event in map(json.loads, lines) if event["stage"] == stage]


def test_builds_after_the_first_are_incremental_and_none_fell_back(history):
    """The runs take the incremental path of the build (which tests/test_increments.py holds equal to a
    full build); a failed incremental build would have fallen back to a full one and said so in the log."""
    runs, warehouse_dir, _, _ = history
    builds = {name: _events(warehouse_dir, summary, "build") for name, summary in runs.items() if name != "full"}
    assert all(event["event"] != "incremental_failed" for events in builds.values() for event in events)
    done = {name: next(e["message"] for e in events if e["event"] == "done") for name, events in builds.items()}
    assert " in full; " in done["first"]
    assert "incrementally (0 documents changed)" in done["again"]
    assert "incrementally (1 document changed)" in done["added"]
    models = [e["message"] for e in builds["added"] if e["event"] == "model"]  # each model's seconds, for operators
    assert models == [f"{layer}.{table}" for layer, table, _ in warehouse.models()]
    assert all(e["incremental"] and e["seconds"] >= 0 for e in builds["added"] if e["event"] == "model")
    # the other runs change more than half the documents of this small folder: full builds


def test_every_run_is_recorded_with_its_counts(history):
    runs, warehouse_dir, _, _ = history
    with duckdb.connect(str(warehouse_dir / "greenwire.duckdb"), read_only=True) as con:
        recorded = {
            r[0]: r[1:]
            for r in con.execute(
                "select run_id, outcome, files_seen, files_extracted, files_reused, articles from raw.runs"
            ).fetchall()
        }
    assert len(recorded) == 5
    again = runs["again"]
    assert recorded[again.run_id] == ("published", again.files.height, 0, again.files.height, again.articles)
    assert recorded[runs["added"].run_id][2:4] == (1, runs["first"].files.height)


def test_validation_reads_again_only_the_rows_that_changed_since_the_last_publish(history):
    """A first run validates every row; the next runs, the mentions not in the version before (all of
    them passed then) and one row when none changed; the version read against is recorded."""
    runs = history[0]

    def record(name):
        return json.loads((runs[name].published / "manifest.json").read_text())["quality"]["validation"]

    first, again, added = record("first"), record("again"), record("added")
    rows = _published(runs["first"], "select count(*) from mentions")[0][0]
    assert first["since"] is None and first["rows_checked"]["mentions"] == [rows, rows]
    assert again["since"] == runs["first"].published.name and again["rows_checked"]["mentions"] == [1, rows]
    new = _published(
        runs["added"],
        "select count(*) from mentions where doc_id in (select doc_id from documents where source_file = 'new.txt')",
    )[0][0]
    read, total = added["rows_checked"]["mentions"]
    assert added["since"] == runs["again"].published.name and new <= read < total
