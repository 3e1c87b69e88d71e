"""raw.runs and raw.files: every read and write of greenwire's bookkeeping tables is here.

raw.runs has one row per run (its outcome, counts and published version; `greenwire status`),
raw.files one row per input file ever seen, with its latest fate (incremental runs plan from it).
Their DDL is with the other raw tables in flows/warehouse/__init__.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from flows import warehouse
from flows.ops import runlog
from flows.settings import Settings
from flows.warehouse import increments
from flows.warehouse.transaction import transaction

if TYPE_CHECKING:
    from flows.ops.reruns import RunSummary


def recorded_files(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """What raw.files knows of every file: hashes, fate, the extractor that read it, size and mtime."""
    recorded: pl.DataFrame = con.sql(
        "select source_file, sha256, sidecar_sha256, status, extractor_version, size_bytes, modified_at from raw.files"
    ).pl()
    return recorded


def live_files(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every file raw.files has not marked deleted: live_files(con) -> ["a.html", "b.txt"]."""
    return [r[0] for r in con.execute("select source_file from raw.files where status != 'deleted'").fetchall()]


def files(con: duckdb.DuckDBPyConnection, status: str | None = None) -> list[dict[str, Any]]:
    """raw.files rows by path, all or those of one status: files(con, status="quarantined")."""
    listed = con.sql(
        "select source_file, status, reason, encoding, size_bytes, sha256, last_seen_at, run_id from raw.files "
        + ("where status = $status " if status else "")
        + "order by source_file",
        params={"status": status} if status else None,
    )
    return [dict(zip(listed.columns, row)) for row in listed.fetchall()]


def published_runs(con: duckdb.DuckDBPyConnection) -> int:
    """How many runs published a version."""
    published: int = con.execute("select count(*) from raw.runs where outcome = 'published'").fetchall()[0][0]
    return published


def last_run(con: duckdb.DuckDBPyConnection, other_than: str) -> dict[str, Any] | None:
    """The latest run that did something (`unchanged` runs aside), other than run `other_than`."""
    found = con.execute(
        """
        select run_id, outcome, input_digest, published_version, articles, relevant from raw.runs
        where run_id != ? and outcome != 'unchanged' order by started_at desc limit 1
        """,
        [other_than],
    )
    columns = [d[0] for d in found.description]
    row = found.fetchone()
    return dict(zip(columns, row)) if row else None


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int) -> list[dict[str, Any]]:
    """The last `limit` runs, newest first, with their seconds and counts."""
    recent = con.sql(
        """
        select run_id, started_at, finished_at, outcome,
               date_diff('millisecond', started_at, finished_at) / 1000.0 as seconds,
               files_seen, files_processed, files_extracted, files_reused, files_quarantined,
               articles, relevant, published_version, message, log_file
        from raw.runs order by started_at desc limit ?
        """,
        params=[limit],
    )
    return [dict(zip(recent.columns, row)) for row in recent.fetchall()]


