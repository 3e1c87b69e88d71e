"""Scale-out: the per-file work of a run (decode, clean, extract) on a Dask cluster.

`greenwire run --cluster tcp://HOST:PORT` submits one Prefect task per batch of files through
prefect-dask's DaskTaskRunner. Each task runs flows.batches.process_batch on whichever worker
Dask picks and writes the batch's frames as Parquet under `<warehouse>/staging/<run id>/`,
which every worker must be able to reach (shared storage); only a few counts travel back
through the scheduler. The driver then loads the staged batches in batch order, so ids and
row order never depend on which worker did what, and builds, validates and publishes as a
local run does. How to run it on a real cluster: docs/scale-out.md.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows import batches, settings

if TYPE_CHECKING:
    from prefect_dask.task_runners import DaskTaskRunner

# Tables a batch writes, besides its facts (flows.steps.schema.RAW_SCHEMAS).
FILES, DOCUMENTS = "files", "documents"


@contextlib.contextmanager
def shared_api() -> Iterator[None]:
    """A Prefect API the Dask workers can report to. With PREFECT_API_URL set (a real server, which a
    multi-host cluster needs) nothing is done. Otherwise the temporary local API that a plain run
    starts is started here, and its address put in the settings that travel with every task:
    without it each worker would start a temporary API of its own (minutes, and one per worker)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    # The same server object a plain run's client starts; it stops at exit, after the log handlers
    # have sent their last lines to it.
    server = SubprocessASGIServer()
    server.start(timeout=settings.startup_seconds())
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield


def task_runner(address: str) -> DaskTaskRunner:
    """prefect-dask's DaskTaskRunner on an existing scheduler."""
    from prefect_dask.task_runners import DaskTaskRunner

    return DaskTaskRunner(address=address)


@task(name="process-batch", task_run_name="batch {index}", cache_policy=NO_CACHE)
def process_batch(rows: pl.DataFrame, input_dir: str, staging_dir: str, index: int) -> dict[str, Any]:
    """On a worker: decode, clean and extract one batch, written to `<staging_dir>/batch-<index>/`;
    returns where it is and who did it, never the frames."""
    batch = batches.process_batch(rows, Path(input_dir))
    target = Path(staging_dir) / f"batch-{index:06d}"
    partial = target.with_name(f"{target.name}.partial-{uuid.uuid4().hex[:8]}")
    partial.mkdir(parents=True)
    for name, frame in {FILES: batch.files, DOCUMENTS: batch.documents, **batch.facts}.items():
        frame.write_parquet(partial / f"{name}.parquet")
    # A batch retried after its first worker died may find that worker's finished folder: same
    # input, same bytes, so the newer copy simply replaces it.
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)
    return {"index": index, "path": str(target), "worker": _worker_address(), "articles": batch.documents.height}


def read_staged(path: str | Path) -> batches.Batch:
    """A staged batch back as frames, as process_batch made them (Parquet keeps every dtype)."""
    folder = Path(path)
    frames = {p.stem: pl.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
    files, documents = frames.pop(FILES), frames.pop(DOCUMENTS)
    return batches.Batch(files, documents, frames)


def staging_dir(warehouse_dir: Path, run_id: str) -> Path:
    return warehouse_dir / "staging" / run_id


def clear_staging(warehouse_dir: Path) -> None:
    """Remove staged batches (this run's once loaded, or those a killed run left)."""
    shutil.rmtree(warehouse_dir / "staging", ignore_errors=True)


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):  # run outside a Dask worker (a test calling .fn directly)
        return f"local:{os.getpid()}"
