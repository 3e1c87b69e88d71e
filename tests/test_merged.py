"""The mentions' Parquet merged from the previous version's file has the bytes a whole write of the same
mart gives, whatever documents changed, came or went (flows/warehouse/merged.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from flows.warehouse import merged

ORDER = "doc_id, char_start, entity_kind, entity_id, char_end"


@pytest.fixture
def marts(monkeypatch) -> duckdb.DuckDBPyConnection:
    """A mentions mart of 12 documents, 1-5 rows each; row groups of 7 rows, so that documents straddle
    row groups and batches; merging allowed whatever the share of documents changed."""
    monkeypatch.setattr(merged, "ROW_GROUP_ROWS", 7)
    monkeypatch.setattr(merged, "MERGE_SHARE", 1.0)
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.documents as select 'd' || lpad(i::varchar, 2, '0') as doc_id from range(12) t(i)")
    con.execute(
        """
        create table marts.mentions as
        select
            'n_' || d.doc_id || '_' || j as mention_id, d.doc_id, kind as entity_kind, 'e' || (j % 3) as entity_id,
            (j * 10)::integer as char_start, (j * 10 + 4)::integer as char_end, 'surface ' || j as surface,
            'evidence of ' || d.doc_id as evidence
        from marts.documents as d, range(1 + (hash(d.doc_id) % 5)::bigint) t(j), (values ('party'), ('region')) k(kind)
        where j % 2 = 0 or kind = 'party'
        """
    )
    return con


def _whole(con: duckdb.DuckDBPyConnection, path: Path) -> bytes:
    assert merged.write(con, "mentions", ORDER, path) is None
    return path.read_bytes()


CHANGES = {
    "nothing": [],
    "one document's rows": ["update marts.mentions set surface = surface || '!' where doc_id = 'd05'"],
    "a document gone": ["delete from marts.mentions where doc_id = 'd07'"],
    "documents first, between and last": [
        "insert into marts.mentions select * replace ('a' || doc_id as doc_id, 'x' || mention_id as mention_id) "
        "from marts.mentions where doc_id = 'd03'",
        "insert into marts.mentions select * replace (doc_id || 'b' as doc_id, 'y' || mention_id as mention_id) "
        "from marts.mentions where doc_id = 'd04'",
        "insert into marts.mentions select * replace ('z' || doc_id as doc_id, 'z' || mention_id as mention_id) "
        "from marts.mentions where doc_id = 'd09'",
    ],
    "rows added to and removed from documents": [
        "delete from marts.mentions where doc_id = 'd00' and entity_kind = 'region'",
        "insert into marts.mentions select * replace (char_start + 1 as char_start, mention_id || 'p' as mention_id) "
        "from marts.mentions where doc_id in ('d01', 'd11')",
    ],
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_merged_file_has_the_bytes_of_a_whole_write(marts, tmp_path, change):
    previous = tmp_path / "previous.parquet"
    _whole(marts, previous)
    for statement in CHANGES[change]:
        marts.execute(statement)
    # the documents with a row in one version only, and two listed anyway (unchanged, or not there)
    changed = [
        d
        for (d,) in marts.execute(
            """
            select doc_id from ((from marts.mentions except from read_parquet($p))
                                union all (from read_parquet($p) except from marts.mentions))
            union select unnest(['d05', 'd07'])
            order by 1""",
            {"p": previous.as_posix()},
        ).fetchall()
    ]
    target = tmp_path / "merged.parquet"
    assert merged.write(marts, "mentions", ORDER, target, previous, changed) == len(changed)
    assert target.read_bytes() == _whole(marts, tmp_path / "whole.parquet")
    file = pq.ParquetFile(target)
    assert file.metadata.num_rows == marts.execute("select count(*) from marts.mentions").fetchall()[0][0]
    assert {file.metadata.row_group(i).num_rows for i in range(file.num_row_groups - 1)} == {7}


def test_a_previous_file_of_another_shape_or_too_many_changes_mean_a_whole_write(marts, tmp_path, monkeypatch):
    previous = tmp_path / "previous.parquet"
    marts.execute(f"copy (select * exclude (evidence) from marts.mentions) to '{previous}' (format parquet)")
    assert merged.write(marts, "mentions", ORDER, tmp_path / "a.parquet", previous, ["d01"]) is None
    _whole(marts, previous)
    monkeypatch.setattr(merged, "MERGE_SHARE", 0.1)  # 2 of 12 documents is more than 10 %
    assert merged.write(marts, "mentions", ORDER, tmp_path / "b.parquet", previous, ["d01", "d02"]) is None
    assert merged.write(marts, "mentions", ORDER, tmp_path / "c.parquet", previous, ["d01"]) == 1


def test_a_column_is_required_in_parquet_exactly_when_it_holds_no_null(marts, tmp_path):
    marts.execute("update marts.mentions set surface = null where doc_id = 'd02'")
    path = tmp_path / "m.parquet"
    _whole(marts, path)
    schema = pq.ParquetFile(path).schema
    required = {schema.column(i).name: schema.column(i).max_definition_level == 0 for i in range(len(schema))}
    assert required == {c: c != "surface" for c in required}
