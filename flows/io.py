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

from flows import publish as publisher
from flows import validation, warehouse
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


def say(stage: str, message: str) -> None:
    """One progress line on stdout and in the Prefect run log."""
    line = f"greenwire | {stage:<8} | {message}"
    print(line, flush=True)
    try:
        get_run_logger().info(message)
    except Exception:  # called outside a run (task.fn in tests): stdout is enough
        pass


def _timed(stage: str):
    start = time.perf_counter()
    return lambda message: say(stage, f"{message} ({time.perf_counter() - start:.1f} s)")


@task(name="ingest", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_transient)
def ingest(settings: Settings) -> pl.DataFrame:
    """Inventory of the input folder: every entry, decoded or quarantined with its reason."""
    done = _timed("ingest")
    inventory = scan(settings.input_dir, settings.max_file_bytes)
    counts = dict(inventory.group_by("status").len().iter_rows())
    done(f"{inventory.height} entries in {settings.input_dir}: "
         + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    return inventory


@task(name="clean", cache_policy=NO_CACHE)
def clean_stage(inventory: pl.DataFrame) -> pl.DataFrame:
    done = _timed("clean")
    documents = clean(inventory, list(known_names()))
    relevant = documents["is_relevant"].sum() if documents.height else 0
    done(f"{documents.height} articles from {inventory.filter(pl.col('status') == 'processed').height} files, "
         f"{relevant} relevant")
    return documents


# Below this much article text, starting worker processes costs more than it saves.
PARALLEL_FROM_BYTES = 1_000_000


@task(name="extract", cache_policy=NO_CACHE)
def extract_stage(documents: pl.DataFrame, workers: int = 1) -> dict[str, pl.DataFrame]:
    done = _timed("extract")
    size = documents["text"].str.len_bytes().sum() if documents.height else 0
    facts = extract_parallel(documents, load_all, workers if size >= PARALLEL_FROM_BYTES else 1)
    done(", ".join(f"{len(frame)} {name}" for name, frame in facts.items()))
    return facts


@task(name="load", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, retry_condition_fn=_transient)
def load(settings: Settings, run_id: str, inventory: pl.DataFrame, documents: pl.DataFrame,
         facts: dict[str, pl.DataFrame]) -> None:
    """Replace the raw rows of every file seen (and retract vanished files) in the warehouse."""
    done = _timed("load")
    now = datetime.now(timezone.utc)
    with warehouse.connect(settings.database) as con:
        warehouse.ensure_schemas(con)
        warehouse.load_reference(con)
        present = inventory["source_file"].to_list()
        known = [r[0] for r in con.execute("select source_file from raw.files").fetchall()]
        vanished = sorted(set(known) - set(present))
        warehouse.replace_documents(con, present + vanished, {"documents": documents, **facts})
        record_files(con, inventory, run_id, now, vanished)
    done(f"{documents.height} articles into {settings.database.name}"
         + (f"; retracted {len(vanished)} vanished files" if vanished else ""))


def record_files(con, inventory: pl.DataFrame, run_id: str, now: datetime, vanished: list[str]) -> None:
    """Upsert raw.files: one row per input file ever seen, with its latest fate."""
    frame = inventory.select(
        "source_file", "sha256", "size_bytes", "status", "reason", "encoding",
        run_id=pl.lit(run_id), seen_at=pl.lit(now),
    )
    con.register("seen", frame.to_arrow())
    con.execute("""
        insert into raw.files
        select source_file, sha256, size_bytes, status, reason, encoding, null, run_id, seen_at, seen_at from seen
        on conflict (source_file) do update set
            sha256 = excluded.sha256, size_bytes = excluded.size_bytes, status = excluded.status,
            reason = excluded.reason, encoding = excluded.encoding, run_id = excluded.run_id,
            last_seen_at = excluded.last_seen_at
    """)
    con.unregister("seen")
    if vanished:
        con.execute(
            "update raw.files set status = 'deleted', reason = 'no longer in the input folder; its rows were "
            "retracted', run_id = ? where source_file in (select unnest(?::varchar[]))",
            [run_id, vanished],
        )


@task(name="build", cache_policy=NO_CACHE)
def build(settings: Settings) -> dict[str, int]:
    """Run the SQL models, staging -> intermediate -> marts."""
    done = _timed("build")
    with warehouse.connect(settings.database) as con:
        rows = warehouse.build_models(con, settings.sql_dir)
    marts = {k.split(".", 1)[1]: v for k, v in rows.items() if k.startswith("marts.")}
    done(f"{len(rows)} models; marts: " + ", ".join(f"{t} {n}" for t, n in marts.items()))
    return marts


@task(name="validate", cache_policy=NO_CACHE)
def validate(settings: Settings, today: date | None = None) -> validation.ValidationReport:
    """Great Expectations suites on every mart; Data Docs into warehouse/docs."""
    done = _timed("validate")
    with warehouse.connect(settings.database, read_only=True) as con:
        report = validation.validate(con, settings.docs_dir, today)
    passed = report.evaluated - len(report.failures)
    done(f"{passed}/{report.evaluated} expectations passed; Data Docs: {report.docs_index}")
    return report


@task(name="publish", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_transient)
def publish(settings: Settings, run_id: str) -> Path:
    """Parquet per mart into a new version folder, swapped in as publish/current."""
    done = _timed("publish")
    with warehouse.connect(settings.database, read_only=True) as con:
        version = publisher.publish(con, settings.publish_dir, run_id, keep=settings.keep_versions)
    done(f"{settings.current} -> {version.name}")
    return version
