"""`greenwire status`: the last runs, what is published, and the quarantined files, from the warehouse.

Reads raw.runs and raw.files read-only, the publish manifest and the quarantine manifest; it
never changes anything, and works while no run is writing to the warehouse file.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from flows import warehouse
from flows.ops import lock, quarantine, runlog
from flows.settings import Settings
from flows.warehouse import integrity
from flows.warehouse import runs as bookkeeping


@dataclass
class Status:
    warehouse_dir: Path
    active_run: dict[str, Any] | None  # the lock holder, when a run is in progress
    runs: list[dict[str, Any]] = field(default_factory=list)  # newest first
    published: dict[str, Any] | None = None  # manifest.json of publish/current
    quarantined: list[dict[str, Any]] = field(default_factory=list)  # raw.files rows, with their quarantine copy


def read(settings: Settings, runs: int = 10, wait_seconds: float = 10.0) -> Status:
    """The status of settings' warehouse; FileNotFoundError before the first run, WarehouseBusy
    when a run keeps the warehouse file for longer than wait_seconds."""
    status = Status(settings.warehouse_dir, lock.holder(settings.lock_file))
    with _open(settings.database, wait_seconds) as con:
        integrity.verify(con, settings.database)
        status.runs = bookkeeping.recent_runs(con, runs)
        status.quarantined = bookkeeping.files(con, status="quarantined")
    if status.active_run is None:  # a run marked running without the lock ended without recording it
        for run in status.runs:
            if run["outcome"] == "running":
                # its log has the reason when the failure could not be written to the warehouse (a full disk)
                reason = runlog.last_failure(run["log_file"])
                run["outcome"], run["message"] = (
                    ("failed", reason) if reason else ("interrupted", bookkeeping.INTERRUPTED)
                )
    copies = {e["source_file"]: e for e in quarantine.read(settings.quarantine_dir)}
    for row in status.quarantined:
        entry = copies.get(row["source_file"], {})
        row["copy"] = str(settings.quarantine_dir / entry["copy"]) if entry.get("copy") else None
    manifest = settings.current / "manifest.json"
    if manifest.exists():
        status.published = json.loads(manifest.read_text(encoding="utf-8"))
    return status


def files(settings: Settings, wait_seconds: float = 10.0) -> list[dict[str, Any]]:
    """Every input file of the warehouse (raw.files) with its status and reason, by path."""
    with _open(settings.database, wait_seconds) as con:
        return bookkeeping.files(con)


def _open(database: Path, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = warehouse.connect(database, read_only=True)
            break
        except warehouse.WarehouseBusy:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)
        except duckdb.Error as exc:
            found = integrity.damage(exc, database)
            if found is None:
                raise
            raise found from exc
    # A warehouse from an older greenwire may lack the newest bookkeeping columns.
    missing = {"files_extracted", "files_reused", "relevant", "log_file"} - {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = 'runs'"
        ).fetchall()
    }
    if missing:
        con.close()
        raise FileNotFoundError(f"the warehouse {database} predates `greenwire status`: run `greenwire run` once")
    return con
