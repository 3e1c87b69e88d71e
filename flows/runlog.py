"""Structured run logs: one JSON object per line in <warehouse>/runs/<run id>.jsonl.

Every progress line a run prints is also written here with its stage and numbers, e.g.

    {"ts": "2026-11-21T06:00:03.120Z", "run_id": "…", "stage": "extract", "event": "done",
     "message": "74 region_mentions, …", "seconds": 2.31, "counts": {"region_mentions": 74, …}}

so a log shipper, `jq` or DuckDB (`read_json('warehouse/runs/*.jsonl')`) can follow runs
without parsing text. The newest KEEP logs are kept.
"""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

KEEP = 100

_lock = threading.Lock()
_active: dict[str, object] = {}  # "path", "run_id" of the run in progress in this process


@contextmanager
def run_log(runs_dir: Path, run_id: str):
    """Route write() to runs_dir/<run_id>.jsonl for the duration of the block."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    path = runs_dir / f"{run_id}.jsonl"
    previous = dict(_active)
    _active.update(path=path, run_id=run_id)
    try:
        yield path
    finally:
        _active.clear()
        _active.update(previous)
        for old in sorted(runs_dir.glob("*.jsonl"), key=lambda p: p.stat().st_mtime)[:-KEEP]:
            old.unlink(missing_ok=True)


def write(stage: str, event: str, message: str = "", **fields) -> None:
    """Append one record to the active run's log (nothing happens outside a run)."""
    path = _active.get("path")
    if path is None:
        return
    record = {"ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
              "run_id": _active["run_id"], "stage": stage, "event": event, "message": message, **fields}
    line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
    with _lock, open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
