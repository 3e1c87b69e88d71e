"""The greenwire flow: ingest -> clean -> extract -> load -> build -> validate -> publish.

Only wiring lives here; each stage is a task in flows/io.py around a pure step.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
from prefect import flow
from prefect.runtime import flow_run

from flows import io, settings as settings_module, warehouse
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
    files: pl.DataFrame  # source_file, status, reason, encoding
    articles: int = 0
    relevant: int = 0
    marts: dict[str, int] = field(default_factory=dict)
    validation: ValidationReport | None = None
    published: Path | None = None


@flow(name="greenwire", description="Raw Chinese green-development news -> validated Parquet dataset.")
def greenwire_flow(input_dir: str | None = None, warehouse_dir: str | None = None,
                   wait_seconds: float = 0.0) -> RunSummary:
    """Run the whole pipeline once; raises when any stage or any expectation fails."""
    settings = settings_module.load(input_dir, warehouse_dir)
    run_id = str(flow_run.id or uuid.uuid4())
    with warehouse_lock(settings.lock_file, wait_seconds=wait_seconds):
        _record_run(settings, run_id, "running")
        try:
            summary = _stages(settings, run_id)
        except BaseException as exc:
            _record_run(settings, run_id, "failed", message=str(exc).splitlines()[0][:500])
            raise
        _record_run(settings, run_id, "published", summary=summary)
    return summary


def _stages(settings: settings_module.Settings, run_id: str) -> RunSummary:
    inventory = io.ingest(settings)
    documents = io.clean_stage(inventory)
    facts = io.extract_stage(documents, settings.workers)
    io.load(settings, run_id, inventory, documents, facts)
    summary = RunSummary(
        run_id=run_id,
        files=inventory.select("source_file", "status", "reason", "encoding"),
        articles=documents.height,
        relevant=int(documents["is_relevant"].sum()) if documents.height else 0,
    )
    summary.marts = io.build(settings)
    summary.validation = io.validate(settings)
    if not summary.validation.success:
        raise ValidationFailed(summary.validation)
    summary.published = io.publish(settings, run_id)
    return summary


def _record_run(settings, run_id: str, outcome: str, message: str | None = None,
                summary: RunSummary | None = None) -> None:
    """Keep raw.runs current, for `greenwire status`."""
    now = datetime.now(timezone.utc)
    counts = {}
    if summary is not None:
        statuses = summary.files["status"].to_list()
        counts = dict(files_seen=len(statuses), files_processed=statuses.count("processed"),
                      files_quarantined=statuses.count("quarantined"), articles=summary.articles,
                      published_version=summary.published.name if summary.published else None)
    with warehouse.connect(settings.database) as con:
        warehouse.ensure_schemas(con)
        con.execute(
            """
            insert into raw.runs (run_id, started_at, outcome) values (?, ?, ?)
            on conflict (run_id) do update set outcome = excluded.outcome
            """,
            [run_id, now, outcome],
        )
        if outcome != "running":
            con.execute(
                "update raw.runs set finished_at = ?, message = ?, files_seen = ?, files_processed = ?, "
                "files_quarantined = ?, articles = ?, published_version = ? where run_id = ?",
                [now, message, counts.get("files_seen"), counts.get("files_processed"),
                 counts.get("files_quarantined"), counts.get("articles"), counts.get("published_version"), run_id],
            )
