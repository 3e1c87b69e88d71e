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

from flows import io, runlog, warehouse
from flows import settings as settings_module
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


@flow(name="greenwire", description="Raw Chinese green-development news -> validated Parquet dataset.")
def greenwire_flow(input_dir: str | None = None, warehouse_dir: str | None = None,
                   wait_seconds: float = 0.0) -> RunSummary:
    """Run the whole pipeline once; raises when any stage or any expectation fails."""
    settings = settings_module.load(input_dir, warehouse_dir)
    run_id = str(flow_run.id or uuid.uuid4())
    with warehouse_lock(settings.lock_file, wait_seconds=wait_seconds), \
            runlog.run_log(settings.runs_dir, run_id) as log_file:
        runlog.write("run", "started", f"{settings.input_dir} -> {settings.warehouse_dir}",
                     input_dir=settings.input_dir, warehouse_dir=settings.warehouse_dir)
        _record_run(settings, run_id, "running", log_file=log_file)
        try:
            summary = _stages(settings, run_id)
        except BaseException as exc:
            message = str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
            runlog.write("run", "failed", message, error=type(exc).__name__, traceback=traceback.format_exc())
            try:
                _record_run(settings, run_id, "failed", message=message)
            except Exception as unrecorded:  # e.g. the warehouse file is what failed: keep the first error
                runlog.write("run", "unrecorded", f"raw.runs not updated: {unrecorded}")
            raise
        _record_run(settings, run_id, "published", summary=summary)
        runlog.write("run", "published", str(summary.published), articles=summary.articles, marts=summary.marts)
    return summary


def _stages(settings: settings_module.Settings, run_id: str) -> RunSummary:
    inventory = io.ingest(settings, run_id)
    documents = io.clean_stage(inventory)
    facts = io.extract_stage(documents, settings.workers)
    totals = io.load(settings, run_id, inventory, documents, facts)
    summary = RunSummary(
        run_id=run_id,
        files=inventory.select("source_file", "status", "reason", "encoding", "action"),
        articles=totals["articles"],
        relevant=totals["relevant"],
        extracted_articles=documents.height,
    )
    summary.marts = io.build(settings)
    summary.validation = io.validate(settings)
    if not summary.validation.success:
        raise ValidationFailed(summary.validation)
    summary.published = io.publish(settings, run_id, summary.validation, summary.files.height)
    return summary


def _record_run(settings, run_id: str, outcome: str, message: str | None = None,
                summary: RunSummary | None = None, log_file: Path | None = None) -> None:
    """Keep raw.runs current, for `greenwire status`."""
    now = datetime.now(timezone.utc)
    counts = {}
    if summary is not None:
        statuses = summary.files["status"].to_list()
        actions = summary.files["action"].to_list()
        counts = dict(files_seen=len(statuses), files_processed=statuses.count("processed"),
                      files_quarantined=statuses.count("quarantined"), files_extracted=actions.count("extract"),
                      files_reused=actions.count("reuse"), articles=summary.articles, relevant=summary.relevant,
                      published_version=summary.published.name if summary.published else None)
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
                   "articles", "relevant", "published_version"]
        con.execute(
            f"update raw.runs set outcome = ?, finished_at = ?, message = ?, "
            f"{', '.join(f'{c} = ?' for c in columns)} where run_id = ?",
            [outcome, now, message, *(counts.get(c) for c in columns), run_id],
        )
