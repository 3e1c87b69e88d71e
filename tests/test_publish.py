"""Atomic publish: versions, manifest, the `current` swap, pruning, the views database."""

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta

import duckdb
import polars as pl
import pytest

from flows import CONTRACT_VERSION
from flows.warehouse import MART_TABLES
from flows.warehouse.publish import _changed_rows, current_version, discard, finish, open_views, publish, stage


@pytest.fixture
def marts(tiny_marts):
    return tiny_marts


T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_publish_writes_parquet_manifest_and_points_current(marts, tmp_path):
    version = publish(marts, tmp_path, "run-1", now=T0)
    assert current_version(tmp_path) == version
    manifest = json.loads((tmp_path / "current" / "manifest.json").read_text())
    assert (manifest["run_id"], manifest["contract_version"]) == ("run-1", CONTRACT_VERSION)
    assert sorted(manifest["tables"]) == sorted(MART_TABLES)
    for table, entry in manifest["tables"].items():
        data = (version / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["rows"] == marts.execute(f"select count(*) from marts.{table}").fetchall()[0][0]


def test_a_copied_publish_folder_answers_every_view_from_inside(marts, tmp_path, monkeypatch):
    version = publish(marts, tmp_path / "publish", "run-1", now=T0)
    copy = tmp_path / "elsewhere" / "snapshot"
    shutil.copytree(version, copy)
    shutil.rmtree(tmp_path / "publish")  # the original is gone: nothing may point at it
    monkeypatch.chdir(copy)
    with duckdb.connect("greenwire.duckdb", read_only=True) as snap:
        for table in MART_TABLES:
            expected = marts.execute(f"select count(*) from marts.{table}").fetchall()
            assert snap.execute(f"select count(*) from {table}").fetchall() == expected, table


def test_views_open_from_elsewhere_with_file_search_path_and_from_views_sql(marts, tmp_path):
    version = publish(marts, tmp_path, "run-1", now=T0)
    with open_views(tmp_path / "current") as snap:
        assert snap.execute("select count(*) from mentions").fetchall() == [(1,)]
    with duckdb.connect(str(version / "greenwire.duckdb"), read_only=True) as snap:
        snap.execute("set file_search_path = ?", [str(version)])
        assert snap.execute("select count(*) from documents").fetchall() == [(3,)]
    script = (version / "views.sql").read_text(encoding="utf-8")
    assert str(tmp_path) not in script and "read_parquet('documents.parquet')" in script
    with duckdb.connect() as con:
        con.execute("set file_search_path = ?", [str(version)])
        con.execute(script)
        assert con.execute("select count(*) from events").fetchall() == [(2,)]


def test_views_carry_the_dictionary_as_comments(marts, tmp_path):
    version = publish(marts, tmp_path, "run-1", now=T0)
    with duckdb.connect(str(version / "greenwire.duckdb"), read_only=True) as snap:
        comments = dict(
            snap.execute("select column_name, comment from duckdb_columns() where table_name = 'documents'").fetchall()
        )
        view = snap.execute("select comment from duckdb_views() where view_name = 'regions'").fetchall()
    assert comments["doc_id"] == "stable id of the article"
    assert comments["word"] is None  # not a published column, so not described
    assert view[0][0].startswith("Places: countries")


def test_views_database_is_in_a_storage_version_duckdb_1_clients_read(marts, tmp_path):
    """The header's storage version number: DuckDB 1.2-1.5 read 64-68; DuckDB 2's default (69) they refuse."""
    version = publish(marts, tmp_path, "run-1", now=T0)
    header = (version / "greenwire.duckdb").read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    assert 64 <= int.from_bytes(header[12:20], "little") <= 68


def test_dictionary_json_describes_every_table(marts, tmp_path):
    version = publish(marts, tmp_path, "run-1", now=T0)
    described = json.loads((version / "dictionary.json").read_text(encoding="utf-8"))
    assert sorted(described) == sorted(MART_TABLES)
    assert described["metrics"]["value"]["type"] == "DOUBLE"
    assert described["events"]["date_precision"]["allowed_values"] == ["day", "month", "year", "unknown"]


def test_same_marts_give_the_same_bytes(marts, tmp_path):
    first = publish(marts, tmp_path, "run-1", now=T0)
    second = publish(marts, tmp_path, "run-2", now=T0 + timedelta(seconds=1))
    for table in MART_TABLES:
        assert (first / f"{table}.parquet").read_bytes() == (second / f"{table}.parquet").read_bytes()


def test_a_staged_version_is_invisible_until_finished_and_discard_leaves_nothing(marts, tmp_path):
    first = publish(marts, tmp_path, "run-1", now=T0)
    staged = stage(marts, tmp_path, "run-2", now=T0 + timedelta(seconds=1))
    assert [p.name for p in (tmp_path / "versions").iterdir() if not p.name.startswith(".")] == [first.name]
    assert current_version(tmp_path) == first
    assert staged.previous == first
    assert staged.changes["parties"] == {"added": 0, "removed": 0, "changed": 0}
    discard(staged)
    assert [p.name for p in (tmp_path / "versions").iterdir()] == [first.name]
    second = finish(stage(marts, tmp_path, "run-3", now=T0 + timedelta(seconds=2)), tmp_path)
    assert current_version(tmp_path) == second
    assert json.loads((second / "manifest.json").read_text())["previous_version"] == first.name
    for table in MART_TABLES:
        assert (first / f"{table}.parquet").read_bytes() == (second / f"{table}.parquet").read_bytes()


def test_keeps_the_newest_versions_only(marts, tmp_path):
    versions = [publish(marts, tmp_path, f"run-{i}", keep=2, now=T0 + timedelta(seconds=i)) for i in range(4)]
    assert sorted(p.name for p in (tmp_path / "versions").iterdir()) == [v.name for v in versions[2:]]
    assert current_version(tmp_path) == versions[-1]


def test_a_leftover_partial_folder_is_cleaned_and_current_survives(marts, tmp_path):
    good = publish(marts, tmp_path, "run-1", now=T0)
    (tmp_path / "versions" / ".20260101T000009000000Z-dead.partial").mkdir()
    publish(marts, tmp_path, "run-2", now=T0 + timedelta(seconds=10))
    assert not list((tmp_path / "versions").glob(".*.partial"))
    assert good.exists()


def test_manifest_counts_rows_added_removed_and_changed_by_key(marts, tmp_path):
    first = publish(marts, tmp_path, "run-1", now=T0)
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["previous_version"] is None
    assert manifest["changes"]["documents"] == {"added": 3, "removed": 0, "changed": 0}
    marts.execute("delete from marts.documents where doc_id = 'd0'")
    marts.execute("update marts.documents set word = '低碳' where doc_id = 'd1'")
    marts.execute("insert into marts.documents values ('d9', 'g.txt', 0, '绿色')")
    marts.execute("insert into marts.events values ('e9', 9)")
    second = publish(marts, tmp_path, "run-2", now=T0 + timedelta(seconds=1))
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["previous_version"] == first.name
    assert manifest["changes"]["documents"] == {"added": 1, "removed": 1, "changed": 1}
    assert manifest["changes"]["events"] == {"added": 1, "removed": 0, "changed": 0}
    assert manifest["changes"]["regions"] == {"added": 0, "removed": 0, "changed": 0}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # a unique key: compared by a hash of each row
        ([(1, "a"), (2, "b")], [(1, "a"), (2, "x"), (3, "c")], {"added": 1, "removed": 0, "changed": 1}),
        ([(1, "a"), (2, "b")], [(2, "b")], {"added": 0, "removed": 1, "changed": 0}),
        # a key seen twice: rows compared whole
        ([(1, "a"), (1, "b")], [(1, "a"), (2, "c")], {"added": 1, "removed": 0, "changed": 0}),
        ([(1, "a"), (1, "b")], [(1, "z"), (1, "b")], {"added": 0, "removed": 0, "changed": 1}),
    ],
)
def test_changed_rows_count_keys_added_removed_and_rows_changed(tmp_path, old, new, expected):
    """A changed row keeps its key and differs in another column; keys only on one side are added or removed."""
    paths = []
    for name, rows in (("old", old), ("new", new)):
        path = tmp_path / f"{name}.parquet"
        pl.DataFrame(rows, schema=["k", "v"], orient="row").write_parquet(path)
        paths.append(path)
    with duckdb.connect() as con:
        assert _changed_rows(con, paths[0], paths[1], ["k", "v"], ["k"]) == expected


