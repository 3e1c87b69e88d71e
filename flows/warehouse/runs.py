"""raw.runs bookkeeping, the run summary, and reruns that cost nothing.

`quick_rerun` answers "nothing changed since the last publish" without starting Prefect (whose
import and temporary API take most of a small run): `greenwire run` asks it first, and starts
the flow only when there is work. A scheduled run inside Prefect makes the same check in its
ingest task (flows/tasks.py); both record the run as `unchanged`.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from flows import warehouse
from flows.ops import incremental, runlog, status
from flows.ops.inventory import list_files
from flows.ops.lock import WarehouseLocked, warehouse_lock
from flows.settings import Settings

if TYPE_CHECKING:
    from flows.warehouse.validation import ValidationReport


@dataclass
class RunSummary:
    run_id: str
    files: pl.DataFrame  # source_file, status, reason, encoding, action (extract | reuse | null)
    articles: int = 0  # in the warehouse after this run, reused files' included
    relevant: int = 0
    extracted_articles: int = 0  # cleaned and extracted by this run
    marts: dict[str, int] = field(default_factory=dict)
    validation: ValidationReport | None = None
    published: Path | None = None
    digest: str | None = None  # incremental.input_digest of this run's input
    unchanged_since: dict | None = None  # the last publish, when nothing changed since: nothing was done
    batches: int = 0
    cluster_workers: int = 0  # Dask workers that ran this run's batches (0: a local run)


@dataclass
class Checked:
    inventory: pl.DataFrame  # the listing, planned: `action` reuse | extract
    digest: str
    unchanged_since: dict | None
    seconds: float


def check(settings: Settings, run_id: str, rehash: bool = False) -> Checked:
    """List and hash the input folder and plan it against raw.files; say whether the last publish
    had this very input (incremental.last_publish_of). A file whose size and modification time are
    those raw.files recorded keeps its recorded hash without being read (as git's index does),
    unless `rehash`."""
    started = time.perf_counter()
    with warehouse.connect(settings.database) as con:
        warehouse.ensure_schemas(con)
        previous = con.sql("select source_file, sha256, sidecar_sha256, status, extractor_version, size_bytes, "
                           "modified_at from raw.files").pl()
    known = None if rehash else previous.select("source_file", "size_bytes", "modified_at", "sha256")
    listing = list_files(settings.input_dir, settings.max_file_bytes, known=known)
    digest = incremental.input_digest(listing, settings)
    with warehouse.connect(settings.database) as con:
        unchanged_since = incremental.last_publish_of(con, digest, run_id, settings.publish_dir)
    inventory = incremental.plan(listing, previous.drop("size_bytes", "modified_at"), incremental.fingerprint())
    return Checked(inventory, digest, unchanged_since, round(time.perf_counter() - started, 3))


def quick_rerun(settings: Settings) -> RunSummary | None:
    """The summary of a run recorded `unchanged`, when nothing changed since the last publish;
    None when there is work to do (or another run holds the warehouse): then start the flow."""
    if not settings.database.exists():
        return None
    run_id = str(uuid.uuid4())
    try:
        with warehouse_lock(settings.lock_file), runlog.run_log(settings.runs_dir, run_id) as log_file:
            with warehouse.connect(settings.database) as con:
                warehouse.ensure_schemas(con)
                last = con.execute("select count(*) from raw.runs where outcome = 'published'").fetchall()[0][0]
            if not last:
                return None
            checked = check(settings, run_id)
            if checked.unchanged_since is None:
                return None
            runlog.write("run", "started", f"{settings.input_dir} -> {settings.warehouse_dir}",
                         input_dir=settings.input_dir, warehouse_dir=settings.warehouse_dir, prefect=False)
            record_run(settings, run_id, "running", log_file=log_file)
            summary = unchanged(run_id, checked)
            record_run(settings, run_id, "unchanged", summary=summary,
                       message=f"nothing changed since run {summary.unchanged_since['run_id']}")
            runlog.write("run", "unchanged", summary.unchanged_since["published_version"])
            return summary
    except (WarehouseLocked, warehouse.WarehouseBusy):
        return None


def unchanged(run_id: str, checked: Checked) -> RunSummary:
    """The summary of a run that found nothing to do; logs ingest's line and seconds."""
    since = checked.unchanged_since
    inventory = checked.inventory
    counts = dict(inventory.group_by("status").len().iter_rows())
    message = (f"{inventory.height} entries, {counts.get('processed', 0)} files, nothing changed since run "
               f"{since['run_id']}: {since['published_version']} stays current")
    print(f"greenwire | {'ingest':<8} | {message} ({checked.seconds:.1f} s)", flush=True)
    runlog.write("ingest", "done", message, seconds=checked.seconds, counts=counts)
    return RunSummary(run_id=run_id, files=inventory.select("source_file", "status", "reason", "encoding", "action"),
                      articles=since["articles"] or 0, relevant=since["relevant"] or 0, digest=checked.digest,
                      unchanged_since=since)


def record_run(settings: Settings, run_id: str, outcome: str, message: str | None = None,
               summary: RunSummary | None = None, log_file: Path | None = None) -> None:
    """Keep raw.runs current, for `greenwire status`."""
    now = datetime.now(timezone.utc)
    counts = {}
    if summary is not None:
        statuses = summary.files["status"].to_list()
        actions = summary.files["action"].to_list()
        version = summary.published.name if summary.published else None
        if summary.unchanged_since:
            version = summary.unchanged_since["published_version"]
        counts = dict(files_seen=len(statuses), files_processed=statuses.count("processed"),
                      files_quarantined=statuses.count("quarantined"), files_extracted=actions.count("extract"),
                      files_reused=actions.count("reuse"), articles=summary.articles, relevant=summary.relevant,
                      published_version=version, input_digest=summary.digest)
    with warehouse.connect(settings.database) as con:
        warehouse.ensure_schemas(con)
        if outcome == "running":
            status.settle_unfinished(con)  # this run holds the lock: a run still marked running has ended
            con.execute("insert into raw.runs (run_id, started_at, outcome, log_file) values (?, ?, ?, ?) "
                        "on conflict (run_id) do update set outcome = excluded.outcome",
                        [run_id, now, outcome, str(log_file) if log_file else None])
            return
        columns = ["files_seen", "files_processed", "files_quarantined", "files_extracted", "files_reused",
                   "articles", "relevant", "published_version", "input_digest"]
        con.execute(
            f"update raw.runs set outcome = ?, finished_at = ?, message = ?, "
            f"{', '.join(f'{c} = ?' for c in columns)} where run_id = ?",
            [outcome, now, message, *(counts.get(c) for c in columns), run_id],
        )
