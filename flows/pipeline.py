"""The greenwire flow: ingest -> clean -> extract -> load -> build -> validate -> publish.

Only wiring lives here; each stage is a task in flows/io.py around a pure step.
"""
from __future__ import annotations

import traceback
import uuid

import polars as pl
from prefect import flow
from prefect.runtime import flow_run

from flows import batches, io, runlog
from flows import settings as settings_module
from flows.inventory import settle_sidecars
from flows.lock import WarehouseLocked, warehouse_lock
from flows import runs
from flows.runs import RunSummary, record_run
from flows.validation import ValidationReport
from flows.warehouse import WarehouseBusy

__all__ = ["RunSummary", "StageFailed", "ValidationFailed", "greenwire_flow"]


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
        super().__init__(f"{stage} failed: {type(cause).__name__}: {first}")


# Errors that already are one clear line for a person; anything else is wrapped in StageFailed.
CLEAR_ERRORS = (ValidationFailed, WarehouseLocked, WarehouseBusy, FileNotFoundError, NotADirectoryError,
                PermissionError)


def _in(stage: str, task, *args):
    """Call a stage's task; an unexpected error becomes StageFailed(stage, error)."""
    try:
        return task(*args)
    except CLEAR_ERRORS:
        raise
    except Exception as exc:
        raise StageFailed(stage, exc) from exc


@flow(name="greenwire", description="Raw Chinese green-development news -> validated Parquet dataset.")
def greenwire_flow(input_dir: str | None = None, warehouse_dir: str | None = None,
                   wait_seconds: float = 0.0, force: bool = False) -> RunSummary:
    """Run the whole pipeline once; raises when any stage or any expectation fails. When nothing
    changed since the last publish it stops after ingest, unless `force`."""
    settings = settings_module.load(input_dir, warehouse_dir)
    run_id = str(flow_run.id or uuid.uuid4())
    with warehouse_lock(settings.lock_file, wait_seconds=wait_seconds), \
            runlog.run_log(settings.runs_dir, run_id) as log_file:
        runlog.write("run", "started", f"{settings.input_dir} -> {settings.warehouse_dir}",
                     input_dir=settings.input_dir, warehouse_dir=settings.warehouse_dir)
        record_run(settings, run_id, "running", log_file=log_file)
        try:
            summary = _stages(settings, run_id, force)
        except BaseException as exc:
            message = str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
            runlog.write("run", "failed", message, error=type(exc).__name__, traceback=traceback.format_exc())
            exc.run_log = log_file  # where the CLI points for the full trace
            try:
                record_run(settings, run_id, "failed", message=message)
            except Exception as unrecorded:  # e.g. the warehouse file is what failed: keep the first error
                runlog.write("run", "unrecorded", f"raw.runs not updated: {unrecorded}")
            raise
        if summary.unchanged_since:
            record_run(settings, run_id, "unchanged", summary=summary,
                        message=f"nothing changed since run {summary.unchanged_since['run_id']}")
            runlog.write("run", "unchanged", summary.unchanged_since["published_version"])
        else:
            record_run(settings, run_id, "published", summary=summary)
            runlog.write("run", "published", str(summary.published), articles=summary.articles,
                         marts=summary.marts)
    return summary


def _stages(settings: settings_module.Settings, run_id: str, force: bool = False) -> RunSummary:
    ingested = _in("ingest", io.ingest, settings, run_id)
    if ingested.unchanged_since and not force:
        return runs.unchanged(run_id, ingested)
    inventory = ingested.inventory
    summary = RunSummary(run_id=run_id, files=inventory, digest=ingested.digest)
    todo = batches.plan(inventory, settings.batch_files)
    tally = io.Tally(len(todo))
    tally.listing_seconds = ingested.seconds
    decoded = []
    with batches.Extractor(settings.workers) as extractor:
        for index, rows in enumerate(todo, 1):
            files = _in("ingest", io.read_stage, settings, rows, tally, index)
            documents = _in("clean", io.clean_stage, files, tally, index)
            facts = _in("extract", io.extract_stage, documents, extractor, tally, index)
            _in("load", io.load_stage, settings, run_id, files, documents, facts, tally, index)
            summary.extracted_articles += documents.height
            decoded.append(files.with_columns(text=pl.lit(None, pl.String)))
            del files, documents, facts  # only one batch of texts is ever held
    if decoded:  # the files read in a batch now have their final status (some were quarantined)
        inventory = pl.concat([inventory.join(pl.concat(decoded), on="source_file", how="anti"), *decoded],
                              how="vertical_relaxed").sort("source_file")
    inventory = settle_sidecars(inventory)
    totals = _in("load", io.finish, settings, run_id, inventory, tally)
    summary.files = inventory.select("source_file", "status", "reason", "encoding", "action")
    summary.articles, summary.relevant, summary.batches = totals["articles"], totals["relevant"], len(todo)
    summary.marts = _in("build", io.build, settings)
    summary.validation = _in("validate", io.validate, settings)
    if not summary.validation.success:
        raise ValidationFailed(summary.validation)
    summary.published = _in("publish", io.publish, settings, run_id)
    return summary
