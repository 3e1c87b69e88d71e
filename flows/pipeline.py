"""The greenwire flow: ingest -> clean -> extract -> load -> build -> validate -> publish.

Only wiring lives here; each stage is a task in flows/io.py around a pure step.
"""
from __future__ import annotations

import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
from prefect import flow
from prefect.runtime import flow_run

from flows import batches, io, runlog, warehouse
from flows import settings as settings_module
from flows.inventory import settle_sidecars
from flows.lock import warehouse_lock
from flows.validation import ValidationReport


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
    unchanged_since: dict | None = None  # {"run_id", "published_version"} when nothing changed: nothing was done
    batches: int = 0


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
        _record_run(settings, run_id, "running", log_file=log_file)
        try:
            summary = _stages(settings, run_id, force)
        except BaseException as exc:
            message = str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
            runlog.write("run", "failed", message, error=type(exc).__name__, traceback=traceback.format_exc())
            try:
                _record_run(settings, run_id, "failed", message=message)
            except Exception as unrecorded:  # e.g. the warehouse file is what failed: keep the first error
                runlog.write("run", "unrecorded", f"raw.runs not updated: {unrecorded}")
            raise
        if summary.unchanged_since:
            _record_run(settings, run_id, "unchanged", summary=summary,
                        message=f"nothing changed since run {summary.unchanged_since['run_id']}")
            runlog.write("run", "unchanged", summary.unchanged_since["published_version"])
        else:
            _record_run(settings, run_id, "published", summary=summary)
            runlog.write("run", "published", str(summary.published), articles=summary.articles,
                         marts=summary.marts)
    return summary


def _stages(settings: settings_module.Settings, run_id: str, force: bool = False) -> RunSummary:
    ingested = io.ingest(settings, run_id)
    inventory = ingested.inventory
    summary = RunSummary(run_id=run_id, files=inventory.select("source_file", "status", "reason", "encoding",
                                                               "action"))
    summary.digest = ingested.digest
    if ingested.unchanged_since and not force:
        summary.unchanged_since = ingested.unchanged_since
        summary.articles, summary.relevant = ingested.unchanged_since["articles"], ingested.unchanged_since["relevant"]
        runlog.write("ingest", "done", "listed and hashed; nothing changed", seconds=ingested.seconds)
        io.say("ingest", f"nothing changed since run {summary.unchanged_since['run_id']}: "
               f"{summary.unchanged_since['published_version']} stays current; no rebuild, no validation, "
               "no new version", event="unchanged")
        return summary
    todo = batches.plan(inventory, settings.batch_files)
    tally = io.Tally(len(todo))
    tally.listing_seconds = ingested.seconds
    decoded = []
    with batches.Extractor(settings.workers) as extractor:
        for index, rows in enumerate(todo, 1):
            files = io.read_stage(settings, rows, tally, index)
            documents = io.clean_stage(files, tally, index)
            facts = io.extract_stage(documents, extractor, tally, index)
            io.load_stage(settings, run_id, files, documents, facts, tally, index)
            summary.extracted_articles += documents.height
            decoded.append(files.with_columns(text=pl.lit(None, pl.String)))
            del files, documents, facts  # only one batch of texts is ever held
    if decoded:  # the files read in a batch now have their final status (some were quarantined)
        inventory = pl.concat([inventory.join(pl.concat(decoded), on="source_file", how="anti"), *decoded],
                              how="vertical_relaxed").sort("source_file")
    inventory = settle_sidecars(inventory)
    totals = io.finish(settings, run_id, inventory, tally)
    summary.files = inventory.select("source_file", "status", "reason", "encoding", "action")
    summary.articles, summary.relevant, summary.batches = totals["articles"], totals["relevant"], len(todo)
    summary.marts = io.build(settings)
    summary.validation = io.validate(settings)
    if not summary.validation.success:
        raise ValidationFailed(summary.validation)
    summary.published = io.publish(settings, run_id)
    return summary


def _record_run(settings, run_id: str, outcome: str, message: str | None = None,
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
            # This run holds the lock, so a run still marked running was killed before it could finish.
            con.execute("update raw.runs set outcome = 'interrupted', message = 'the process ended before the "
                        "run finished (killed or crashed); nothing was published' where outcome = 'running'")
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