def record_files(
    con: duckdb.DuckDBPyConnection,
    inventory: pl.DataFrame,
    run_id: str,
    now: datetime,
    vanished: list[str],
    version: str,
) -> None:
    """Upsert raw.files: one row per input file ever seen, with its latest fate."""
    frame = inventory.select(
        "source_file",
        "sha256",
        "sidecar_sha256",
        "size_bytes",
        "modified_at",
        "status",
        "reason",
        "encoding",
        extractor_version=pl.when(pl.col("status") == "processed").then(pl.lit(version)),
        run_id=pl.lit(run_id),
        seen_at=pl.lit(now),
    )
    con.register("seen", frame.to_arrow())
    # Updates, then an insert of the new paths (DuckDB's `insert ... on conflict do update` took 38 s for
    # the 120,000 entries of a 100,000-article folder). Every row gets this run's id and time, as constants
    # on the rows a semi-join keeps: they reach the update in the table's order. Taken from a join, they
    # came in the listing's order, and the same update took 1.0 s instead of 0.08 s there. The other
    # columns are written only where they differ: rewriting every row's text columns took 29 s there
    # once a few runs had updated them, writing what changed takes 0.1 s.
    con.execute(
        "update raw.files set run_id = $run_id, last_seen_at = $seen_at "
        "where source_file in (select source_file from seen)",
        {"run_id": run_id, "seen_at": now},
    )
    con.execute("""
        update raw.files as f set
            sha256 = s.sha256, sidecar_sha256 = s.sidecar_sha256, size_bytes = s.size_bytes,
            modified_at = s.modified_at, status = s.status, reason = s.reason, encoding = s.encoding,
            extractor_version = s.extractor_version
        from seen as s
        where f.source_file = s.source_file
            and (
                f.sha256 is distinct from s.sha256
                or f.sidecar_sha256 is distinct from s.sidecar_sha256
                or f.size_bytes is distinct from s.size_bytes
                or f.modified_at is distinct from s.modified_at
                or f.status is distinct from s.status
                or f.reason is distinct from s.reason
                or f.encoding is distinct from s.encoding
                or f.extractor_version is distinct from s.extractor_version
            )
    """)
    con.execute("""
        insert into raw.files (source_file, sha256, sidecar_sha256, size_bytes, modified_at, status, reason,
                               encoding, extractor_version, run_id, first_seen_at, last_seen_at)
        select source_file, sha256, sidecar_sha256, size_bytes, modified_at, status, reason, encoding,
               extractor_version, run_id, seen_at, seen_at
        from seen
        where source_file not in (select source_file from raw.files)
    """)
    con.unregister("seen")
    if vanished:
        con.execute(
            "update raw.files set status = 'deleted', reason = 'no longer in the input folder; its rows were "
            "retracted', extractor_version = null, run_id = ? where source_file in (select unnest(?::varchar[]))",
            [run_id, vanished],
        )


INTERRUPTED = "the process ended before the run finished (killed or crashed); nothing was published"


def settle_unfinished(con: duckdb.DuckDBPyConnection) -> None:
    """Give every run still marked running in raw.runs its end: `failed` with the reason from its run
    log when it logged one (the warehouse could not be written, say a full disk), else `interrupted`."""
    for run_id, log_file in con.execute("select run_id, log_file from raw.runs where outcome = 'running'").fetchall():
        reason = runlog.last_failure(log_file)
        con.execute(
            "update raw.runs set outcome = ?, message = ? where run_id = ?",
            ["failed" if reason else "interrupted", reason or INTERRUPTED, run_id],
        )


def record_run(
    settings: Settings,
    run_id: str,
    outcome: str,
    message: str | None = None,
    summary: RunSummary | None = None,
    log_file: Path | None = None,
) -> None:
    """Keep raw.runs current, for `greenwire status`."""
    now = datetime.now(UTC)
    counts = {}
    if summary is not None:
        statuses = summary.files["status"].to_list()
        actions = summary.files["action"].to_list()
        version = summary.published.name if summary.published else None
        if summary.unchanged_since:
            version = summary.unchanged_since["published_version"]
        counts = {
            "files_seen": len(statuses),
            "files_processed": statuses.count("processed"),
            "files_quarantined": statuses.count("quarantined"),
            "files_extracted": actions.count("extract"),
            "files_reused": actions.count("reuse"),
            "articles": summary.articles,
            "relevant": summary.relevant,
            "published_version": version,
            "input_digest": summary.digest,
        }
    with warehouse.connect(settings.database) as con:
        warehouse.ensure_schemas(con)
        if outcome == "running":
            settle_unfinished(con)  # this run holds the lock: a run still marked running has ended
            con.execute(
                "insert into raw.runs (run_id, started_at, outcome, log_file) values (?, ?, ?, ?) "
                "on conflict (run_id) do update set outcome = excluded.outcome",
                [run_id, now, outcome, str(log_file) if log_file else None],
            )
            return
        columns = [
            "files_seen",
            "files_processed",
            "files_quarantined",
            "files_extracted",
            "files_reused",
            "articles",
            "relevant",
            "published_version",
            "input_digest",
        ]
        with transaction(con):
            con.execute(
                f"update raw.runs set outcome = ?, finished_at = ?, message = ?, "
                f"{', '.join(f'{c} = ?' for c in columns)} where run_id = ?",
                [outcome, now, message, *(counts.get(c) for c in columns), run_id],
            )
            if outcome == "published":  # the marts as they are now are that version
                increments.published(con)
