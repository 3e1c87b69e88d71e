"""The mentions' Parquet, written whole or merged from the last version's file and the changed documents.

Publishing sorts every mart (publish.ORDER_BY). For the mentions, 2.7 million rows at 100,000 articles,
DuckDB's sort and Parquet writer took 8-10 s of CPU on every run, even one that added 100 files. The
file is sorted by doc_id first, so a document's rows are one run of it, and after an incremental build
only the documents it recomputed can differ (increments.unpublished). Such a run reads the current
version's file in order, drops the runs of those documents, and puts their new rows, sorted, where
they belong: no sort of the whole table (about 5 s of CPU against 8-10).

Both ways go through one writer that sees only the sequence of rows (RowGroups: row groups of exactly
ROW_GROUP_ROWS rows, each column one contiguous array, a column required when the mart has no null in
it), so a merged file has the bytes a whole write of the same mart gives (tests/test_merged.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 122_880  # DuckDB's own row group size, which the file had when DuckDB wrote it
KEY = "doc_id"  # the first sort column: each document's rows are one run of the file
# Above this share of the documents changed, reading the old file saves nothing: the mart is sorted whole.
MERGE_SHARE = 0.05
# mention_id is a hash, unique per row: a dictionary of it is built and thrown away for nothing.
PLAIN_COLUMNS = frozenset({"mention_id"})
# A row group's distinct evidence sentences pass pyarrow's 1 MB default, and the column fell back to plain
# strings: a file of 53 MB that DuckDB read at half speed (validation's comparison with the last version
# 1.6 -> 3.4 s). With 4 MB: 44 MB (DuckDB's own writer: 50), read as fast as DuckDB's, written faster.
DICTIONARY_PAGE_BYTES = 4 << 20


class RowGroups:
    """A Parquet writer fed batches of any size that writes row groups of exactly `rows` rows, each
    column as one contiguous array: the file's bytes depend on the sequence of rows alone, not on the
    batches they came in."""

    def __init__(self, path: Path, schema: pa.Schema, rows: int | None = None) -> None:
        self.schema = schema
        self.rows = rows or ROW_GROUP_ROWS
        dictionary = [f.name for f in schema if f.name not in PLAIN_COLUMNS]
        self._writer = pq.ParquetWriter(
            path, schema, compression="zstd", use_dictionary=dictionary, dictionary_pagesize_limit=DICTIONARY_PAGE_BYTES
        )
        self._pending: list[pa.RecordBatch] = []
        self._count = 0

    def add(self, data: pa.RecordBatch | pa.Table) -> None:
        for batch in data.to_batches() if isinstance(data, pa.Table) else [data]:
            if batch.num_rows:
                self._pending.append(pa.RecordBatch.from_arrays(batch.columns, schema=self.schema))
                self._count += batch.num_rows
        while self._count >= self.rows:
            self._flush(self.rows)

    def close(self) -> None:
        if self._count:
            self._flush(self._count)
        self._writer.close()

    def _flush(self, rows: int) -> None:
        table = pa.Table.from_batches(self._pending, schema=self.schema)
        self._writer.write_table(table.slice(0, rows).combine_chunks(), row_group_size=rows)
        rest = table.slice(rows)
        self._pending, self._count = rest.to_batches(), rest.num_rows


def write(
    con: duckdb.DuckDBPyConnection,
    table: str,
    order_by: str,
    target: Path,
    previous: Path | None = None,
    changed: list[str] | None = None,
) -> int | None:
    """marts.<table> sorted by `order_by` (which starts with doc_id) into `target`. With `previous` (the
    current version's file of the table, sorted the same way) and `changed` (every document whose rows
    may differ from it), merged when few documents changed; returns how many documents were merged in,
    or None when the table was sorted whole."""
    schema = _schema(con, table)
    if previous is not None and changed is not None and _mergeable(con, previous, changed, schema):
        _merge(con, table, order_by, target, previous, changed, schema)
        return len(changed)
    reader = con.sql(f"select * from marts.{table} order by {order_by}").to_arrow_reader(ROW_GROUP_ROWS)
    writer = RowGroups(target, schema)
    for batch in reader:
        writer.add(batch)
    writer.close()
    return None


def _schema(con: duckdb.DuckDBPyConnection, table: str) -> pa.Schema:
    """The mart's Arrow schema, a column non-nullable (required in Parquet) when it holds no null, as
    DuckDB's own writer decides from its statistics."""
    relation = con.sql(f"select * from marts.{table}")
    schema = relation.limit(0).to_arrow_table().schema
    full = ", ".join(f'count(*) = count("{c}")' for c in relation.columns)
    counts = con.execute(f"select {full} from marts.{table}").fetchall()[0]
    return pa.schema([f.with_nullable(not full) for f, full in zip(schema, counts, strict=True)])


