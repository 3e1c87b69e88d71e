"""warehouse/quarantine/: the input files a run could not use, each with its reason.

    quarantine/manifest.json      every file quarantined by the last run: source_file, reason,
                                  size, sha256, when first quarantined, and where its copy is
    quarantine/files/<sha>-<name> a copy of the bytes, to inspect or fix and drop back in

The input folder is never changed: files are copied, not moved. Not copied: symlinks (their
target may be anywhere), files that vanished, and files over the size limit (their path is
enough). Copies are named by content, so a file quarantined run after run is copied once;
copies no longer in the manifest are removed.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

MANIFEST = "manifest.json"


def record(
    inventory: pl.DataFrame, input_dir: Path, quarantine_dir: Path, run_id: str, now: datetime, max_copy_bytes: int
) -> list[dict[str, Any]]:
    """Copy this run's quarantined files and rewrite the manifest; returns its entries."""
    files_dir = quarantine_dir / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    earlier = {e["source_file"]: e for e in read(quarantine_dir)}
    entries = []
    for row in inventory.filter(pl.col("status") == "quarantined").iter_rows(named=True):
        copy, note = _copy(row, input_dir, files_dir, max_copy_bytes)
        before = earlier.get(row["source_file"], {})
        same = before.get("sha256") == row["sha256"]
        entries.append(
            {
                "source_file": row["source_file"],
                "reason": row["reason"],
                "size_bytes": row["size_bytes"],
                "sha256": row["sha256"],
                "copy": copy,
                "note": note,
                "first_quarantined_at": before.get("first_quarantined_at")
                if same
                else now.isoformat(timespec="seconds"),
                "run_id": run_id,
            }
        )
    manifest = {
        "run_id": run_id,
        "written_at": now.isoformat(timespec="seconds"),
        "input_dir": str(input_dir),
        "files": entries,
    }
    tmp = quarantine_dir / f".{MANIFEST}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, quarantine_dir / MANIFEST)
    kept = {e["copy"] for e in entries if e["copy"]}
    for stale in files_dir.iterdir():
        if f"files/{stale.name}" not in kept:
            stale.unlink()
    return entries


def read(quarantine_dir: Path) -> list[dict[str, Any]]:
    """The entries of the manifest, or [] when there is none (or it cannot be read)."""
    try:
        entries: list[dict[str, Any]] = json.loads((quarantine_dir / MANIFEST).read_text(encoding="utf-8"))["files"]
        return entries
    except (OSError, ValueError, KeyError):
        return []


def _copy(row: dict[str, Any], input_dir: Path, files_dir: Path, max_copy_bytes: int) -> tuple[str | None, str | None]:
    source = input_dir / row["source_file"]
    if source.is_symlink():
        return None, "a symlink: not copied, its target may be outside the input folder"
    if row["sha256"] is None:  # never read: too large, vanished or unreadable
        return None, f"not copied; see {source}" if source.exists() else "not copied: the file no longer exists"
    if (row["size_bytes"] or 0) > max_copy_bytes:
        return None, f"not copied (over {max_copy_bytes:,} bytes); see {source}"
    target = files_dir / f"{row['sha256'][:16]}-{source.name}"
    if not target.exists():
        try:
            tmp = target.with_name(f".{target.name}.tmp")
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        except OSError as exc:
            return None, f"not copied: {exc.strerror or exc}"
    return f"files/{target.name}", None
