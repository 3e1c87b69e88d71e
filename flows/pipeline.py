"""The greenwire flow: ingest -> clean -> extract -> load -> build -> validate -> publish.

Only wiring lives here; each stage is a task in flows/tasks.py around a pure step.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import polars as pl
from prefect import flow
from prefect.runtime import flow_run
from prefect.settings import PREFECT_API_URL

from flows import batches, native, scaleout, tasks, warehouse
from flows import settings as settings_module
from flows.ops import incremental, reruns, runlog
from flows.ops.inventory import check_folders, settle_sidecars
from flows.ops.lock import WarehouseLocked, warehouse_lock
from flows.ops.reruns import RunSummary
from flows.warehouse import WarehouseBusy, integrity, validation
from flows.warehouse import publish as publisher
from flows.warehouse.runs import record_run
from flows.warehouse.validation import ValidationReport

__all__ = ["RunSummary", "StageFailed", "ValidationFailed", "greenwire_flow"]

T = TypeVar("T")

# Batches the extraction workers start beyond the one being loaded. Loading a batch takes 0.1-0.4 s and
# processing one ~1.1 s, but the load after which DuckDB checkpoints (LOAD_CHECKPOINT_THRESHOLD: once in a
# run of 100,000 articles) took 1.9-2.9 s: with one batch ahead the workers waited for it.
PREFETCH_BATCHES = 2
# (files, documents, facts) of one batch, ready to load
Made = tuple[pl.DataFrame, pl.DataFrame, dict[str, pl.DataFrame]]


class ValidationFailed(RuntimeError):
    """The marts broke an expectation: nothing was published."""

    def __init__(self, report: ValidationReport):
        self.report = report
        lines = "\n".join(f"  - {failure}" for failure in report.failures)
        super().__init__(
            f"validation failed: {len(report.failures)} of {report.evaluated} expectations; nothing was "
            f"published and publish/current is unchanged. Failing marts are kept in the warehouse for "
            f"inspection. Data Docs: {report.docs_index}\n{lines}"
        )


class StageFailed(RuntimeError):
    """A stage raised an error greenwire has no words of its own for (say a DuckDB internal error):
    one line naming the stage, the full error and trace in the run log."""

    def __init__(self, stage: str, cause: BaseException):
        self.stage = stage
        first = str(cause).strip().splitlines()[0][:300] if str(cause).strip() else ""
        kind = "" if isinstance(cause, batches.BatchFailed) else f"{type(cause).__name__}: "  # it says its own
        super().__init__(f"{stage} failed: {kind}{first}")


# Errors that already are one clear line for a person; anything else is wrapped in StageFailed.
CLEAR_ERRORS = (
    ValidationFailed,
    WarehouseLocked,
    WarehouseBusy,
    FileNotFoundError,
    NotADirectoryError,
    PermissionError,
)


def _in(stage: str, task: Callable[..., T], *args: Any) -> T:
    """Call a stage's task; an unexpected error becomes StageFailed(stage, error), a batch's failed part
    naming its own stage."""
    try:
        return task(*args)
    except CLEAR_ERRORS:
        raise
    except batches.BatchFailed as exc:
        raise StageFailed(exc.stage, exc) from exc
    except Exception as exc:
        raise StageFailed(stage, exc) from exc


@flow(name="greenwire", description="Raw Chinese green-development news -> validated Parquet dataset.")
def greenwire_flow(
    input_dir: str | None = None,
    warehouse_dir: str | None = None,
    wait_seconds: float = 0.0,
    force: bool = False,
    cluster: str | None = None,
) -> RunSummary:
    """Run the whole pipeline once; raises when any stage or any expectation fails. When nothing
    changed since the last publish it stops after ingest, unless `force`. With `cluster` (a Dask
    scheduler address) each batch is decoded, cleaned and extracted on the cluster (flows/scaleout.py);
    the flow must then run with scaleout.task_runner(cluster)."""
    settings = settings_module.load(input_dir, warehouse_dir, cluster)
    check_folders(settings.input_dir, settings.warehouse_dir)  # before the lock creates the warehouse
    run_id = str(flow_run.id or uuid.uuid4())
    with (
        warehouse_lock(settings.lock_file, wait_seconds=wait_seconds),
        runlog.run_log(settings.runs_dir, run_id) as log_file,
    ):
        runlog.write(
            "run",
            "started",
            f"{settings.input_dir} -> {settings.warehouse_dir}",
            input_dir=settings.input_dir,
            warehouse_dir=settings.warehouse_dir,
            prefect_api=PREFECT_API_URL.value() or None,  # None: Prefect's own temporary API
            native_modules=list(native.in_use()),  # compiled with mypyc (flows/native.py); [] plain Python
        )
        try:
            integrity.check(settings.database)  # a damaged warehouse is never written to, let alone published
        except integrity.WarehouseCorrupt as exc:
            runlog.failed(exc)
            raise
        publisher.clean_leftovers(settings.publish_dir)
        record_run(settings, run_id, "running", log_file=log_file)
        try:
            summary = _stages(settings, run_id, force)
        except BaseException as exc:
            validation.stop()  # the run ended before validating: its validating process goes too
            message = runlog.failed(exc)  # stage, one line, full trace; works on a full disk
            runlog.attach(exc, log_file)  # where the CLI points for the full trace
            try:
                record_run(settings, run_id, "failed", message=message)
            except Exception as unrecorded:  # e.g. the warehouse file is what failed: keep the first error
                runlog.write("run", "unrecorded", f"raw.runs not updated: {unrecorded}")
            raise
        if summary.unchanged_since:
            record_run(
                settings,
                run_id,
                "unchanged",
                summary=summary,
                message=f"nothing changed since run {summary.unchanged_since['run_id']}",
            )
            runlog.write("run", "unchanged", summary.unchanged_since["published_version"])
        else:
            record_run(settings, run_id, "published", summary=summary)
            runlog.write("run", "published", str(summary.published), articles=summary.articles, marts=summary.marts)
    return summary


def _stages(settings: settings_module.Settings, run_id: str, force: bool = False) -> RunSummary:
    ingested = _in("ingest", tasks.ingest, settings, run_id, force)  # --force reads and hashes every file again
    if ingested.unchanged_since and not force:
        return reruns.unchanged(run_id, ingested)
    inventory = ingested.inventory
    if validation.preload_while_batches_run(inventory, ingested.built):  # GX imports while the batches run
        validation.preload()
    summary = RunSummary(run_id=run_id, files=inventory, digest=ingested.digest)
    todo = batches.plan(inventory, settings.batch_files)
    tally = tasks.Tally(len(todo))
    tally.listing_seconds = ingested.seconds
    decoded: list[pl.DataFrame] = []
    with_articles: set[str] = set()
    made = _on_cluster(settings, run_id, todo, tally, summary) if settings.cluster else _here(settings, todo, tally)
    with _in("load", warehouse.loading, settings.database) as con:
        for index, (files, documents, facts) in enumerate(made, 1):
            _in("load", tasks.load_stage, con, run_id, files, documents, facts, tally, index)
            summary.extracted_articles += documents.height
            with_articles.update(documents["source_file"].unique().to_list() if documents.height else [])
            decoded.append(files.with_columns(text=pl.lit(None, pl.String)))
            del files, documents, facts  # only one batch of texts is ever held
    if decoded:  # the files read in a batch now have their final status (some were quarantined)
        read = pl.concat(decoded, how="diagonal_relaxed")  # a staged batch's columns may come in another order
        inventory = pl.concat([inventory.join(read, on="source_file", how="anti"), read], how="diagonal_relaxed").sort(
            "source_file"
        )
        # New and resized files were hashed as their batch read them: the digest the next run compares
        summary.digest = incremental.input_digest(
            ingested.inventory.update(read.select("source_file", "sha256"), on="source_file"), settings
        )
    inventory = _without_articles(settle_sidecars(inventory), with_articles)  # recorded in raw.files too
    totals = _in("load", tasks.finish, settings, run_id, inventory, tally)
    summary.files = inventory.select("source_file", "status", "reason", "encoding", "action")
    summary.articles, summary.relevant, summary.batches = totals["articles"], totals["relevant"], len(todo)
    # The validating process imports Great Expectations (2-3 s on one core) while the last marts are built,
    # once the build's own process is past its peak (warehouse.PEAK_MODELS; a large run starts it only then).
    summary.marts = _in("build", tasks.build, settings, validation.preload)
    summary.validation, staged = _validated(settings, run_id)
    if not summary.validation.success:
        if staged is not None:
            publisher.discard(staged)
        raise ValidationFailed(summary.validation)
    summary.published = _in(
        "publish", tasks.publish, settings, run_id, summary.validation, summary.files.height, staged
    )
    return summary


def _validated(
    settings: settings_module.Settings, run_id: str
) -> tuple[ValidationReport, publisher.Staged | publisher.Ahead | None]:
    """Validate the marts in a process apart, and return what the publish stage's Parquet wrote meanwhile,
    into a folder no reader sees (discarded if validation fails). When validation reads only the rows
    changed since the published version (validation.incremental_apart: a small process) and the mentions'
    Parquet is merged from the published one (publisher.merges: few documents changed), every table
    (publisher.stage). Otherwise (a first run, new suites, a large increment) the validating process reads
    every row and holds up to 1 GB: the marts but the mentions (publisher.stage_ahead), whose sort waits
    (None if that ran out of memory: then every table is written after)."""
    since = validation.baseline(publisher.current_version(settings.publish_dir))
    small = _in("validate", _small_increment, settings, since)
    running = _in("validate", validation.start_apart, settings.database, settings.docs_dir, None, since)
    written: publisher.Staged | publisher.Ahead | None = (
        _in("publish", tasks.stage_publish, settings, run_id, True)
        if small
        else _in("publish", tasks.stage_ahead, settings, run_id)
    )
    try:
        return _in("validate", tasks.validate, settings, None, running), written
    except BaseException:
        if written is not None:
            publisher.discard(written)
        raise


def _small_increment(settings: settings_module.Settings, since: validation.Baseline | None) -> bool:
    """Whether validating and writing the Parquet both read only what changed since the published version."""
    if not validation.incremental_apart(settings.database, since):
        return False
    with warehouse.connect(settings.database, read_only=True) as con:
        return publisher.merges(con, settings.publish_dir)


def _here(settings: settings_module.Settings, todo: list[pl.DataFrame], tally: tasks.Tally) -> Iterator[Made]:
    """Each batch read, cleaned and extracted by the extraction workers (in this process for a small
    batch), in order; the workers start on the next batch before this one is handed on to be loaded."""
    with batches.Extractor(settings.workers) as extractor:
        for index, rows in enumerate(todo, 1):
            # This batch and the next ones are under way before this one is waited for: a worker done with
            # its share goes on with the next batch's, never idle while this process gathers and loads.
            for ahead in todo[index - 1 : index + PREFETCH_BATCHES]:
                extractor.prefetch(ahead, settings.input_dir)
            batch = _in("ingest", tasks.process_stage, settings, rows, extractor, tally, index)
            yield batch.files, batch.documents, batch.facts


def _on_cluster(
    settings: settings_module.Settings, run_id: str, todo: list[pl.DataFrame], tally: tasks.Tally, summary: RunSummary
) -> Iterator[Made]:
    """Every batch submitted to the Dask cluster at once; their staged Parquet read back in batch
    order, so the warehouse is loaded exactly as a local run loads it."""
    staging = scaleout.staging_dir(settings.warehouse_dir, run_id)
    scaleout.clear_staging(settings.warehouse_dir)  # leftovers of a killed run
    futures = [
        scaleout.process_batch.submit(rows, str(settings.input_dir), str(staging), index)
        for index, rows in enumerate(todo, 1)
    ]
    workers: set[str] = set()
    started = time.perf_counter()
    try:
        for index, future in enumerate(futures, 1):
            done = _in("extract", future.result)
            workers.add(done["worker"])
            batch = scaleout.read_staged(done["path"])
            tally.batch(
                "extract",
                index,
                time.perf_counter() - started,
                f"{done['articles']} articles from {batch.files.height} files on {done['worker']}",
                {"articles": done["articles"]},
            )
            started = time.perf_counter()
            yield batch.files, batch.documents, batch.facts
    finally:
        summary.cluster_workers = len(workers)
        scaleout.clear_staging(settings.warehouse_dir)


def _without_articles(inventory: pl.DataFrame, with_articles: set[str]) -> pl.DataFrame:
    """A note on each file this run read that gave no article (never a silent zero)."""
    empty = (
        (pl.col("status") == "processed")
        & (pl.col("action") == "extract")
        & ~pl.col("source_file").is_in(sorted(with_articles))
    )
    noted = inventory.with_columns(
        reason=pl.when(empty)
        .then(pl.lit("read, but no article found in it (only chrome, junk or too little text)"))
        .otherwise(pl.col("reason"))
    )
    for name in noted.filter(empty)["source_file"]:
        runlog.write("clean", "no_articles", "no article found", source_file=name)
    return noted
