"""The unit of work of a run: one batch of input files in, its decoded rows, articles and facts out.

A run lists and hashes the whole input folder (a frame of paths and hashes, no text), then
reads, cleans, extracts and loads the files to (re)process a batch at a time, so memory holds
one batch of texts whatever the size of the corpus. Every file's rows depend on that file alone,
so the published bytes do not depend on the batch size (tests/test_scale.py).

`process_batch` is the whole per-file chain with no Prefect and no warehouse: the flow's batch task
(flows/tasks.py) has the run's extraction workers run it, each on a consecutive share of the batch's
files (`Extractor.process`), and a worker elsewhere can run it whole and hand back the frames (or
write them as Parquet) for the driver to load.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from flows.ops.children import end_with_parent
from flows.ops.inventory import read_batch
from flows.reference import known_names, load_all
from flows.steps.clean import clean
from flows.steps.extract import extract
from flows.steps.schema import RAW_SCHEMAS

T = TypeVar("T")

# Below this much input (article text, or file bytes for a whole batch), handing it to worker
# processes costs more than it saves.
PARALLEL_FROM_BYTES = 1_000_000


# The three parts of a batch, named as the stages of a run report them.
STAGES = ("ingest", "clean", "extract")


class BatchFailed(RuntimeError):
    """A part of a batch raised: which stage (ingest, clean or extract), the error's type and message,
    and its trace as text (the error itself may not survive the trip back from a worker process)."""

    def __init__(self, stage: str, message: str, trace: str = ""):
        super().__init__(stage, message, trace)
        self.stage, self.message, self.trace = stage, message, trace

    def __str__(self) -> str:
        return self.message


@dataclass
class Batch:
    files: pl.DataFrame  # the batch's inventory rows after decoding (status, reason, encoding; text null)
    documents: pl.DataFrame  # raw.documents rows
    facts: dict[str, pl.DataFrame]  # raw.<table> rows, per flows.steps.schema.RAW_SCHEMAS
    seconds: dict[str, float] = field(default_factory=dict)  # per stage, summed over the processes that ran it

    @classmethod
    def concat(cls, parts: list[Batch]) -> Batch:
        """Consecutive parts of one batch as one: rows in part order, seconds summed."""
        facts = {name: pl.concat([part.facts[name] for part in parts]) for name in parts[0].facts}
        seconds = {stage: sum(part.seconds.get(stage, 0.0) for part in parts) for stage in STAGES}
        files = pl.concat([part.files for part in parts], how="diagonal_relaxed")
        return cls(files, pl.concat([part.documents for part in parts]), facts, seconds)

    def write(self, folder: Path) -> Path:
        """One Parquet file per frame under folder (files.parquet, documents.parquet, <fact>.parquet),
        for a worker to hand a batch to the process that loads it; returns folder."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in {"files": self.files, "documents": self.documents, **self.facts}.items():
            frame.write_parquet(folder / f"{name}.parquet")
        return folder

    @classmethod
    def read(cls, folder: Path) -> Batch:
        """The batch `write` left in folder."""
        frames = {path.stem: pl.read_parquet(path) for path in sorted(folder.glob("*.parquet"))}
        return cls(
            frames.pop("files"), frames.pop("documents"), {name: frames[name] for name in RAW_SCHEMAS if name in frames}
        )


def plan(inventory: pl.DataFrame, size: int) -> list[pl.DataFrame]:
    """The files to read again (action "extract"), in source_file order, `size` at a time:
    plan(inventory of 4,500 new files, 2000) -> 3 frames of 2000, 2000 and 500 rows."""
    todo = inventory.filter(pl.col("action") == "extract").sort("source_file")
    return [todo.slice(start, size) for start in range(0, todo.height, size)]


def decode_batch(rows: pl.DataFrame, input_dir: Path) -> pl.DataFrame:
    """read_batch, then the plan's `action` kept only for files that are still processed."""
    decoded = read_batch(rows.drop("action"), input_dir)
    return decoded.with_columns(action=pl.when(pl.col("status") == "processed").then(pl.lit("extract")))


def clean_batch(decoded: pl.DataFrame, today: date | None = None) -> pl.DataFrame:
    """Articles of a decoded batch (raw.documents rows); `today` (default: the system date, read
    here and not in the pure step) bounds plausible publication dates."""
    processed = decoded.filter(pl.col("status") == "processed")
    return clean(processed, list(known_names()) if processed.height else [], today=today or date.today())


def process_batch(
    rows: pl.DataFrame, input_dir: Path, extractor: Extractor | None = None, today: date | None = None
) -> Batch:
    """decode -> clean -> extract for one batch of plan rows: plan(...)[0] -> Batch(files, documents, facts),
    with the seconds of each part; an error in a part raises BatchFailed naming its stage."""
    today = today or date.today()  # one day for both steps, even when the batch runs across midnight
    seconds: dict[str, float] = {}
    decoded = _timed("ingest", seconds, decode_batch, rows, input_dir)
    documents = _timed("clean", seconds, clean_batch, decoded, today)
    facts = _timed("extract", seconds, (extractor or Extractor(1)).run, documents, today)
    return Batch(decoded.with_columns(text=pl.lit(None, pl.String)), documents, facts, seconds)


