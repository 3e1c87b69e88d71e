"""Prefect tasks: every stage of the flow, each a thin wrapper doing the I/O around a pure step.

Retries are for transient I/O only (an OSError such as a busy disk or a file briefly
locked); a bad file, a failed model or a failed expectation fails at once.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import batches, warehouse
from flows.ops import incremental, quarantine, reruns, runlog
from flows.settings import Settings
from flows.warehouse import dictionary, runs, validation
from flows.warehouse import publish as publisher

if TYPE_CHECKING:
    from prefect import Task
    from prefect.client.schemas.objects import State, TaskRun


def _transient(task: Task[..., Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry only I/O errors that can pass: not a missing input folder, not a permission problem."""
    try:
        state.result()
    except (FileNotFoundError, PermissionError, NotADirectoryError):
        return False
    except (OSError, warehouse.WarehouseBusy):
        return True
    except BaseException:
        return False
    return False


def say(stage: str, message: str, event: str = "progress", echo: bool = True, **fields: Any) -> None:
    """One progress line on stdout (unless echo is false), in the Prefect run log and (with its
    numbers) in the run's JSON log."""
    if echo:
        print(f"greenwire | {stage:<8} | {message}", flush=True)
    runlog.write(stage, event, message, **fields)
    with contextlib.suppress(Exception):  # called outside a run (task.fn in tests): stdout is enough
        get_run_logger().info(message, extra={"stage": stage, **fields})


def _timed(stage: str, since: float | None = None) -> Callable[..., None]:
    """done(message, **counts) prints the stage's closing line with its duration, from now or from
    `since` (a time.perf_counter() reading)."""
    start = time.perf_counter() if since is None else since

    def done(message: str, **counts: int) -> None:
        seconds = round(time.perf_counter() - start, 3)
        say(stage, f"{message} ({seconds:.1f} s)", event="done", seconds=seconds, counts=counts)

    return done


class Tally:
    """Seconds and counts per stage summed over a run's batches, for each stage's closing line.

    A plain object on purpose: Prefect passes it to the batch tasks as is (a dataclass or dict
    would be copied while Prefect resolves task parameters, and the sums lost)."""

    def __init__(self, batches: int) -> None:
        self.batches = batches
        self.listing_seconds = 0.0  # ingest's listing and hashing, before the first batch
        self.seconds: dict[str, float] = {}
        self.counts: dict[str, dict[str, int]] = {}

    def batch(
        self, stage: str, index: int, seconds: float, message: str, counts: dict[str, int], echo: bool = True
    ) -> None:
        """Record one batch of a stage and print its line: `extract  | batch 3/40: … (1.2 s)`."""
        seconds = round(seconds, 3)
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds
        totals = self.counts.setdefault(stage, {})
        for name, value in counts.items():
            totals[name] = totals.get(name, 0) + value
        where = f"batch {index}/{self.batches}: " if self.batches > 1 else ""
        say(
            stage,
            f"{where}{message} ({seconds:.1f} s)",
            event="batch",
            echo=echo,
            batch=index,
            batches=self.batches,
            seconds=seconds,
            counts=counts,
        )

    def done(self, stage: str, message: str, extra_seconds: float = 0.0, echo: bool | None = None) -> None:
        """The stage's closing line over every batch, with its total seconds; printed when there was
        not exactly one batch (whose line already said it all), or when `echo`."""
        seconds = round(self.seconds.get(stage, 0.0) + extra_seconds, 3)
        where = f" in {self.batches} batches" if self.batches > 1 else ""
        echo = self.batches != 1 if echo is None else echo
        say(
            stage,
            f"{message}{where} ({seconds:.1f} s)",
            event="done",
            echo=echo,
            seconds=seconds,
            counts=self.counts.get(stage, {}),
        )


