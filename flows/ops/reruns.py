"""The run summary, the input check against raw.files, and reruns that cost nothing.

`quick_rerun` answers "nothing changed since the last publish" without starting Prefect (whose
import and temporary API take most of a small run): `greenwire run` asks it first, and starts
the flow only when there is work. A scheduled run inside Prefect makes the same check in its
ingest task (flows/tasks.py); both record the run as `unchanged`.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from flows import warehouse
from flows.ops import incremental, runlog
from flows.ops.inventory import list_files
from flows.ops.lock import WarehouseLocked, warehouse_lock
from flows.settings import Settings
from flows.warehouse import increments, runs

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
    unchanged_since: dict[str, Any] | None = None  # the last publish, when nothing changed since: nothing was done
    batches: int = 0
    cluster_workers: int = 0  # Dask workers that ran this run's batches (0: a local run)


@dataclass
class Checked:
    inventory: pl.DataFrame  # the listing, planned: `action` reuse | extract
    digest: str
    unchanged_since: dict[str, Any] | None
    seconds: float
    folders: tuple[Path, Path] | None = None  # (input_dir, warehouse_dir) it was made for
    built: bool = False  # the warehouse's last build completed and ran this code: the next may be incremental


# A check `quick_rerun(..., hand_over=True)` made and found work in: the flow's ingest, run next in
# the same process under the same hold of the warehouse lock, takes it instead of listing and hashing
# the folder a second time (6 s at 100,000 articles). `handed_over()` ends the hand-over either way.
_handed: Checked | None = None


def check(settings: Settings, run_id: str, rehash: bool = False) -> Checked:
    """List and hash the input folder and plan it against raw.files; say whether the last publish
    had this very input (incremental.last_publish_of). A file whose size and modification time are
    those raw.files recorded keeps its recorded hash without being read (as git's index does),
    unless `rehash`. A check handed over by quick_rerun for this folder and warehouse is taken as is."""
    global _handed
    handed, _handed = _handed, None
    if handed is not None and not rehash and handed.folders == (settings.input_dir, settings.warehouse_dir):
        return handed
    started = time.perf_counter()
    with warehouse.connect(settings.database) as con:
        warehouse.ensure_schemas(con)
        previous = runs.recorded_files(con)
    known = None if rehash else previous.select("source_file", "size_bytes", "modified_at", "sha256")
    listing = list_files(settings.input_dir, settings.max_file_bytes, known=known)
    digest = incremental.input_digest(listing, settings)
    with warehouse.connect(settings.database) as con:
        unchanged_since = incremental.last_publish_of(con, digest, run_id, settings.publish_dir)
        built = increments.built(con, incremental.code_digest(settings.sql_dir))
    inventory = incremental.plan(listing, previous.drop("size_bytes", "modified_at"), incremental.fingerprint())
    seconds = round(time.perf_counter() - started, 3)
    folders = (settings.input_dir, settings.warehouse_dir)
    return Checked(inventory, digest, unchanged_since, seconds, folders, built)


def handed_over() -> None:
    """Drop a check quick_rerun handed over that no flow took (the flow failed before ingest)."""
    global _handed
    _handed = None


def quick_rerun(settings: Settings, hand_over: bool = False) -> RunSummary | None:
    """The summary of a run recorded `unchanged`, when nothing changed since the last publish;
    None when there is work to do (or another run holds the warehouse): then start the flow, whose
    ingest takes this check when `hand_over` (the caller holds the lock until the flow has run). With
    `hand_over` a first run's folder is listed here too: at 100,000 files the batches started 2.5 s sooner."""
    global _handed
    if not settings.database.exists() and not hand_over:
        return None
    run_id = str(uuid.uuid4())
    try:
        with warehouse_lock(settings.lock_file), runlog.run_log(settings.runs_dir, run_id) as log_file:
            published = 0
            if settings.database.exists():
                with warehouse.connect(settings.database) as con:
                    warehouse.ensure_schemas(con)
                    published = runs.published_runs(con)
            if not published and not hand_over:
                return None
            # Nothing published yet (a first run) has work by definition; the listing is still made here and
            # handed over, so that it runs while Prefect's temporary API starts instead of after it.
            checked = check(settings, run_id)
            since = checked.unchanged_since
            if since is None:
                _handed = checked if hand_over else None
                return None
            runlog.write(
                "run",
                "started",
                f"{settings.input_dir} -> {settings.warehouse_dir}",
                input_dir=settings.input_dir,
                warehouse_dir=settings.warehouse_dir,
                prefect=False,
            )
            runs.record_run(settings, run_id, "running", log_file=log_file)
            summary = unchanged(run_id, checked)
            runs.record_run(
                settings, run_id, "unchanged", summary=summary, message=f"nothing changed since run {since['run_id']}"
            )
            runlog.write("run", "unchanged", since["published_version"])
            return summary
    except (WarehouseLocked, warehouse.WarehouseBusy):
        return None


def unchanged(run_id: str, checked: Checked) -> RunSummary:
    """The summary of a run that found nothing to do; logs ingest's line and seconds."""
    since = checked.unchanged_since
    if since is None:
        raise ValueError(f"run {run_id}: unchanged() needs a check that found the input already published")
    inventory = checked.inventory
    counts = dict(inventory.group_by("status").len().iter_rows())
    message = (
        f"{inventory.height} entries, {counts.get('processed', 0)} files, nothing changed since run "
        f"{since['run_id']}: {since['published_version']} stays current"
    )
    print(f"greenwire | {'ingest':<8} | {message} ({checked.seconds:.1f} s)", flush=True)
    runlog.write("ingest", "done", message, seconds=checked.seconds, counts=counts)
    return RunSummary(
        run_id=run_id,
        files=inventory.select("source_file", "status", "reason", "encoding", "action"),
        articles=since["articles"] or 0,
        relevant=since["relevant"] or 0,
        digest=checked.digest,
        unchanged_since=since,
    )