def _timed(stage: str, seconds: dict[str, float], part: Callable[..., T], *args: Any) -> T:
    started = time.perf_counter()
    try:
        return part(*args)
    except BatchFailed:
        raise
    except Exception as exc:
        raise BatchFailed(stage, f"{type(exc).__name__}: {exc}", traceback.format_exc()) from exc
    finally:
        seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - started


class Extractor:
    """Batches read, cleaned and extracted in `workers` processes kept for the whole run (starting
    them and loading the gazetteer in each costs seconds: once per run, not once per batch). Decoding,
    cleaning and the per-document rules are mostly pure-Python CPU work, so processes, not threads;
    the pool lives here in the task layer, the steps themselves are plain functions."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._ahead: list[tuple[pl.DataFrame, list[Future[Batch]]]] = []  # prefetch(): rows, their parts

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def process(self, rows: pl.DataFrame, input_dir: Path, today: date | None = None) -> Batch:
        """process_batch over plan rows, the files split between the workers in consecutive runs of
        about equal bytes: the same rows in the same order as one process gives (each file's rows
        depend on that file alone), in about 1/workers of the time. Rows prefetch()ed first are the
        parts already under way; a batch small enough for this process runs here while the started ones
        go on; other rows (a retry) cancel the started batches where they have not begun."""
        today = today or date.today()
        if self._ahead and self._ahead[0][0] is rows:
            return Batch.concat([part.result() for part in self._ahead.pop(0)[1]])
        if not self._shared(rows):  # the batches started meanwhile go on in the workers
            return process_batch(rows, input_dir, self, today)
        for _, parts in self._ahead:  # asked out of order (a retry): start again from these rows
            for part in parts:
                part.cancel()
        self._ahead = []
        return Batch.concat([part.result() for part in self._submit(rows, input_dir, today)])

    def prefetch(self, rows: pl.DataFrame, input_dir: Path, today: date | None = None) -> None:
        """Start process(rows) in the workers now, behind the batches already started, so that they
        read, clean and extract the coming batches while this process loads the last one into the
        warehouse; process(rows) then waits for it. Rows already started are not started again; a
        batch small enough to be processed in this process is not started early."""
        if self._shared(rows) and not any(started is rows for started, _ in self._ahead):
            self._ahead.append((rows, self._submit(rows, input_dir, today or date.today())))

    def _shared(self, rows: pl.DataFrame) -> bool:
        """Whether process() splits these rows between the workers (else it runs them here)."""
        size = int(rows["size_bytes"].fill_null(0).sum()) if rows.height else 0
        return self.workers > 1 and size >= PARALLEL_FROM_BYTES and rows.height >= 2 * self.workers

    def _submit(self, rows: pl.DataFrame, input_dir: Path, today: date) -> list[Future[Batch]]:
        size = int(rows["size_bytes"].fill_null(0).sum())
        share = rows["size_bytes"].fill_null(0).cum_sum() * self.workers // (size + 1)  # 0 .. workers-1
        parts = [rows.filter(share == worker) for worker in range(self.workers)]
        return [self._workers().submit(_process_part, part, input_dir, today) for part in parts if part.height]

    def _workers(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"), initializer=end_with_parent)
        return self._pool

    def run(self, documents: pl.DataFrame, today: date | None = None) -> dict[str, pl.DataFrame]:
        """Raw fact tables of these articles, rows in article order whatever the number of workers;
        `today` (default: the system date) bounds plausible event dates."""
        today = today or date.today()
        size = documents["text"].str.len_bytes().sum() if documents.height else 0
        if self.workers <= 1 or size < PARALLEL_FROM_BYTES or documents.height < 2 * self.workers:
            return extract(documents, load_all(), today)
        step = -(-documents.height // self.workers)
        chunks = [documents.slice(i, step) for i in range(0, documents.height, step)]
        parts = list(self._workers().map(_extract_chunk, chunks, [today] * len(chunks)))
        return {name: pl.concat([part[name] for part in parts]) for name in parts[0]}


def _process_part(rows: pl.DataFrame, input_dir: Path, today: date) -> Batch:
    """One worker's share of a batch, read, cleaned and extracted there."""
    return process_batch(rows, input_dir, Extractor(1), today)


def _extract_chunk(documents: pl.DataFrame, today: date) -> dict[str, pl.DataFrame]:
    """One worker's share: the reference tables are read from disk here, in the task layer (once
    per worker process, load_all caches them), and handed to the pure step."""
    return extract(documents, load_all(), today)