@task(name="ingest", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_transient)
def ingest(settings: Settings, run_id: str, rehash: bool = False) -> reruns.Checked:
    """List and hash the input folder (no text kept), and plan each file: `action` "reuse" when
    its rows from an earlier run still hold, "extract" when it must be read again. `rehash` reads
    every file, even those whose size and modification time are unchanged."""
    checked = reruns.check(settings, run_id, rehash)
    inventory = checked.inventory
    counts = dict(inventory.group_by("status").len().iter_rows())
    actions = dict(inventory.group_by("action").len().iter_rows())
    message = (
        f"{inventory.height} entries in {settings.input_dir}: {counts.get('processed', 0)} files to read "
        f"({actions.get('extract', 0)} new or changed, {actions.get('reuse', 0)} unchanged)"
    )
    message += "".join(f", {counts[s]} {s}" for s in ("quarantined", "skipped") if counts.get(s))
    if checked.unchanged_since is None:
        say(
            "ingest",
            f"{message} ({checked.seconds:.1f} s)",
            event="listed",
            seconds=checked.seconds,
            counts=counts,
            extract=actions.get("extract", 0),
            reuse=actions.get("reuse", 0),
        )
    return checked


@task(
    name="process",
    task_run_name="process {index}/{tally.batches}",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=_transient,
)
def process_stage(
    settings: Settings, rows: pl.DataFrame, extractor: batches.Extractor, tally: Tally, index: int
) -> batches.Batch:
    """One batch of files read and decoded (stage "ingest"; unreadable ones quarantined with a reason),
    cleaned into articles (only new or changed files: reused ones are not read again) and extracted,
    split between the extraction workers. Each stage's line gets its share of the batch's wall time,
    in proportion to the seconds the workers spent in it."""
    started = time.perf_counter()
    batch = extractor.process(rows, settings.input_dir)
    wall = time.perf_counter() - started
    spent = sum(batch.seconds.values()) or 1.0
    share = {stage: wall * batch.seconds.get(stage, 0.0) / spent for stage in batches.STAGES}
    decoded, documents, facts = batch.files, batch.documents, batch.facts
    quarantined = decoded.filter(pl.col("status") == "quarantined").height
    # With one batch, ingest's closing line says the same: only several batches print each.
    tally.batch(
        "ingest",
        index,
        share["ingest"],
        f"{decoded.height} files read, {quarantined} quarantined",
        {"read": decoded.height, "quarantined": quarantined},
        echo=tally.batches > 1,
    )
    files = decoded.filter(pl.col("status") == "processed").height
    relevant = int(documents["is_relevant"].sum()) if documents.height else 0
    tally.batch(
        "clean",
        index,
        share["clean"],
        f"{documents.height} articles from {files} files, {relevant} relevant",
        {"files": files, "articles": documents.height, "relevant": relevant},
    )
    found = ", ".join(f"{len(frame)} {name}" for name, frame in facts.items())
    tally.batch(
        "extract",
        index,
        share["extract"],
        f"{found} from {documents.height} articles",
        {"articles": documents.height, **{name: len(frame) for name, frame in facts.items()}},
    )
    return batch