def few(con: duckdb.DuckDBPyConnection, changed: list[str]) -> bool:
    """Whether `changed` is few enough documents to merge: at most MERGE_SHARE of marts.documents."""
    documents: int = con.execute("select count(*) from marts.documents").fetchall()[0][0]
    return len(changed) <= MERGE_SHARE * max(documents, 1)


def _mergeable(con: duckdb.DuckDBPyConnection, previous: Path, changed: list[str], schema: pa.Schema) -> bool:
    """Whether merging pays and is sound: few documents changed, and the previous file has the mart's
    columns and types (another shape, and the table is written whole)."""
    if not few(con, changed) or not previous.is_file():
        return False
    try:
        before = pq.read_schema(previous)
    except (OSError, pa.ArrowInvalid):
        return False
    return [(f.name, f.type) for f in before] == [(f.name, f.type) for f in schema]


def _merge(
    con: duckdb.DuckDBPyConnection,
    table: str,
    order_by: str,
    target: Path,
    previous: Path,
    changed: list[str],
    schema: pa.Schema,
) -> None:
    """The previous file's rows in order, less those of the changed documents, with the changed
    documents' rows from the mart put in place: each before the first old row of a later document."""
    fresh = con.sql(
        f"select * from marts.{table} where {KEY} in (select unnest($changed)) order by {order_by}",
        params={"changed": changed},
    ).to_arrow_table()
    places = _places(con, table, previous, changed)
    gone = pa.array(changed, pa.string())
    writer = RowGroups(target, schema)
    block = 0
    offset = 0  # rows of the previous file before this batch
    for batch in pq.ParquetFile(previous).iter_batches(batch_size=ROW_GROUP_ROWS):
        keep = pc.invert(pc.is_in(batch.column(KEY), value_set=gone))
        at = 0
        while block < len(places) and places[block]["before_row"] < offset + batch.num_rows:
            cut = places[block]["before_row"] - offset
            writer.add(batch.slice(at, cut - at).filter(keep.slice(at, cut - at)))
            writer.add(fresh.slice(places[block]["first"], places[block]["rows"]))
            at, block = cut, block + 1
        writer.add(batch.slice(at).filter(keep.slice(at)))
        offset += batch.num_rows
    for place in places[block:]:
        writer.add(fresh.slice(place["first"], place["rows"]))
    writer.close()


def _places(con: duckdb.DuckDBPyConnection, table: str, previous: Path, changed: list[str]) -> list[dict[str, Any]]:
    """Where each changed document's new rows go, in order: {"first": its first row among the new rows,
    "rows": how many, "before_row": how many rows of the previous file have a smaller doc_id}."""
    found = con.execute(
        f"""
        with fresh as (
            select {KEY}, count(*) as rows from marts.{table}
            where {KEY} in (select unnest($changed)) group by {KEY}
        ),
        numbered as (select {KEY}, rows, sum(rows) over (order by {KEY}) - rows as first from fresh),
        old as (select {KEY}, count(*) as rows from read_parquet($previous) group by {KEY}),
        ends as (select {KEY}, sum(rows) over (order by {KEY}) as end_row from old)
        select n.first::bigint, n.rows::bigint, coalesce(e.end_row, 0)::bigint as before_row
        from numbered as n asof left join ends as e on n.{KEY} > e.{KEY}
        order by n.{KEY}
        """,
        {"changed": changed, "previous": previous.as_posix()},
    )
    return [{"first": first, "rows": rows, "before_row": before} for first, rows, before in found.fetchall()]
