"""Prefect tasks: every stage of the flow, each a thin wrapper doing the I/O around a pure step.

Retries are for transient I/O only (an OSError such as a busy disk or a file briefly
locked); a bad file, a failed model or a failed expectation fails at once.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import dictionary, incremental, quarantine, runlog, validation, warehouse
from flows import publish as publisher
from flows.inventory import scan
from flows.reference import known_names, load_all
from flows.settings import Settings
from flows.steps.clean import clean
from flows.steps.extract import extract_parallel


def _transient(task, task_run, state) -> bool:
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


def say(stage: str, message: str, event: str = "progress", **fields) -> None:
    """One progress line on stdout, in the Prefect run log and (with its numbers) in the run's JSON log."""
    print(f"greenwire | {stage:<8} | {message}", flush=True)
    runlog.write(stage, event, message, **fields)
    try:
        get_run_logger().info(message, extra={"stage": stage, **fields})
    except Exception:  # called outside a run (task.fn in tests): stdout is enough
        pass


def _timed(stage: str):
    """done(message, **counts) prints the stage's closing line with its duration."""
    start = time.perf_counter()

    def done(message: str, **counts) -> None:
        seconds = round(time.perf_counter() - start, 3)
        say(stage, f"{message} ({seconds:.1f} s)", event="done", seconds=seconds, counts=counts)

    return done