@task(
    name="load",
    task_run_name="load {index}/{tally.batches}",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=_transient,
)
def load_stage(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    decoded: pl.DataFrame,
    documents: pl.DataFrame,
    facts: dict[str, pl.DataFrame],
    tally: Tally,
    index: int,
) -> None:
    """Replace the raw rows of one batch's files and record their fate in raw.files, in one transaction,
    on the connection the run keeps open for its batches (warehouse.loading)."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    warehouse.replace_documents(
        con,
        decoded["source_file"].to_list(),
        {"documents": documents, **facts},
        then=lambda c: runs.record_files(c, decoded, run_id, now, [], incremental.fingerprint()),
    )
    tally.batch(
        "load",
        index,
        time.perf_counter() - started,
        f"{documents.height} articles from {decoded.height} files",
        {"loaded": documents.height},
        echo=tally.batches > 1,
    )


@task(name="finish", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, retry_condition_fn=_transient)
def finish(settings: Settings, run_id: str, inventory: pl.DataFrame, tally: Tally) -> dict[str, int]:
    """After the last batch: quarantine copies and manifest, rows of files that are gone or no longer
    readable retracted, every entry's fate in raw.files; returns the warehouse's article counts."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    held = quarantine.record(
        inventory, settings.input_dir, settings.quarantine_dir, run_id, now, settings.max_file_bytes
    )
    with warehouse.connect(settings.database) as con:
        warehouse.ensure_schemas(con)
        warehouse.load_reference(con)
        present = inventory["source_file"].to_list()
        known = runs.live_files(con)
        vanished = sorted(set(known) - set(present))
        # Files read in a batch were replaced there; what is left is files that are unreadable now.
        stale = inventory.filter(pl.col("status") != "processed")["source_file"].to_list()
        warehouse.replace_documents(
            con,
            stale + vanished,
            {},
            then=lambda c: runs.record_files(c, inventory, run_id, now, vanished, incremental.fingerprint()),
        )
        articles, relevant = con.execute(
            "select count(*), count(*) filter (where is_relevant) from raw.documents"
        ).fetchall()[0]
    for row in inventory.filter(pl.col("status") == "quarantined").iter_rows(named=True):
        runlog.write("ingest", "quarantined", row["reason"], source_file=row["source_file"])
    counts = dict(inventory.group_by("status").len().iter_rows())
    tally.counts["ingest"] = {**tally.counts.get("ingest", {}), **counts}
    message = f"{inventory.height} entries: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    if held:
        message += f"; quarantine: {settings.quarantine_dir / quarantine.MANIFEST}"
    tally.done("ingest", message, extra_seconds=tally.listing_seconds, echo=True)
    tally.done(
        "clean",
        f"{tally.counts.get('clean', {}).get('articles', 0)} articles from "
        f"{tally.counts.get('clean', {}).get('files', 0)} new or changed files, "
        f"{tally.counts.get('clean', {}).get('relevant', 0)} relevant",
    )
    extracted = {k: v for k, v in tally.counts.get("extract", {}).items() if k != "articles"}
    tally.done(
        "extract",
        ", ".join(f"{n} {name}" for name, n in extracted.items())
        + f" from {tally.counts.get('extract', {}).get('articles', 0)} articles",
    )
    tally.seconds["load"] = tally.seconds.get("load", 0.0) + time.perf_counter() - started
    tally.done(
        "load",
        f"{tally.counts.get('load', {}).get('loaded', 0)} articles from new or changed files into "
        f"{settings.database.name}, {articles} in all"
        + (f"; retracted {len(vanished)} vanished files" if vanished else ""),
        echo=True,
    )
    return {"articles": articles, "relevant": relevant}


@task(name="build", cache_policy=NO_CACHE)
def build(settings: Settings, after_peak: Callable[[], None] | None = None) -> dict[str, int]:
    """Run the SQL models, staging -> intermediate -> marts; `after_peak` as soon as the models the build
    needs most memory for are built (warehouse.PEAK_MODELS)."""
    done = _timed("build")
    with warehouse.connect(settings.database) as con:
        built = warehouse.build(
            con, settings.sql_dir, code_digest=incremental.code_digest(settings.sql_dir), after_peak=after_peak
        )
    marts = {k.split(".", 1)[1]: v for k, v in sorted(built.rows.items()) if k.startswith("marts.")}  # by name
    changed = built.pending
    how = "in full" if changed is None else f"incrementally ({changed:,} document{'' if changed == 1 else 's'} changed)"
    if built.fell_back:
        how += f" after the incremental build failed ({built.fell_back}; the run log has its trace)"
    done(f"{len(built.rows)} models {how}; marts: " + ", ".join(f"{t} {n}" for t, n in marts.items()), **marts)
    return marts


