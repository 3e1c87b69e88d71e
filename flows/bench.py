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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=200, help="variants of each seed file (default 200, ~8 MB)")
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


if __name__ == "__main__":
    main()