@task(name="ingest", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_transient)
def ingest(settings: Settings, run_id: str) -> pl.DataFrame:
    """Inventory of the input folder: every entry decoded or quarantined with its reason, and
    for each processed file whether its rows from an earlier run can be reused (`action`)."""
    done = _timed("ingest")
    inventory = scan(settings.input_dir, settings.max_file_bytes)
    with warehouse.connect(settings.database) as con:
        warehouse.ensure_schemas(con)
        previous = con.sql("select source_file, sha256, sidecar_sha256, status, extractor_version "
                           "from raw.files").pl()
    inventory = incremental.plan(inventory, previous, incremental.fingerprint())
    held = quarantine.record(inventory, settings.input_dir, settings.quarantine_dir, run_id,
                             datetime.now(timezone.utc), settings.max_file_bytes)
    counts = dict(inventory.group_by("status").len().iter_rows())
    actions = dict(inventory.group_by("action").len().iter_rows())
    message = (f"{inventory.height} entries in {settings.input_dir}: "
               + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    if counts.get("processed"):
        message += f" ({actions.get('extract', 0)} new or changed, {actions.get('reuse', 0)} unchanged)"
    if held:
        message += f"; quarantine: {settings.quarantine_dir / quarantine.MANIFEST}"
    done(message, **counts, extract=actions.get("extract", 0), reuse=actions.get("reuse", 0))
    for row in inventory.filter(pl.col("status") == "quarantined").iter_rows(named=True):
        runlog.write("ingest", "quarantined", row["reason"], source_file=row["source_file"])
    return inventory


@task(name="clean", cache_policy=NO_CACHE)
def clean_stage(inventory: pl.DataFrame) -> pl.DataFrame:
    """Articles of the files that are new or changed (action "extract"); reused files are not read again."""
    done = _timed("clean")
    todo = inventory.filter(pl.col("action") == "extract")
    documents = clean(todo, list(known_names()) if todo.height else [])
    relevant = int(documents["is_relevant"].sum()) if documents.height else 0
    done(f"{documents.height} articles from {todo.height} new or changed files, {relevant} relevant",
         files=todo.height, articles=documents.height, relevant=relevant)
    return documents


# Below this much article text, starting worker processes costs more than it saves.
PARALLEL_FROM_BYTES = 1_000_000


@task(name="extract", cache_policy=NO_CACHE)
def extract_stage(documents: pl.DataFrame, workers: int = 1) -> dict[str, pl.DataFrame]:
    done = _timed("extract")
    size = documents["text"].str.len_bytes().sum() if documents.height else 0
    facts = extract_parallel(documents, load_all, workers if size >= PARALLEL_FROM_BYTES else 1)
    done(", ".join(f"{len(frame)} {name}" for name, frame in facts.items()) + f" from {documents.height} articles",
         articles=documents.height, **{name: len(frame) for name, frame in facts.items()})
    return facts


@task(name="load", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, retry_condition_fn=_transient)
def load(settings: Settings, run_id: str, inventory: pl.DataFrame, documents: pl.DataFrame,
         facts: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Replace the raw rows of every new, changed, quarantined or vanished file, and record every
    file's fate in raw.files, in one transaction; returns the warehouse's article counts."""
    done = _timed("load")
    now = datetime.now(timezone.utc)
    with warehouse.connect(settings.database) as con:
        warehouse.ensure_schemas(con)
        warehouse.load_reference(con)
        present = inventory["source_file"].to_list()
        known = [r[0] for r in con.execute("select source_file from raw.files where status != 'deleted'").fetchall()]
        vanished = sorted(set(known) - set(present))
        replaced = inventory.filter(pl.col("action").ne_missing("reuse"))["source_file"].to_list()
        warehouse.replace_documents(
            con, replaced + vanished, {"documents": documents, **facts},
            then=lambda c: record_files(c, inventory, run_id, now, vanished, incremental.fingerprint()),
        )
        articles, relevant = con.execute(
            "select count(*), count(*) filter (where is_relevant) from raw.documents").fetchall()[0]
    done(f"{documents.height} articles from new or changed files into {settings.database.name}, "
         f"{articles} in all" + (f"; retracted {len(vanished)} vanished files" if vanished else ""),
         loaded=documents.height, articles=articles, relevant=relevant, retracted=len(vanished))
    return {"articles": articles, "relevant": relevant}


def record_files(con, inventory: pl.DataFrame, run_id: str, now: datetime, vanished: list[str],
                 version: str) -> None:
    """Upsert raw.files: one row per input file ever seen, with its latest fate."""
    frame = inventory.select(
        "source_file", "sha256", "sidecar_sha256", "size_bytes", "status", "reason", "encoding",
        extractor_version=pl.when(pl.col("status") == "processed").then(pl.lit(version)),
        run_id=pl.lit(run_id), seen_at=pl.lit(now),
    )
    con.register("seen", frame.to_arrow())
    con.execute("""
        insert into raw.files (source_file, sha256, sidecar_sha256, size_bytes, status, reason, encoding,
                               extractor_version, run_id, first_seen_at, last_seen_at)
        select source_file, sha256, sidecar_sha256, size_bytes, status, reason, encoding,
               extractor_version, run_id, seen_at, seen_at
        from seen
        on conflict (source_file) do update set
            sha256 = excluded.sha256, sidecar_sha256 = excluded.sidecar_sha256, size_bytes = excluded.size_bytes,
            status = excluded.status, reason = excluded.reason, encoding = excluded.encoding,
            extractor_version = excluded.extractor_version, run_id = excluded.run_id,
            last_seen_at = excluded.last_seen_at
    """)
    con.unregister("seen")
    if vanished:
        con.execute(
            "update raw.files set status = 'deleted', reason = 'no longer in the input folder; its rows were "
            "retracted', extractor_version = null, run_id = ? where source_file in (select unnest(?::varchar[]))",
            [run_id, vanished],
        )


@task(name="build", cache_policy=NO_CACHE)
def build(settings: Settings) -> dict[str, int]:
    """Run the SQL models, staging -> intermediate -> marts."""
    done = _timed("build")
    with warehouse.connect(settings.database) as con:
        rows = warehouse.build_models(con, settings.sql_dir)
    marts = {k.split(".", 1)[1]: v for k, v in rows.items() if k.startswith("marts.")}
    done(f"{len(rows)} models; marts: " + ", ".join(f"{t} {n}" for t, n in marts.items()), **marts)
    return marts


@task(name="validate", cache_policy=NO_CACHE)
def validate(settings: Settings, today: date | None = None) -> validation.ValidationReport:
    """Great Expectations suites on every mart; Data Docs into warehouse/docs."""
    done = _timed("validate")
    with warehouse.connect(settings.database, read_only=True) as con:
        report = validation.validate(con, settings.docs_dir, today)
    passed = report.evaluated - len(report.failures)
    done(f"{passed}/{report.evaluated} expectations passed; Data Docs: {report.docs_index}",
         passed=passed, evaluated=report.evaluated, failed=len(report.failures))
    return report


@task(name="publish", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_transient)
def publish(settings: Settings, run_id: str, validated: validation.ValidationReport | None = None,
            files_seen: int | None = None) -> Path:
    """Parquet per mart into a new version folder, swapped in as publish/current."""
    done = _timed("publish")
    with warehouse.connect(settings.database, read_only=True) as con:
        dictionary.check_marts(con)  # every column has the dictionary's type, or nothing is published
        version = publisher.publish(con, settings.publish_dir, run_id, keep=settings.keep_versions,
                                    quality=quality_summary(settings, validated, files_seen), report=True)
    done(f"{settings.current} -> {version.name}", version=version.name)
    return version


def quality_summary(settings: Settings, validated: validation.ValidationReport | None,
                    files_seen: int | None) -> dict:
    """What the manifest and report say about quality: expectations passed per table, files quarantined."""
    out: dict = {"files_seen": files_seen,
                 "quarantined": [{"source_file": e["source_file"], "reason": e["reason"]}
                                 for e in quarantine.read(settings.quarantine_dir)]}
    if validated is not None:
        out |= {"evaluated": validated.evaluated, "passed": validated.evaluated - len(validated.failures),
                "per_table": {t: list(counts) for t, counts in validated.per_table.items()}}
    return out
