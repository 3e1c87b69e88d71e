"""Structured run logs: one JSON object per line in <warehouse>/runs/<run id>.jsonl.

Every progress line a run prints is also written here with its stage and numbers, e.g.

    {"ts": "2026-11-21T06:00:03.120Z", "run_id": "…", "stage": "extract", "event": "done",
     "message": "74 region_mentions, …", "seconds": 2.31, "counts": {"region_mentions": 74, …}}

so a log shipper, `jq` or DuckDB (`read_json('warehouse/runs/*.jsonl')`) can follow runs
without parsing text. The newest KEEP logs are kept.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

KEEP = 100
# Space set aside at the start of a run and given back when it fails, so that the failure itself
# (run log line, raw.runs row) can still be written when the disk is full.
BALLAST = ".ballast"
BALLAST_BYTES = 1 << 20


class _ActiveRun(NamedTuple):
    path: Path
    run_id: str


_lock = threading.Lock()
_active: _ActiveRun | None = None  # the run in progress in this process
_last: _ActiveRun | None = None  # the last run this process logged: library records after its end go there


@contextmanager
def run_log(runs_dir: Path, run_id: str) -> Iterator[Path]:
    """Route write() to runs_dir/<run_id>.jsonl for the duration of the block."""
    global _active, _last
    runs_dir.mkdir(parents=True, exist_ok=True)
    path = runs_dir / f"{run_id}.jsonl"
    previous = _active
    _active = _last = _ActiveRun(path, run_id)
    _set_aside(runs_dir / BALLAST)
    try:
        yield path
    finally:
        _active = previous
        for old in sorted(runs_dir.glob("*.jsonl"), key=lambda p: p.stat().st_mtime)[:-KEEP]:
            old.unlink(missing_ok=True)


class _LibraryRecords(logging.Handler):
    """A library logger's records as run-log records (stage "library"), with any trace."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            trace = {"trace": "".join(traceback.format_exception(*record.exc_info))} if record.exc_info else {}
            # after the run's end too (a client closing at exit): into the log of the run it belonged to
            write(
                "library",
                record.levelname.lower(),
                record.getMessage(),
                to=_active or _last,
                logger=record.name,
                **trace,
            )
        except Exception:
            self.handleError(record)


def capture(*loggers: str) -> None:
    """Send these loggers' records to the run log instead of the terminal: in each of them and in their
    existing descendants, a handler that prints to stderr or stdout is replaced by one that writes to the
    active run's log. Dask's `distributed` prints its errors with their tracebacks (a scheduler lost
    mid-run: a reconnect's CancelledError) beside greenwire's one line, from `distributed` and from
    `distributed.client`, which has a handler of its own; capture("distributed", "tornado", "bokeh")
    once distributed is imported."""
    names = set(logging.root.manager.loggerDict)
    for name in loggers:
        family = [name, *sorted(n for n in names if n.startswith(name + "."))]
        for member in family:
            logger = logging.getLogger(member)
            printing = [
                h
                for h in logger.handlers
                if isinstance(h, logging.StreamHandler) and h.stream in (sys.stderr, sys.stdout)
            ]
            for handler in printing:
                logger.removeHandler(handler)
            if (printing or member == name) and not any(isinstance(h, _LibraryRecords) for h in logger.handlers):
                logger.addHandler(_LibraryRecords())
        logging.getLogger(name).propagate = False


def write(stage: str, event: str, message: str = "", to: _ActiveRun | None = None, **fields: Any) -> None:
    """Append one record to the active run's log (or `to`'s; nothing happens outside a run)."""
    active = to or _active
    if active is None:
        return
    path = active.path
    record = {
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "run_id": active.run_id,
        "stage": stage,
        "event": event,
        "message": message,
        **fields,
    }
    line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
    try:
        with _lock, open(path, "a", encoding="utf-8") as fh:
            fh.write(line)
    except OSError as exc:
        if exc.filename:
            raise
        # a failed write() names no file: say which one, a full disk is otherwise a riddle
        raise OSError(exc.errno, exc.strerror, str(path)) from exc


