"""The real flow (real Prefect, DuckDB, Great Expectations, Parquet) on seeds/raw."""

from __future__ import annotations

import hashlib
import json
import shutil

import duckdb
import pytest

from flows.pipeline import ValidationFailed, greenwire_flow
from flows.settings import SQL_DIR
from flows.warehouse.contract import CONTRACT

pytestmark = pytest.mark.e2e

ID_COLUMNS = {
    "documents": "doc_id",
    "regions": "region_id",
    "parties": "party_id",
    "events": "event_id",
    "metrics": "metric_id",
}


@pytest.fixture(scope="module")
def published(prefect_harness, tmp_path_factory, seeds):
    warehouse_dir = tmp_path_factory.mktemp("warehouse")
    first = greenwire_flow(input_dir=str(seeds), warehouse_dir=str(warehouse_dir))
    first_current = (warehouse_dir / "publish" / "current").resolve()
    # An unchanged folder is not rebuilt (tests/test_scale.py); forced, the rebuild must give the same bytes.
    second = greenwire_flow(input_dir=str(seeds), warehouse_dir=str(warehouse_dir), force=True)
    return warehouse_dir, first, first_current, second


def _read(path, table):
    with duckdb.connect() as con:
        rel = con.sql(f"select * from read_parquet('{path / (table + '.parquet')}')")
        return rel.columns, [str(t) for t in rel.types], rel.fetchall()


def test_every_seed_file_is_accounted_for(published, seeds):
    _, first, _, _ = published
    assert sorted(first.files["source_file"]) == sorted(p.name for p in seeds.iterdir())
    assert set(first.files["status"]) == {"processed"}


def test_published_tables_have_the_contract_columns_and_types(published):
    warehouse_dir = published[0]
    current = warehouse_dir / "publish" / "current"
    for table, columns in CONTRACT.items():
        names, types, rows = _read(current, table)
        assert {c: t for c, t in zip(names, types) if c in columns} == columns, table
        if table != "event_parties":
            assert rows, f"{table} is empty"


def test_manifest_matches_the_files(published):
    _, _first, _, second = published
    manifest = json.loads((second.published / "manifest.json").read_text())
    assert manifest["run_id"] == second.run_id
    for table, entry in manifest["tables"].items():
        path = second.published / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        assert len(_read(second.published, table)[2]) == entry["rows"]


def test_two_runs_give_the_same_ids_and_bytes(published):
    _, first, first_current, second = published
    assert first.published == first_current and second.published != first.published
    for table, column in ID_COLUMNS.items():
        ids = [
            sorted(
                r[0] for r in duckdb.sql(f"select {column} from read_parquet('{p / (table + '.parquet')}')").fetchall()
            )
            for p in (first.published, second.published)
        ]
        assert ids[0] == ids[1], table
    one = json.loads((first.published / "manifest.json").read_text())["tables"]
    two = json.loads((second.published / "manifest.json").read_text())["tables"]
    assert {t: e["sha256"] for t, e in one.items()} == {t: e["sha256"] for t, e in two.items()}


def test_every_mention_slices_the_document_text(published):
    current = published[0] / "publish" / "current"
    bad = duckdb.sql(f"""
        select count(*) from read_parquet('{current / "mentions.parquet"}') m
        join read_parquet('{current / "documents.parquet"}') d using (doc_id)
        where substr(d.text, m.char_start + 1, m.char_end - m.char_start) <> m.surface
    """).fetchall()[0][0]
    assert bad == 0


def test_a_run_writes_its_parquet_while_it_validates(published):
    """The forced rerun has a published version to validate against (only changed rows are read), so all of
    its Parquet is written while the validating process runs; the first run, whose validation reads every
    row, writes all but the mentions meanwhile (publisher.stage_ahead) and the mentions after the report.
    Either is swapped in once the report passed."""
    from flows.warehouse import publish as publisher

    warehouse_dir, first, _, second = published
    written, validated, swapped = ("publish", "progress"), ("validate", "done"), ("publish", "done")
    for run, expected in ((first, [written, validated, written, swapped]), (second, [written, validated, swapped])):
        log = warehouse_dir / "runs" / f"{run.run_id}.jsonl"
        events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        steps = [e for e in events if e["stage"] in ("validate", "publish")]
        assert [(e["stage"], e["event"]) for e in steps] == expected
        if run is first:
            assert set(steps[0]["tables"]) == set(CONTRACT) - {"mentions"} == set(publisher.AHEAD_TABLES)
            assert "(6 of them while validating)" in steps[2]["message"]


