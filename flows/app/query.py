"""`greenwire query`: one read statement over the published tables, in a sandbox, printed for any type.

The connection is an in-memory DuckDB that sees the Parquet of one published version (registered
here as Arrow datasets, so DuckDB itself never opens a file) and nothing else: external access,
extension install and autoload are off and the configuration is locked before the user's SQL runs.
`COPY … TO`, `ATTACH`, `read_text()`, `glob()`, `EXPORT DATABASE` and `INSTALL` all fail inside
DuckDB, and the statement is also refused up front unless it is a single read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

if TYPE_CHECKING:
    from flows.warehouse import DuckDBConfig

SANDBOX: DuckDBConfig = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    # the user's SQL must not reach Python objects of this process by name (DuckDB's replacement scans)
    "python_enable_replacements": False,
}

# Types Polars takes from DuckDB without loss; every other one is rendered by DuckDB itself.
NATIVE = {
    "boolean",
    "tinyint",
    "smallint",
    "integer",
    "bigint",
    "utinyint",
    "usmallint",
    "uinteger",
    "ubigint",
    "float",
    "double",
    "decimal",
    "varchar",
    "date",
    "time",
    "timestamp",
    "timestamp_s",
    "timestamp_ms",
    "timestamp_ns",
    "timestamp with time zone",
    "uuid",
    "enum",
    "null",
}
NESTED = {"list", "array", "struct", "map", "union", "variant"}  # shown as JSON text in table and csv


class Refused(ValueError):
    """The SQL is not one read statement, or it failed: the message is for the terminal."""


def connect(current: Path) -> duckdb.DuckDBPyConnection:
    """A locked, in-memory DuckDB with one view per published table of `current` (publish/current)."""
    import pyarrow.dataset as ds

    version = current.resolve()  # a publish during the query must not mix two versions
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    con = duckdb.connect(":memory:", config=SANDBOX)
    for table, entry in manifest["tables"].items():
        con.register(table, ds.dataset(version / entry["file"], format="parquet"))
    con.execute("set TimeZone = 'UTC'")  # timestamps print the same on every machine, as stored
    con.execute("set lock_configuration = true")
    return con


def read_statement(sql: str) -> str:
    """The one read statement in `sql`, by DuckDB's own parser; Refused otherwise.

    "select 1" -> "select 1"; "copy t to 'x.csv'" and "select 1; select 2" -> Refused
    """
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise Refused(f"query failed: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise Refused(f"query refused: one statement at a time, got {len(statements)}")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise Refused(
            f"query refused: {kind.name} is not allowed; the published data is read-only "
            "(select, with, from, describe, show and summarize are)"
        )
    return sql


def run(con: duckdb.DuckDBPyConnection, sql: str, fmt: str = "table", max_rows: int = 50) -> str:
    """The result of one read statement as text: a table for people, or csv or json."""
    try:
        relation = con.sql(read_statement(sql))
        if fmt == "json":
            return _json(relation)
        frame = _frame(relation.limit(max_rows + 1) if fmt == "table" else relation)
    except duckdb.PermissionException as exc:
        raise Refused(f"query refused: only the published tables can be read ({_first_line(exc)})") from None
    except duckdb.Error as exc:
        raise Refused(f"query failed: {_first_line(exc)}") from None
    if fmt == "csv":
        return frame.write_csv()
    more = frame.height > max_rows
    with pl.Config(
        tbl_rows=max_rows,
        tbl_cols=-1,
        fmt_str_lengths=60,
        tbl_width_chars=200,
        fmt_float="full",
        tbl_hide_column_data_types=True,
        tbl_hide_dataframe_shape=True,
    ):
        text = str(frame.head(max_rows))
    if more:
        text += f"\n(first {max_rows} rows; --max-rows N for more, --format csv for all)"
    return text + "\n"


def _names(relation: duckdb.DuckDBPyRelation) -> list[str]:
    """Column names made unique the way Polars does (a, a_1), as SQL identifiers."""
    seen: dict[str, int] = {}
    names = []
    for name in relation.columns:
        unique = name if name not in seen else f"{name}_{seen[name]}"
        seen[name] = seen.get(name, 0) + 1
        names.append(unique)
    return names


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _frame(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """The result as Polars, with the types Polars cannot hold (interval, union, blob, …) as text."""
    columns = []
    for i, (name, dtype) in enumerate(zip(_names(relation), relation.types), start=1):
        if dtype.id in NATIVE:
            columns.append(f"#{i} as {_quote(name)}")
        elif dtype.id in NESTED:
            columns.append(f"to_json(#{i})::varchar as {_quote(name)}")
        else:
            columns.append(f"(#{i})::varchar as {_quote(name)}")
    frame: pl.DataFrame = relation.project(", ".join(columns)).pl()
    return frame


def _json(relation: duckdb.DuckDBPyRelation) -> str:
    """A JSON array with one object per row, one row a line; non-finite numbers become null."""
    fields = []
    for i, (name, dtype) in enumerate(zip(_names(relation), relation.types), start=1):
        value = f"case when isfinite(#{i}) then #{i} end" if dtype.id in ("float", "double") else f"#{i}"
        fields.append(f"{_quote(name)} := {value}")
    rows = [row[0] for row in relation.project(f"to_json(struct_pack({', '.join(fields)}))::varchar").fetchall()]
    # NaN or Infinity nested in a list is not JSON: those (rare) rows go through Python's parser.
    rows = [_finite(row) if "NaN" in row or "Infinity" in row else row for row in rows]
    return "[" + ",\n ".join(rows) + "]\n" if rows else "[]\n"


def _finite(row: str) -> str:
    return json.dumps(json.loads(row, parse_constant=lambda _: None), ensure_ascii=False, separators=(",", ":"))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
