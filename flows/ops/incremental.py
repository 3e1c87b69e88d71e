"""Incremental runs: which input files must be cleaned and extracted again, which keep their rows.

Policy (README, "Incremental runs"):

- a file is **reused** (no cleaning, no extraction; its rows stay in `raw`) when its bytes, its
  sidecar's bytes and the pipeline fingerprint all equal what the last run that processed it
  recorded in raw.files;
- a **new** or **changed** file (or sidecar) is cleaned and extracted, and its rows replace the
  old ones in one transaction;
- a file that is **gone** from the input folder, or is now quarantined, has its rows retracted;
  raw.files keeps it with status `deleted` (or `quarantined`) and the reason;
- any change to the extraction code or the reference tables changes the fingerprint, and every
  file is extracted again.

The marts are rebuilt from `raw` on every run, so reused and fresh rows give the same tables,
and the same inputs give the same Parquet bytes, whichever runs got them there.

A run whose whole input is unchanged since the last publish stops after ingest: same entries,
same bytes (sha256 of every file and sidecar, not just sizes and times), same quarantine
reasons from the listing, same code and settings that shape the output (`input_digest`), and
no run other than `unchanged` ones since that publish. Nothing is rebuilt, validated or
published again: the published version is the one these inputs give.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from flows import __version__
from flows.settings import EXPECTATIONS_DIR, REFERENCE_DIR, ROOT, Settings

# What decides the rows extracted from a file, besides the file itself.
FINGERPRINTED = (
    ROOT / "flows" / "steps",
    ROOT / "flows" / "reference",
    ROOT / "flows" / "ops" / "sidecar.py",
    REFERENCE_DIR,
)

PREVIOUS_SCHEMA = {
    "source_file": pl.String,
    "sha256": pl.String,
    "sidecar_sha256": pl.String,
    "status": pl.String,
    "extractor_version": pl.String,
}


@cache
def fingerprint() -> str:
    """The pipeline fingerprint recorded as raw.files.extractor_version: digest_of(FINGERPRINTED)."""
    return digest_of(FINGERPRINTED)


def input_digest(listing: pl.DataFrame, settings: Settings) -> str:
    """sha256 of everything a publish depends on: every entry's name, size, sha256 and listing
    status and reason, the settings that change the output, and all of greenwire's code, models,
    suites and reference tables (digest_of). Equal digests give the same published bytes."""
    digest = hashlib.sha256(code_digest(settings.sql_dir).encode())
    digest.update(f"max_file_bytes={settings.max_file_bytes}\0".encode())
    rows = listing.select("source_file", "size_bytes", "sha256", "status", "reason").sort("source_file")
    digest.update(rows.write_csv().encode())
    return digest.hexdigest()


@cache
def code_digest(sql_dir: Path) -> str:
    """digest_of greenwire's code, the models of `sql_dir`, the suites and the reference tables: what a
    build's output depends on besides the raw rows."""
    return digest_of((ROOT / "flows", sql_dir, EXPECTATIONS_DIR, REFERENCE_DIR))


def last_publish_of(
    con: duckdb.DuckDBPyConnection, digest: str, run_id: str, publish_dir: Path
) -> dict[str, Any] | None:
    """The last run (`unchanged` ones aside), when it published inputs with this digest and its
    version is still `current`: {"run_id", "published_version", "articles", "relevant"}; else None."""
    from flows.warehouse import runs

    last = runs.last_run(con, other_than=run_id)
    if last is None:
        return None
    last_run, outcome, last_digest, version, articles, relevant = (
        last[k] for k in ("run_id", "outcome", "input_digest", "published_version", "articles", "relevant")
    )
    current = publish_dir / "current"
    if (
        outcome != "published"
        or last_digest != digest
        or not version
        or not current.exists()
        or current.resolve().name != version
    ):
        return None
    return {"run_id": last_run, "published_version": version, "articles": articles, "relevant": relevant}


def digest_of(parts: tuple[Path, ...], root: Path = ROOT) -> str:
    """sha256 (first 16 hex digits) of greenwire's version and every file under parts, by path and bytes."""
    digest = hashlib.sha256(__version__.encode())
    for part in parts:
        files = sorted(p for p in part.rglob("*") if p.is_file()) if part.is_dir() else [part]
        for path in files:
            if path.suffix in {".pyc", ".pyo"} or "__pycache__" in path.parts:
                continue
            name = path.relative_to(root) if path.is_relative_to(root) else path
            digest.update(name.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def plan(inventory: pl.DataFrame, previous: pl.DataFrame, version: str) -> pl.DataFrame:
    """The inventory with `action`: "reuse" or "extract" for processed files, null for the rest.

    plan(inv, prev, v) marks a.txt "reuse" when prev holds a.txt as processed with the same
    sha256, sidecar_sha256 and extractor_version v; "extract" otherwise.
    """
    last = previous.select(
        "source_file",
        same=(pl.col("status") == "processed") & (pl.col("extractor_version") == version),
        prev_sha256=pl.col("sha256"),
        prev_sidecar=pl.col("sidecar_sha256"),
    )
    unchanged = (
        pl.col("same").fill_null(False)
        & pl.col("sha256").eq_missing(pl.col("prev_sha256"))
        & pl.col("sidecar_sha256").eq_missing(pl.col("prev_sidecar"))
    )
    return (
        inventory.join(last, on="source_file", how="left")
        .with_columns(
            action=pl.when(pl.col("status") != "processed")
            .then(None)
            .when(unchanged)
            .then(pl.lit("reuse"))
            .otherwise(pl.lit("extract"))
        )
        .drop("same", "prev_sha256", "prev_sidecar")
    )