@task(name="validate", cache_policy=NO_CACHE)
def validate(
    settings: Settings, today: date | None = None, running: validation.Validating | None = None
) -> validation.ValidationReport:
    """Great Expectations suites on every mart; Data Docs into warehouse/docs. Rows unchanged since the
    published version (which passed) are not read again where the suite allows (validation.validate).
    With `running` (validation.start_apart), its report: the validation started before the publish
    stage wrote the Parquet, and its seconds here count from that start."""
    done = _timed("validate", since=None if running is None else running.started)
    if running is None:
        since = validation.baseline(publisher.current_version(settings.publish_dir))
        report = validation.validate_apart(settings.database, settings.docs_dir, today, since)
    else:
        report = running.result()
    passed = report.evaluated - len(report.failures)
    partly = {t: (read, rows) for t, (read, rows) in report.rows_checked.items() if read < rows}
    reads = ", ".join(f"{t} {read} of {rows} read" for t, (read, rows) in partly.items())
    unchanged = f"; rows unchanged since {report.since} not read again: {reads}" if partly else ""
    done(
        f"{passed}/{report.evaluated} expectations passed{unchanged}; Data Docs: {report.docs_index}",
        passed=passed,
        evaluated=report.evaluated,
        failed=len(report.failures),
    )
    return report


# The publish stage's DuckDB memory cap: sorting the 2.66 million mentions of 100,000 articles into their
# Parquet took 4.8-5.5 s and the process 0.77-0.80 GB under 600 MB, 4.9-5.2 s and 1.16-1.21 GB under 1 GB.
# Beside a validating process (pipeline._validated) it is lower still, 6.1 s and 0.68-0.69 GB: a run
# adding 100 files to 100,000 took 1-3 s longer than with 600 MB there, its tree's peak 1.80-1.84 GB
# instead of 1.91-1.93 GB. Only a merged write of the mentions goes there (publisher.merges): writing the
# 100,000 articles' marts whole under 500 MB failed for lack of memory in one of three tries (none of three
# under 600 MB); a run adding 10 % to them used to write them so, beside validation, in 17.7 s (4-5 s alone),
# and `make bench`'s tree peaked at 2.18-2.19 GB in it (1.69-1.71 GB with validation first).
PUBLISH_MEMORY_LIMIT = "600MB"
PUBLISH_BESIDE_VALIDATION_LIMIT = "500MB"


# Writing the marts ahead (publisher.stage_ahead) while the validating process reads every row of them: it
# works on one core in stretches (importing Great Expectations, pandas), and this writing takes the other,
# on one DuckDB thread. Sorting the 109,000 documents wants one block of 100 MB: it failed under 300 MB.
AHEAD_MEMORY_LIMIT = "400MB"
AHEAD_THREADS = 1


@task(name="stage ahead", cache_policy=NO_CACHE)
def stage_ahead(settings: Settings, run_id: str) -> publisher.Ahead | None:
    """The Parquet of the marts but the mentions, in a hidden folder, while validation runs apart: the
    publish stage then writes only the mentions (publisher.stage_ahead; discarded if validation fails).
    None when that ran out of its DuckDB memory: the publish stage then writes every table, under its own cap."""
    started = time.perf_counter()
    with warehouse.connect(settings.database, read_only=True) as con:
        warehouse.cap_memory(con, AHEAD_MEMORY_LIMIT)
        if not os.environ.get("GREENWIRE_DUCKDB_THREADS"):  # a chosen value holds, as in warehouse.loading
            con.execute(f"set threads = {AHEAD_THREADS}")
        dictionary.check_marts(con)  # every column has the dictionary's type, or nothing is published
        try:
            ahead = publisher.stage_ahead(con, settings.publish_dir, run_id)
        except duckdb.OutOfMemoryException as exc:  # its folder is gone: only the time is lost
            say("publish", f"not written while validating: {str(exc).splitlines()[0][:200]}", event="ahead_failed")
            return None
    seconds = round(time.perf_counter() - started, 3)
    say(
        "publish",
        f"{', '.join(ahead.tables)} written while validating ({seconds:.1f} s)",
        seconds=seconds,
        tables=list(ahead.tables),
    )
    return ahead


