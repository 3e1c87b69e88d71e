"""raw.files bookkeeping: every entry's latest fate, whichever columns changed since the last run."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import polars as pl

from flows import warehouse
from flows.warehouse import runs

COLUMNS = ("sha256", "sidecar_sha256", "size_bytes", "status", "reason", "encoding", "extractor_version", "run_id")


def _inventory(*rows: tuple[str, str, str | None, str | None]) -> pl.DataFrame:
    """(source_file, sha256, status, reason) rows, shaped as the run's inventory."""
    return pl.DataFrame(
        [
            {
                "source_file": name,
                "sha256": sha,
                "sidecar_sha256": None,
                "size_bytes": len(sha),
                "modified_at": datetime(2026, 11, 30, tzinfo=UTC),
                "status": status,
                "reason": reason,
                "encoding": "utf-8" if status == "processed" else None,
            }
            for name, sha, status, reason in rows
        ],
        schema_overrides={"sidecar_sha256": pl.String, "reason": pl.String, "encoding": pl.String},
    )


def _files(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, object]]:
    listed = con.sql(f"select source_file, first_seen_at, last_seen_at, {', '.join(COLUMNS)} from raw.files")
    return {row[0]: dict(zip(listed.columns[1:], row[1:])) for row in listed.fetchall()}


def test_each_run_records_every_entrys_latest_fate_and_keeps_when_it_was_first_seen():
    con = duckdb.connect()
    warehouse.ensure_schemas(con)
    first, second = datetime(2026, 12, 1, 8, tzinfo=UTC), datetime(2026, 12, 2, 8, tzinfo=UTC)
    runs.record_files(
        con,
        _inventory(("a.txt", "aa", "processed", None), ("b.txt", "bb", "processed", None)),
        "run-1",
        first,
        [],
        "v1",
    )
    runs.record_files(
        con,
        _inventory(
            ("a.txt", "aa", "processed", None),  # unchanged
            ("b.txt", "b2", "quarantined", "not text: binary data"),  # changed
            ("c.txt", "cc", "processed", None),  # new
        ),
        "run-2",
        second,
        ["d.txt"],
        "v2",
    )
    files = _files(con)
    assert sorted(files) == ["a.txt", "b.txt", "c.txt"]
    assert files["a.txt"] | {"first_seen_at": None, "last_seen_at": None} == {
        "first_seen_at": None,
        "last_seen_at": None,
        "sha256": "aa",
        "sidecar_sha256": None,
        "size_bytes": 2,
        "status": "processed",
        "reason": None,
        "encoding": "utf-8",
        "extractor_version": "v2",
        "run_id": "run-2",
    }
    assert (files["a.txt"]["first_seen_at"], files["a.txt"]["last_seen_at"]) == (first, second)
    assert {k: files["b.txt"][k] for k in ("sha256", "status", "reason", "encoding", "extractor_version")} == {
        "sha256": "b2",
        "status": "quarantined",
        "reason": "not text: binary data",
        "encoding": None,
        "extractor_version": None,
    }
    assert (files["c.txt"]["first_seen_at"], files["c.txt"]["run_id"]) == (second, "run-2")