def test_changed_rows_narrowed_to_documents_compare_only_their_rows(tmp_path):
    """After an incremental build only the listed documents' rows can differ: the others are not read."""
    old = [("m1", "d1", "a"), ("m2", "d2", "b"), ("m3", "d3", "c")]
    new = [("m1", "d1", "x"), ("m2", "d2", "y"), ("m4", "d4", "d")]  # d2 differs but is not listed
    paths = []
    for name, rows in (("old", old), ("new", new)):
        path = tmp_path / f"{name}.parquet"
        pl.DataFrame(rows, schema=["mention_id", "doc_id", "v"], orient="row").write_parquet(path)
        paths.append(path)
    columns, key = ["mention_id", "doc_id", "v"], ["mention_id"]
    with duckdb.connect() as con:
        assert _changed_rows(con, *paths, columns, key) == {"added": 1, "removed": 1, "changed": 2}
        narrowed = _changed_rows(con, *paths, columns, key, ["d1", "d3", "d4"])
    assert narrowed == {"added": 1, "removed": 1, "changed": 1}


def test_tables_written_side_by_side_that_run_out_of_memory_are_written_one_at_a_time(marts, tmp_path, monkeypatch):
    from flows.warehouse import publish as publisher

    expected = stage(marts, tmp_path / "a", "run-1", now=T0)
    write = publisher._write_tables
    asked = []

    def short_of_memory_side_by_side(con, staging, previous, unpublished, side_by_side=True, written=()):
        asked.append(side_by_side)
        if side_by_side:  # as DuckDB says it when two sorts fill its cap
            raise duckdb.OutOfMemoryException("could not allocate block of size 256.0 KiB (572.1 MiB/572.2 MiB used)")
        return write(con, staging, previous, unpublished, side_by_side, written)

    monkeypatch.setattr(publisher, "_write_tables", short_of_memory_side_by_side)
    staged = stage(marts, tmp_path / "b", "run-1", now=T0)
    assert asked == [True, False] and staged.one_at_a_time and not expected.one_at_a_time
    assert {t: e["sha256"] for t, e in staged.tables.items()} == {t: e["sha256"] for t, e in expected.tables.items()}


