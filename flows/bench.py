"""Throughput of each pure stage on a synthetic corpus made from the seeds: `make bench`.

Prints numbers; asserts nothing. The corpus repeats the seed files with their digits changed
and paragraphs shuffled, so sizes scale while the text stays realistic news.
"""
from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

import polars as pl

from flows.inventory import scan
from flows.reference import known_names, load_all
from flows.settings import DEFAULT_INPUT
from flows.steps.clean import clean
from flows.steps.dedup import signatures
from flows.steps.extract import extract, extract_parallel


def corpus(copies: int, seed: int = 7) -> pl.DataFrame:
    """An inventory-shaped frame of `copies` variants of every seed file."""
    rng = random.Random(seed)
    base = scan(DEFAULT_INPUT, 10**9).filter(pl.col("status") == "processed")
    rows = []
    for i in range(copies):
        for row in base.iter_rows(named=True):
            paragraphs = row["text"].split("\n")
            rng.shuffle(paragraphs)
            text = "\n".join(paragraphs).translate(str.maketrans("0123456789", "".join(rng.sample("0123456789", 10))))
            rows.append({**row, "source_file": f"{i:05d}_{row['source_file']}", "text": text})
    return pl.DataFrame(rows, schema=base.schema)


def timed(label: str, megabytes: float, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<28} {seconds:8.2f} s   {megabytes / seconds:7.2f} MB/s")
    return result


def flow_runs(files: pl.DataFrame, megabytes: float) -> None:
    """The real flow on the corpus written to disk: a first run, then a rerun with nothing changed."""
    import json
    import tempfile

    with tempfile.TemporaryDirectory(prefix="greenwire-bench-") as tmp:
        os.environ.setdefault("PREFECT_HOME", str(Path(tmp) / "prefect"))
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
        from flows.pipeline import greenwire_flow

        inbox, warehouse_dir = Path(tmp) / "in", Path(tmp) / "warehouse"
        inbox.mkdir()
        for name, text in files.select("source_file", "text").iter_rows():
            (inbox / name).write_text(text, encoding="utf-8")
        for label in ("first run (all new)", "rerun (nothing changed)"):
            start = time.perf_counter()
            summary = greenwire_flow(input_dir=str(inbox), warehouse_dir=str(warehouse_dir))
            seconds = time.perf_counter() - start
            log = warehouse_dir / "runs" / f"{summary.run_id}.jsonl"
            stages = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
            per_stage = ", ".join(f"{r['stage']} {r['seconds']:.1f}" for r in stages if r["event"] == "done")
            print(f"{label:<28} {seconds:8.2f} s   {megabytes / seconds:7.2f} MB/s   ({per_stage} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=200, help="variants of each seed file (default 200, ~8 MB)")
    parser.add_argument("--flow", action="store_true",
                        help="also run the whole flow on the corpus twice (first run, then unchanged rerun)")
    args = parser.parse_args()
    files = corpus(args.copies)
    megabytes = files["text"].str.len_bytes().sum() / 1e6
    print(f"corpus: {files.height} files, {megabytes:.1f} MB of raw text; rates below are per MB of raw text")
    ref = load_all()
    names = list(known_names())
    documents = timed("clean (all of it)", megabytes, lambda: clean(files, names))
    timed("  of which: signatures", megabytes, lambda: signatures(documents))
    facts = timed("extract, 1 process", megabytes, lambda: extract(documents, ref))
    workers = min(os.cpu_count() or 1, 4)
    timed(f"extract, {workers} processes", megabytes, lambda: extract_parallel(documents, load_all, workers))
    print(f"{documents.height} articles; " + ", ".join(f"{len(v)} {k}" for k, v in facts.items()))
    if args.flow:
        flow_runs(files, megabytes)


if __name__ == "__main__":
    main()
