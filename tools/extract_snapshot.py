"""Snapshot of extract()'s output, to prove a change to flows/steps/extract leaves every row as it was.

Reads the documents a real run produced (`raw.documents` of a greenwire warehouse, read-only, in
doc_id order), runs `extract(documents, load_all(), today=2026-12-01)` on them and writes each
returned frame to OUT/NAME/<table>.parquet. Two snapshots are compared with --compare:

    python tools/extract_snapshot.py --warehouse seeds=/tmp/wh-seeds/greenwire.duckdb --out /tmp/before
    python tools/extract_snapshot.py --warehouse seeds=/tmp/wh-seeds/greenwire.duckdb --out /tmp/after
    python tools/extract_snapshot.py --compare /tmp/before /tmp/after
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

TODAY = date(2026, 12, 1)


def documents(warehouse: Path, limit: int | None) -> pl.DataFrame:
    """raw.documents of a warehouse file in doc_id order (the first `limit` rows when given)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        sql = "select * from raw.documents order by doc_id" + (f" limit {int(limit)}" if limit else "")
        frame: pl.DataFrame = con.sql(sql).pl()
        return frame
    finally:
        con.close()


def snapshot(name: str, warehouse: Path, out: Path, limit: int | None) -> None:
    from flows.reference import load_all
    from flows.steps.extract import extract

    docs = documents(warehouse, limit)
    ref = load_all()
    started = time.perf_counter()
    frames = extract(docs, ref, today=TODAY)
    seconds = time.perf_counter() - started
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    for table, frame in frames.items():
        frame.write_parquet(folder / f"{table}.parquet")
    rows = ", ".join(f"{t} {f.height}" for t, f in frames.items())
    print(f"{name}: {docs.height} documents in {seconds:.1f} s -> {rows}")


def compare(before: Path, after: Path) -> bool:
    """True when every Parquet file under `before` has an equal twin under `after` (and no file is missing)."""
    from polars.testing import assert_frame_equal

    ok = True
    left = sorted(p.relative_to(before) for p in before.rglob("*.parquet"))
    right = sorted(p.relative_to(after) for p in after.rglob("*.parquet"))
    if left != right:
        print(f"different files: {sorted(set(left) ^ set(right))}")
        ok = False
    for rel in sorted(set(left) & set(right)):
        try:
            assert_frame_equal(pl.read_parquet(before / rel), pl.read_parquet(after / rel))
            print(f"equal   {rel}")
        except AssertionError as err:
            print(f"DIFFER  {rel}: {str(err).splitlines()[0]}")
            ok = False
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--warehouse",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="a set to snapshot: its name and a warehouse file holding raw.documents (repeatable)",
    )
    parser.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=N",
        help="only the first N documents (by doc_id) of set NAME",
    )
    parser.add_argument("--out", type=Path, help="folder for the snapshot (one subfolder per set)")
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("BEFORE", "AFTER"),
        help="compare two snapshot folders; exit 1 when any frame differs",
    )
    args = parser.parse_args(argv)
    if args.compare:
        return 0 if compare(*args.compare) else 1
    if not args.warehouse or args.out is None:
        parser.error("give --warehouse NAME=FILE (one or more) and --out, or --compare BEFORE AFTER")
    limits = {name: int(n) for name, n in (item.split("=", 1) for item in args.limit)}
    for item in args.warehouse:
        name, file = item.split("=", 1)
        snapshot(name, Path(file), args.out, limits.get(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