def test_a_publish_retried_after_its_staged_folder_moved_writes_the_tables_again(published):
    """The publish task is retried on a transient OSError; if finish() had already moved the staged
    folder, the retry writes the tables again instead of failing on a folder that is gone."""
    from flows import settings as settings_module
    from flows import tasks
    from flows.warehouse import publish as publisher

    warehouse_dir = published[0]
    settings = settings_module.load(warehouse_dir=str(warehouse_dir))
    current = (warehouse_dir / "publish" / "current").resolve()
    with duckdb.connect(str(settings.database), read_only=True) as con:
        staged = publisher.stage(con, settings.publish_dir, "retried-run")
    publisher.discard(staged)  # as if finish() had moved it on the first attempt
    version = tasks.publish.fn(settings, "retried-run", written=staged)
    assert (warehouse_dir / "publish" / "current").resolve() == version != current
    for table in CONTRACT:
        assert (version / f"{table}.parquet").read_bytes() == (current / f"{table}.parquet").read_bytes()


def test_marts_that_run_out_of_memory_written_ahead_are_written_by_the_publish_stage(published, monkeypatch):
    """Writing ahead (while validating) has a lower DuckDB cap than the publish stage: out of memory there,
    tasks.stage_ahead gives None, leaves no folder, and publishing then writes every table itself."""
    from flows import settings as settings_module
    from flows import tasks
    from flows.warehouse import publish as publisher

    warehouse_dir = published[0]
    settings = settings_module.load(warehouse_dir=str(warehouse_dir))
    current = (warehouse_dir / "publish" / "current").resolve()
    versions = sorted((warehouse_dir / "publish" / "versions").iterdir())
    stage_ahead = publisher.stage_ahead

    def short_of_memory(con, publish_dir, run_id, now=None):
        ahead = stage_ahead(con, publish_dir, run_id, now)  # its folder written, then removed as a failure does
        publisher.discard(ahead)
        raise duckdb.OutOfMemoryException("could not allocate block of size 100.3 MiB (209.5 MiB/286.1 MiB used)")

    monkeypatch.setattr(publisher, "stage_ahead", short_of_memory)
    assert tasks.stage_ahead.fn(settings, "ahead-run") is None
    assert sorted((warehouse_dir / "publish" / "versions").iterdir()) == versions
    version = tasks.publish.fn(settings, "ahead-run", written=None)
    for table in CONTRACT:
        assert (version / f"{table}.parquet").read_bytes() == (current / f"{table}.parquet").read_bytes()


def test_a_broken_mart_blocks_the_publish_and_keeps_current(published, seeds, tmp_path, monkeypatch):
    """With a published version, the marts are validated against it and the Parquet is written meanwhile
    (pipeline._validated): the failed run leaves no folder of it either."""
    warehouse_dir = published[0]
    before = (warehouse_dir / "publish" / "current").resolve()
    before_manifest = (before / "manifest.json").read_bytes()
    versions = sorted((warehouse_dir / "publish" / "versions").iterdir())
    broken = tmp_path / "sql"
    shutil.copytree(SQL_DIR, broken)
    model = broken / "marts" / "parties.sql"
    model.write_text(
        model.read_text().replace(
            "select * from final\norder by party_id", "select * from final\nunion all\n(select * from final limit 1)"
        )
    )
    monkeypatch.setenv("GREENWIRE_SQL_DIR", str(broken))
    with pytest.raises(ValidationFailed) as failed:
        greenwire_flow(input_dir=str(seeds), warehouse_dir=str(warehouse_dir))
    assert ("parties", "expect_column_values_to_be_unique", "party_id") in {
        (f.table, f.expectation, f.column) for f in failed.value.report.failures
    }
    assert (warehouse_dir / "publish" / "current").resolve() == before
    assert (before / "manifest.json").read_bytes() == before_manifest
    assert sorted((warehouse_dir / "publish" / "versions").iterdir()) == versions
