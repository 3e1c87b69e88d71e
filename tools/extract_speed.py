"""Warm speed of extract() on one core: seconds and MB/s (UTF-8 text) for the first N documents of a warehouse.

The reference tables are loaded and extract() is run once on a few documents first, so the figures
leave out one-off costs (reading seeds, compiling patterns). `--profile` prints the top cProfile
entries (by own time) of the timed run instead of timing it alone. `--cold` empties the extractors'
per-string caches (names, name runs, name pairs) before each timed run: a generated corpus of
recombined paragraphs repeats its names far more than real news does, so warm caches flatter it.

    python tools/extract_speed.py --warehouse /tmp/c10k.duckdb --sizes 1000,3000
    python tools/extract_speed.py --warehouse /tmp/c10k.duckdb --sizes 1000 --profile
    python tools/extract_speed.py --warehouse /tmp/c10k.duckdb --sizes 1000 --cold
    python tools/extract_speed.py --long-article 1
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

TODAY = date(2026, 12, 1)


def string_caches() -> list[Any]:
    """The extractors' per-string caches (functools.lru_cache over names and name runs; the per-reference
    caches, of at most a few entries, stay)."""
    import flows.steps.extract as package

    modules = [package] + [
        importlib.import_module(f"{package.__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)
    ]
    found = {
        id(f): f
        for module in modules
        for f in vars(module).values()
        if callable(getattr(f, "cache_clear", None)) and (f.cache_parameters().get("maxsize") or 0) > 16
    }
    return list(found.values())  # (one function is found in every module that imports it)


def timed(docs: pl.DataFrame, profile: bool, top: int, cold: bool = False) -> float:
    """CPU seconds of one extract() over `docs` (printing a profile when asked; with `cold`, after
    emptying the per-string caches)."""
    from flows.reference import load_all
    from flows.steps.extract import extract

    ref = load_all()
    for cache in string_caches() if cold else []:
        cache.cache_clear()
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
    started = time.process_time()
    extract(docs, ref, today=TODAY)
    seconds = time.process_time() - started
    if profile:
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(top)
    return seconds


def report(label: str, docs: pl.DataFrame, profile: bool, top: int, repeat: int, cold: bool = False) -> None:
    megabytes = float(docs["text"].str.len_bytes().sum()) / 1e6
    best = min(timed(docs, profile, top, cold) for _ in range(repeat))
    print(
        f"{label}: {docs.height} documents, {megabytes:.2f} MB in {best:.2f} s CPU"
        f" -> {megabytes / best:.3f} MB/s per core{' (cold caches)' if cold else ''}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, help="warehouse file whose raw.documents are extracted (read-only)")
    parser.add_argument("--sizes", default="1000,3000", help="comma-separated document counts (first N by doc_id)")
    parser.add_argument(
        "--long-article",
        type=float,
        default=0,
        metavar="MB",
        help="also time one generated article of MB megabytes (flows.app.bench.long_article prints it)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="time each size this many times and keep the best")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top entries by own time")
    parser.add_argument("--cold", action="store_true", help="empty the per-string caches before each timed run")
    parser.add_argument("--top", type=int, default=30, help="how many profile entries to print")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tools.extract_snapshot import documents

    if args.warehouse:
        sizes = [int(s) for s in args.sizes.split(",") if s]
        every = documents(args.warehouse, max(sizes))
        timed(every.head(20), False, 0)  # warm: reference tables, compiled patterns
        for n in sizes:
            report(f"first {n}", every.head(n), args.profile, args.top, args.repeat, args.cold)
    if args.long_article:
        from flows.app.bench import long_article

        long_article(args.long_article)
    return 0


if __name__ == "__main__":
    sys.exit(main())