def stage_of(exc: BaseException) -> str | None:
    """The Prefect task (stage) the exception was raised in, from its traceback: "publish", or None."""
    from prefect import Task

    stage = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        found = tb.tb_frame.f_globals.get(code.co_name)
        if isinstance(found, Task) and found.fn.__code__ is code:
            stage = found.name  # innermost wins
        tb = tb.tb_next
    return stage


def explain(exc: BaseException, where: Path | None = None) -> tuple[str | None, str]:
    """(stage, one line) for a failure, the line naming the path where there is one (else `where`,
    the warehouse folder: a failed write() names no file).

    OSError(ENOSPC) raised in the publish task -> ("publish", "No space left on device: /srv/wh/publish/…")
    """
    stage = getattr(exc, "stage", None)  # StageFailed says which stage; its cause says what happened
    if stage and exc.__cause__ is not None:
        exc = exc.__cause__
    stage = stage or stage_of(exc)
    if isinstance(exc, OSError) and exc.errno is not None and exc.strerror:
        detail = (
            f"{exc.strerror}: {exc.filename}"
            if exc.filename
            else f"{exc.strerror} (writing under {where})"
            if where
            else exc.strerror
        )
    else:
        text = str(exc).strip()
        # DuckDB appends a C++ stack trace to some messages: its first line says it all
        detail = text.splitlines()[0][:500] if text else type(exc).__name__
    if "no space left on device" in detail.lower():
        detail += " (free some space, then run again)"
    return stage, detail


def describe(exc: BaseException) -> str:
    """explain() as one line: "publish: No space left on device: /srv/wh/publish/…"."""
    stage, detail = explain(exc)
    return f"{stage}: {detail}" if stage else detail


def failed(exc: BaseException) -> str:
    """Record the run's failure (stage, one line, full trace) in its log and return the one line;
    gives back the space set aside at the start, so this works on a full disk."""
    path = _active.path if _active is not None else None
    if path is not None:
        (path.parent / BALLAST).unlink(missing_ok=True)
    stage, detail = explain(exc, path.parent.parent if path is not None else None)
    message = f"{stage}: {detail}" if stage else detail
    with contextlib.suppress(OSError):  # the disk is still full: the terminal line is all there is
        write(
            "run",
            "failed",
            message,
            failed_stage=stage,
            error=type(exc).__name__,
            traceback="".join(traceback.format_exception(exc)),
        )
    return message


# The attribute a failed run's exception carries its log under, for the CLI's one line.
_LOG_ATTRIBUTE = "run_log"


def attach(exc: BaseException, log_file: Path) -> None:
    """Name the run's log on its exception: the CLI's one line ends "full trace: <warehouse>/runs/<run id>.jsonl"."""
    setattr(exc, _LOG_ATTRIBUTE, log_file)


def attached(exc: BaseException) -> Path | None:
    """The run log attach() named on the exception, or None."""
    log_file: Path | None = getattr(exc, _LOG_ATTRIBUTE, None)
    return log_file


def last_failure(log_file: str | Path | None) -> str | None:
    """The message of a run log's "failed" record, if it has one: what `status` shows for a run
    whose outcome could not be written to the warehouse (a full disk, a damaged file)."""
    try:
        lines = Path(log_file).read_text(encoding="utf-8").splitlines() if log_file else []
    except OSError:
        return None
    for line in reversed(lines):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("stage") == "run" and record.get("event") == "failed":
            return record.get("message") or "failed"
    return None


def _set_aside(ballast: Path) -> None:
    if ballast.exists():
        return
    try:
        with open(ballast, "wb") as fh:
            os.posix_fallocate(fh.fileno(), 0, BALLAST_BYTES)
    except OSError:  # already too full to set space aside: the run will say so itself
        ballast.unlink(missing_ok=True)