def test_tables_that_run_out_of_memory_one_at_a_time_raise_and_leave_no_partial_folder(marts, tmp_path, monkeypatch):
    from flows.warehouse import publish as publisher

    def short_of_memory(*args, **kwargs):
        raise duckdb.OutOfMemoryException("could not allocate block of size 256.0 KiB (572.1 MiB/572.2 MiB used)")

    monkeypatch.setattr(publisher, "_write_tables", short_of_memory)
    with pytest.raises(duckdb.OutOfMemoryException):
        stage(marts, tmp_path, "run-1", now=T0, side_by_side=False)
    assert list((tmp_path / "versions").iterdir()) == []


def test_marts_written_ahead_are_completed_into_the_same_version_and_bytes(marts, tmp_path, monkeypatch):
    """stage_ahead writes every mart but the mentions into a new hidden folder; stage(ahead=...) writes only
    the mentions into it, and the version is the one a plain stage gives, byte for byte."""
    from flows.warehouse import publish as publisher

    expected = stage(marts, tmp_path / "a", "run-1", now=T0)
    ahead = publisher.stage_ahead(marts, tmp_path / "b", "run-1", now=T0)
    assert ahead.folder.name.startswith(".") and ahead.folder.name.endswith(".partial")
    assert sorted(p.name for p in ahead.folder.iterdir()) == sorted(
        f"{t}.parquet" for t in MART_TABLES if t != "mentions"
    )
    assert current_version(tmp_path / "b") is None  # nothing a reader sees
    copied = []
    copy = publisher._copy
    monkeypatch.setattr(publisher, "_copy", lambda con, table, folder: copied.append(table) or copy(con, table, folder))
    monkeypatch.setattr(publisher.merged, "write", _recorded(publisher.merged.write, copied))
    staged = stage(marts, tmp_path / "b", "run-1", ahead=ahead)
    assert copied == ["mentions"] and staged.folder == ahead.folder and staged.name == expected.name
    assert {t: e["sha256"] for t, e in staged.tables.items()} == {t: e["sha256"] for t, e in expected.tables.items()}
    assert staged.changes == expected.changes


def _recorded(write, tables):
    def recording(con, table, *args, **kwargs):
        tables.append(table)
        return write(con, table, *args, **kwargs)

    return recording


def test_marts_written_ahead_that_fail_leave_no_folder_and_discard_removes_one(marts, tmp_path, monkeypatch):
    from flows.warehouse import publish as publisher

    ahead = publisher.stage_ahead(marts, tmp_path, "run-1", now=T0)
    discard(ahead)  # validation failed
    assert list((tmp_path / "versions").iterdir()) == []
    copy = publisher._copy

    def full_disk_at_metrics(con, table, folder):
        if table == "metrics":
            raise OSError(28, "No space left on device")
        copy(con, table, folder)

    monkeypatch.setattr(publisher, "_copy", full_disk_at_metrics)
    with pytest.raises(OSError, match="No space left"):
        publisher.stage_ahead(marts, tmp_path, "run-2", now=T0)
    assert list((tmp_path / "versions").iterdir()) == []