@task(name="stage", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_transient)
def stage_publish(
    settings: Settings, run_id: str, beside_validation: bool = False, ahead: publisher.Ahead | None = None
) -> publisher.Staged:
    """The first half of publishing: every mart as Parquet in a hidden folder (publisher.stage), nothing
    a reader sees; `beside_validation` when the validating process runs meanwhile (a lower memory cap);
    `ahead`: the marts stage_ahead wrote, which are not written again."""
    started = time.perf_counter()
    with warehouse.connect(settings.database, read_only=True) as con:
        warehouse.cap_memory(con, PUBLISH_BESIDE_VALIDATION_LIMIT if beside_validation else PUBLISH_MEMORY_LIMIT)
        dictionary.check_marts(con)  # every column has the dictionary's type, or nothing is published
        staged = publisher.stage(con, settings.publish_dir, run_id, ahead=ahead)
    seconds = round(time.perf_counter() - started, 3)
    rows = sum(t["rows"] for t in staged.tables.values())
    beside = " while validating" if beside_validation else ""
    if ahead is not None:
        beside += f" ({len(ahead.tables)} of them while validating)"
    merged = f"; {', '.join(staged.merged)} merged into the current version's rows" if staged.merged else ""
    if staged.one_at_a_time:  # only when writing them side by side ran out of DuckDB's memory
        merged += "; one table at a time (side by side ran out of DuckDB memory)"
    say(
        "publish",
        f"{len(staged.tables)} tables, {rows} rows written{beside}{merged} ({seconds:.1f} s)",
        seconds=seconds,
        merged=staged.merged,
    )
    return staged


@task(name="publish", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_transient)
def publish(
    settings: Settings,
    run_id: str,
    validated: validation.ValidationReport | None = None,
    files_seen: int | None = None,
    written: publisher.Staged | publisher.Ahead | None = None,
) -> Path:
    """Parquet per mart into a new version folder (written by stage_publish unless `written` already
    holds it; when it holds stage_ahead's marts, only the others), swapped in as publish/current. Its
    seconds are those after validation: both halves, or the second when the first ran beside validation
    (whose seconds then hold it)."""
    done = _timed("publish")
    if written is not None and not written.folder.is_dir():  # a retry after finish() moved it: write again
        written = None
    staged = written if isinstance(written, publisher.Staged) else None
    beside = "; its tables were written while validating" if staged else ""
    if staged is None:
        ahead = written if isinstance(written, publisher.Ahead) else None
        staged = stage_publish.fn(settings, run_id, ahead=ahead)
    version = publisher.finish(
        staged,
        settings.publish_dir,
        keep=settings.keep_versions,
        quality=quality_summary(settings, validated, files_seen),
        report=True,
    )
    done(f"{settings.current} -> {version.name}{beside}", version=version.name)
    return version


def quality_summary(
    settings: Settings, validated: validation.ValidationReport | None, files_seen: int | None
) -> dict[str, Any]:
    """What the manifest and report say about quality: expectations passed per table, files quarantined."""
    out: dict[str, Any] = {
        "files_seen": files_seen,
        "quarantined": [
            {"source_file": e["source_file"], "reason": e["reason"]} for e in quarantine.read(settings.quarantine_dir)
        ],
    }
    if validated is not None:
        out |= {
            "evaluated": validated.evaluated,
            "passed": validated.evaluated - len(validated.failures),
            "per_table": {t: list(counts) for t, counts in validated.per_table.items()},
            "validation": validated.record(),  # the next run's baseline (validation.baseline)
        }
    return out
