"""The `greenwire` command: run the pipeline, query the published data, validate, inspect."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import textwrap
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

from flows.ops.api import TemporaryAPI

if TYPE_CHECKING:  # imported where used: `greenwire --help` must not wait for Polars or Prefect
    import polars as pl

    from flows.ops.reruns import RunSummary
    from flows.ops.status import Status
    from flows.settings import Settings

DESCRIPTION = """\
greenwire turns raw Chinese news files about green and low-carbon development into a
clean, validated dataset: articles, regions, parties, events, event_parties, metrics and
mentions, published as Parquet under <warehouse>/publish/current.

Commands:
  run        ingest -> clean -> extract -> load -> build -> validate -> publish, once
  query      read-only SQL over the published tables (every contract table by name)
  validate   re-run the Great Expectations suites on the marts in the warehouse
  status     the last runs (outcome, duration, counts), what is published, quarantined files
  rebuild    re-create a damaged warehouse file from the input folder, then publish
  export     every published table as CSV (for Excel), an xlsx workbook or Parquet
  serve      register a scheduled deployment with a running Prefect server and execute its runs
  evaluate   precision, recall and F1 of the published tables against your own annotated files
"""

EPILOG = """\
examples:
  greenwire run                                   # seeds/raw -> warehouse/
  greenwire run --input ~/news --warehouse /srv/greenwire
  greenwire run --cluster tcp://10.0.0.5:8786     # batches on a Dask cluster (docs/scale-out.md)
  greenwire query "select event_type, count(*) from events group by 1"
  greenwire query "select * from metrics where unit = 'CNY'" --format csv > money.csv
  greenwire validate
  greenwire status --runs 5
  greenwire rebuild                               # after "the warehouse file ... is damaged"
  greenwire export --format xlsx --output greenwire.xlsx
  PREFECT_API_URL=http://127.0.0.1:4200/api greenwire serve --cron "0 6 * * *"
  greenwire evaluate my-gold/ --verbose

environment: GREENWIRE_INPUT, GREENWIRE_WAREHOUSE, GREENWIRE_MAX_FILE_BYTES,
GREENWIRE_KEEP_VERSIONS, GREENWIRE_BATCH_FILES, GREENWIRE_WORKERS, GREENWIRE_DUCKDB_MEMORY,
GREENWIRE_DUCKDB_THREADS, GREENWIRE_CLUSTER, GREENWIRE_CACHE (default ~/.cache/greenwire: an empty Prefect
database for new warehouses), PREFECT_HOME (default <warehouse>/.prefect), PREFECT_API_URL
(unset: a temporary local Prefect API is started for the run).
"""


def _folder_conflict(input_dir: str | None, warehouse_dir: str | None) -> str | None:
    """Why the input folder and the warehouse cannot be used together, if they overlap."""
    from flows import settings
    from flows.ops.inventory import FolderConflict, check_folders

    resolved = settings.load(input_dir, warehouse_dir)
    try:
        check_folders(resolved.input_dir, resolved.warehouse_dir)
    except FolderConflict as exc:
        return str(exc)
    return None


def _prepare_environment(warehouse_dir: str | None, verbose: bool = False) -> None:
    """Quiet, local defaults, set before Prefect or Great Expectations is imported."""
    from flows import settings

    resolved = settings.load(warehouse_dir=warehouse_dir)
    # Unless verbose, greenwire prints its own progress and one clear line per error; Prefect's copies
    # (with tracebacks) stay in the run's log on the API and in <warehouse>/runs/<run>.jsonl.
    settings.library_environment(resolved.prefect_home, console_level=None if verbose else "CRITICAL")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="greenwire",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    run = sub.add_parser(
        "run",
        help="run the whole pipeline once",
        description="Run ingest -> clean -> extract -> load -> build -> validate -> publish on every file "
        "of the input folder. Publishes only when every expectation passes; exits non-zero otherwise.",
    )
    run.add_argument("--input", metavar="DIR", help="folder of raw news files (default: seeds/raw)")
    run.add_argument("--warehouse", metavar="DIR", help="warehouse folder (default: warehouse/)")
    run.add_argument(
        "--wait",
        metavar="SECONDS",
        type=float,
        default=0.0,
        help="if another run holds the warehouse, wait this long before giving up (default: 0)",
    )
    run.add_argument(
        "--verbose", action="store_true", help="show Prefect's own log lines too (on a cluster, Dask's as well)"
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="rebuild, validate and publish even when nothing changed since the last publish, and "
        "read and hash every input file (otherwise a file whose size and modification time are "
        "unchanged keeps its recorded hash, as with git and rsync)",
    )
    run.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="a Dask scheduler (tcp://HOST:PORT; or GREENWIRE_CLUSTER): decode, clean and extract "
        "each batch of files on its workers; the input and warehouse folders must be on storage "
        "every worker reaches (docs/scale-out.md)",
    )

    rebuild = sub.add_parser(
        "rebuild",
        help="re-create a damaged warehouse from the input folder",
        description="Move greenwire.duckdb aside (as greenwire.duckdb.corrupt-<time> when it is damaged, "
        ".replaced-<time> otherwise) and run the whole pipeline on the input folder into a new one. Every file "
        "is extracted again; the published versions and the quarantine stay.",
    )
    rebuild.add_argument("--input", metavar="DIR", help="folder of raw news files (default: seeds/raw)")
    rebuild.add_argument("--warehouse", metavar="DIR", help="warehouse folder (default: warehouse/)")
    rebuild.add_argument(
        "--wait",
        metavar="SECONDS",
        type=float,
        default=0.0,
        help="if a run holds the warehouse, wait this long before giving up (default: 0)",
    )
    rebuild.add_argument("--verbose", action="store_true", help="show Prefect's own log lines too")

    query = sub.add_parser(
        "query",
        help="read-only SQL over the published tables",
        description="Run one SQL statement over the published dataset (publish/current), read-only. "
        "Tables: documents, regions, parties, events, event_parties, metrics, mentions.",
    )
    query.add_argument("sql", help='the SQL, e.g. "select * from events limit 5"')
    query.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="table (default, for people), csv or json (for programs)",
    )
    query.add_argument("--warehouse", metavar="DIR", help="warehouse folder (default: warehouse/)")
    query.add_argument(
        "--max-rows",
        type=int,
        default=50,
        metavar="N",
        help="rows shown in table format (default 50; csv and json print all)",
    )

    validate = sub.add_parser(
        "validate",
        help="re-run the expectation suites on the current marts",
        description="Validate the marts now in the warehouse with the suites in expectations/ and rebuild "
        "Data Docs. Exits non-zero when any expectation fails.",
    )
    validate.add_argument("--warehouse", metavar="DIR", help="warehouse folder (default: warehouse/)")

    status = sub.add_parser(
        "status",
        help="the last runs, what is published, and the quarantined files",
        description="Show the last runs of this warehouse (outcome, duration, files seen / extracted / reused / "
        "quarantined, articles, published version), the current publish, and every file now in quarantine "
        "with its reason. Read-only. A run still marked running whose process is gone shows as failed with the "
        "reason from its run log (say, a full disk), else as interrupted.",
    )
    status.add_argument("--warehouse", metavar="DIR", help="warehouse folder (default: warehouse/)")
    status.add_argument("--runs", type=int, default=10, metavar="N", help="how many runs to show (default 10)")
    status.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="table (default, for people) or json (for programs)",
    )
    status.add_argument(
        "--wait",
        metavar="SECONDS",
        type=float,
        default=10.0,
        help="if a run is writing to the warehouse file, wait this long for it (default: 10)",
    )
    status.add_argument(
        "--files",
        action="store_true",
        help="instead: every input file the warehouse knows, with its status (processed, skipped, "
        "quarantined) and reason, one per line",
    )

    export = sub.add_parser(
        "export",
        help="every published table as CSV, xlsx or Parquet",
        description="Write every table of the current publish. csv: one <table>.csv per table in the folder "
        "PATH, UTF-8 with a BOM (Excel reads it), lists joined as 'a; b'. xlsx: one workbook PATH, a sheet per "
        "table, header row frozen (cells over Excel's 32,767 characters are cut). parquet: the published files "
        "and dictionary.json into the folder PATH.",
    )
    export.add_argument("--format", choices=["csv", "xlsx", "parquet"], required=True, help="csv, xlsx or parquet")
    export.add_argument(
        "--output", metavar="PATH", required=True, help="a folder for csv and parquet, the workbook file for xlsx"
    )
    export.add_argument("--warehouse", metavar="DIR", help="warehouse folder (default: warehouse/)")

    serve = sub.add_parser(
        "serve",
        help="run the pipeline on a schedule (needs a running Prefect server)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.dedent("""\
            Register the deployment greenwire/NAME with a running Prefect server and execute its runs
            from this process, on one host, until stopped. Ctrl-C (or SIGTERM) stops it and pauses
            the deployment; start it again to resume.

            Needs PREFECT_API_URL pointing at a running `prefect server`, e.g. in one terminal:
              PREFECT_HOME=$PWD/.prefect PREFECT_SERVER_ANALYTICS_ENABLED=false \\
                .venv/bin/prefect server start --host 127.0.0.1 --port 4200
            and in another:
              export PREFECT_API_URL=http://127.0.0.1:4200/api
              .venv/bin/greenwire serve
            Run now instead of waiting: .venv/bin/prefect deployment run greenwire/greenwire-daily
            The worker-based alternative (prefect.yaml) is in docs/deployment.md."""),
    )
    serve.add_argument(
        "--cron",
        metavar="CRON",
        help='when to run, cron in UTC (default: GREENWIRE_SCHEDULE, else "0 6 * * *", daily 06:00)',
    )
    serve.add_argument(
        "--name", default="greenwire-daily", help="deployment name, shown as greenwire/NAME (default: greenwire-daily)"
    )
    serve.add_argument("--input", metavar="DIR", help="folder of raw news files for every run (default: seeds/raw)")
    serve.add_argument("--warehouse", metavar="DIR", help="warehouse folder for every run (default: warehouse/)")
    # A long-running service should log each run it picks up, so Prefect's INFO lines stay on.
    serve.set_defaults(verbose=True)

    evaluate = sub.add_parser(
        "evaluate",
        help="score the published tables against annotated gold files",
        description="Compare what the current publish (or --publish DIR) extracted from each raw file with "
        "GOLD_DIR/<source_file>.json, annotated as docs/evaluation.md describes; print precision, recall and "
        "F1 per table, articles exact per file, cross-file event deduplication and macro F1.",
    )
    evaluate.add_argument("gold_dir", metavar="GOLD_DIR", help="folder of <source_file>.json gold files")
    evaluate.add_argument("--publish", metavar="DIR", help="a publish folder (default: <warehouse>/publish/current)")
    evaluate.add_argument("--warehouse", metavar="DIR", help="warehouse folder (default: warehouse/)")
    evaluate.add_argument("--verbose", action="store_true", help="list every missed and extra item")
    evaluate.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="table (default, for people) or json (for programs)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run" and (conflict := _folder_conflict(args.input, args.warehouse)):
        return _fail(conflict)  # before anything, even Prefect's home, is created in the warehouse
    _prepare_environment(getattr(args, "warehouse", None), getattr(args, "verbose", False))
    try:
        problem = _path_problem(getattr(args, "warehouse", None))
        if problem:
            return _fail(problem)
        return {
            "run": _run,
            "query": _query,
            "validate": _validate,
            "status": _status,
            "serve": _serve,
            "export": _export,
            "evaluate": _evaluate,
            "rebuild": _rebuild,
        }[args.command](args)
    except KeyboardInterrupt:
        print("greenwire: interrupted; publish/current is unchanged", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `greenwire status --files | head`: the reader left; stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _fail(message: str, exc: BaseException | None = None) -> int:
    print(f"greenwire: error: {message}", file=sys.stderr)
    _release(exc)
    return 1


def _first_line(exc: BaseException) -> str:
    """`InternalException: INTERNAL Error: …` without the C++ stack trace DuckDB appends to it."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0][:300]}" if lines else type(exc).__name__


def _release(exc: BaseException | None) -> None:
    """Drop the frames a caught exception keeps alive: DuckDB objects left in them at
    interpreter exit make its bindings print pages of (harmless) leak warnings."""
    import gc
    import traceback

    while exc is not None:
        if exc.__traceback__ is not None:
            traceback.clear_frames(exc.__traceback__)
        exc = exc.__cause__ or exc.__context__
    gc.collect()


def _path_problem(warehouse_dir: str | None) -> str | None:
    """Why the warehouse folder cannot be one (a file on its path), before anything touches it."""
    from flows import settings

    path = settings.load(warehouse_dir=warehouse_dir).warehouse_dir
    for folder in (path, *path.parents):
        if folder.exists():
            if not folder.is_dir():
                return (
                    f"setup: the warehouse folder {path} cannot be created: {folder} is a file, not a folder; "
                    "pass --warehouse DIR (or GREENWIRE_WAREHOUSE) naming a folder"
                )
            return None
    return None


# Below this, the temporary Prefect API cannot create its database and Prefect only says so after a
# two-minute wait for it; the seeds' run needs about 6 MB for Prefect and 20 MB of warehouse.
MIN_FREE_BYTES = 16 << 20


def _preflight(resolved: Settings) -> str | None:
    """Why a run cannot start (the Prefect API, folders, free space), as one line, or None."""
    import shutil

    api = os.environ.get("PREFECT_API_URL")
    if api:
        import httpx

        from flows.app.deploy import SERVER_HINT

        try:  # /health answers without credentials; Prefect's own client would retry for half a minute first
            httpx.get(api.rstrip("/") + "/health", timeout=5).raise_for_status()
        except httpx.HTTPError as exc:
            return (
                f"setup: no Prefect server answers at PREFECT_API_URL={api} ({type(exc).__name__}); "
                f"{SERVER_HINT}, or unset PREFECT_API_URL to run with a temporary local one"
            )
    home = Path(os.environ["PREFECT_HOME"])
    for folder in (resolved.warehouse_dir, home):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"setup: cannot create {folder}: {exc.strerror}"
    free = shutil.disk_usage(home).free
    if not api and free < MIN_FREE_BYTES:
        return (
            f"setup: No space left on device: only {free / 2**20:.1f} MB free at {home}, where the temporary "
            f"Prefect API keeps its database (it needs {MIN_FREE_BYTES >> 20} MB); free some space, or set "
            "PREFECT_HOME to a folder on another disk"
        )
    return None


def _run(args: argparse.Namespace) -> int:
    from flows import settings
    from flows.ops.lock import WarehouseLocked, holder, refusal, warehouse_lock

    resolved = settings.load(args.input, args.warehouse, args.cluster)
    if args.wait <= 0 and holder(resolved.lock_file) is not None:
        return _fail(refusal(resolved.lock_file))  # before the preflight: one line, nothing touched
    problem = _preflight(resolved)
    if problem:
        return _fail(problem)
    # Prefect's temporary API gets ready on the other core while the folder is checked (flows/ops/api.py)
    api = TemporaryAPI.start(Path(os.environ["PREFECT_HOME"]))
    try:  # one hold for the whole run: no other run can slip in between the checks and the flow
        with warehouse_lock(resolved.lock_file, wait_seconds=args.wait):
            return _run_locked(args, resolved, api)
    except WarehouseLocked as exc:
        return _fail(str(exc))
    finally:
        _stop_unused(api)


def _stop_unused(api: TemporaryAPI | None) -> None:
    """Stop the temporary API now when no flow ran on it; else it stops at exit, after Prefect's last log lines."""
    if api is not None and os.environ.get("PREFECT_API_URL") != api.api_url:
        api.stop()


def _run_locked(args: argparse.Namespace, resolved: Settings, api: TemporaryAPI | None = None) -> int:
    from flows.warehouse import WarehouseBusy, integrity

    try:  # before the quick answer below reads it: a damaged warehouse is one line, whatever changed
        integrity.check(resolved.database)
    except integrity.WarehouseCorrupt as exc:
        return _fail(str(exc), exc)
    except WarehouseBusy:
        pass  # another process holds the file: the flow says so in one line
    if resolved.cluster:
        from flows.ops import scheduler  # without Prefect: it is imported once its API's address is set

        try:  # before any work: an unreachable scheduler is one line, not a half-done run
            cluster = scheduler.probe(resolved.cluster)
        except scheduler.ClusterUnreachable as exc:
            return _fail(str(exc), exc)
        if not args.verbose:  # distributed's errors and their traces go to the run log, not the terminal
            from flows.ops import runlog

            runlog.capture("distributed", "tornado", "bokeh")
        dashboard = f"; dashboard {cluster.dashboard}" if cluster.dashboard else ""
        print(f"greenwire | cluster  | {cluster.address}: {cluster.workers} workers{dashboard}", flush=True)
    if not args.force:
        from flows.ops.reruns import quick_rerun

        try:  # nothing changed since the last publish: say so without starting Prefect
            summary = quick_rerun(resolved, hand_over=True)  # else the flow's ingest takes this listing
        except (FileNotFoundError, NotADirectoryError) as exc:
            return _fail(str(exc), exc)
        if summary is not None:
            print(format_summary(summary))
            return 0
    from flows.ops.reruns import handed_over

    try:
        return _run_flow(args, api)
    finally:
        handed_over()


def _run_flow(args: argparse.Namespace, temporary: TemporaryAPI | None = None) -> int:
    from flows import settings

    if temporary is not None:
        # Set before Prefect is imported (its settings read it then), so the server goes on starting on the
        # other core while Prefect and the pipeline are imported here: 2.3-3.0 s that used to follow the wait.
        os.environ["PREFECT_API_URL"] = temporary.api_url
    from flows.ops import runlog
    from flows.ops.lock import WarehouseLocked
    from flows.pipeline import ValidationFailed, greenwire_flow
    from flows.warehouse import WarehouseBusy, integrity

    resolved = settings.load(args.input, args.warehouse, getattr(args, "cluster", None))
    fallback: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if temporary is not None and temporary.url(settings.startup_seconds()) is None:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        del os.environ["PREFECT_API_URL"]  # it did not come up: the flow starts Prefect's own temporary API
        fallback = temporary_settings(restore_defaults={PREFECT_API_URL})

    flow = greenwire_flow
    api: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if resolved.cluster:
        from flows import scaleout

        # prefect-dask declares DaskTaskRunner a TaskRunner of thread-pool futures (its bare base class),
        # which Flow.with_options' type refuses; at run time it is the runner Prefect documents for Dask.
        flow = greenwire_flow.with_options(task_runner=scaleout.task_runner(resolved.cluster))  # type: ignore[arg-type]
        api = scaleout.shared_api()
    try:
        with fallback, api:
            summary = flow(
                input_dir=args.input,
                warehouse_dir=args.warehouse,
                wait_seconds=args.wait,
                force=getattr(args, "force", False),
                cluster=resolved.cluster,
            )
    except (
        ValidationFailed,
        WarehouseLocked,
        WarehouseBusy,
        integrity.WarehouseCorrupt,
        FileNotFoundError,
        NotADirectoryError,
    ) as exc:
        return _fail(str(exc), exc)
    except Exception as exc:  # a stage failed: say which, why and where; the full trace is in the run's log
        stage, detail = runlog.explain(exc, settings.load(args.input, args.warehouse).warehouse_dir)
        return _fail(
            f"run failed at {stage or 'start'}: {detail}; full trace: {runlog.attached(exc) or 'the run log'}", exc
        )
    print(format_summary(summary))
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    """Move the warehouse file aside and run once from the input folder: raw is reproducible."""
    from datetime import datetime

    import duckdb

    from flows import settings
    from flows.ops.lock import WarehouseLocked, warehouse_lock
    from flows.warehouse import WarehouseBusy, integrity

    resolved = settings.load(args.input, args.warehouse)
    problem = _preflight(resolved)
    if problem:
        return _fail(problem)
    api = TemporaryAPI.start(Path(os.environ["PREFECT_HOME"]))
    try:
        with warehouse_lock(resolved.lock_file, wait_seconds=args.wait):
            try:
                integrity.check(resolved.database)
                kind = "replaced"
            except (integrity.WarehouseCorrupt, duckdb.Error):  # anything DuckDB cannot open goes aside
                kind = "corrupt"
            stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
            moved = []
            for path in (resolved.database, resolved.database.with_name(resolved.database.name + ".wal")):
                if path.exists():
                    aside = path.with_name(f"{path.name}.{kind}-{stamp}")
                    try:
                        os.replace(path, aside)
                    except OSError as exc:
                        return _fail(f"rebuild: cannot move {exc.filename} aside: {exc.strerror}")
                    moved.append(aside)
            for aside in moved:
                print(f"greenwire: moved {aside.name.split('.' + kind)[0]} aside to {aside}", file=sys.stderr)
            return _run_flow(args, api)  # under the same hold: no other run starts on the emptied warehouse
    except (WarehouseLocked, WarehouseBusy) as exc:
        return _fail(str(exc))
    finally:
        _stop_unused(api)


def format_summary(summary: RunSummary) -> str:
    """The end-of-run report: every file's fate, rows per table, validation, where the data is."""
    if summary.unchanged_since:
        return (
            f"greenwire run {summary.run_id}: unchanged since run {summary.unchanged_since['run_id']}; "
            f"{summary.unchanged_since['published_version']} stays published (--force rebuilds anyway)"
        )
    published, report = summary.published, summary.validation
    if published is None or report is None:
        raise ValueError(f"run {summary.run_id} neither published nor found its input unchanged: no summary to give")
    files = summary.files
    statuses = files["status"].to_list()
    actions = files["action"].to_list()
    lines = [
        f"greenwire run {summary.run_id}: published",
        f"  files     {len(statuses)} seen, {statuses.count('processed')} processed "
        f"({actions.count('extract')} new or changed, {actions.count('reuse')} unchanged and reused), "
        f"{statuses.count('quarantined')} quarantined, {statuses.count('skipped')} skipped",
    ]
    warehouse_dir = published.parent.parent.parent
    lines += _file_notes(files, warehouse_dir)
    if "quarantined" in statuses:
        lines.append(f"    (copies and reasons: {warehouse_dir / 'quarantine' / 'manifest.json'})")
    if summary.cluster_workers:
        lines.append(f"  cluster   {summary.batches} batches on {summary.cluster_workers} Dask workers")
    lines.append(
        f"  articles  {summary.articles} ({summary.relevant} relevant); "
        f"{summary.extracted_articles} cleaned and extracted by this run"
    )
    lines.append("  rows      " + ", ".join(f"{t} {n}" for t, n in summary.marts.items()))
    lines.append(
        f"  validated {report.evaluated - len(report.failures)}/{report.evaluated} expectations passed "
        f"(Data Docs: {report.docs_index})"
    )
    lines.append(f"  published {published.parent.parent / 'current'} -> {published.name}")
    lines.append(f"  log       {warehouse_dir / 'runs' / (summary.run_id + '.jsonl')}")
    return "\n".join(lines)


SUMMARY_FILES_PER_STATUS = 20  # a 100,000-file folder must not print 100,000 lines


def _file_notes(files: pl.DataFrame, warehouse_dir: Path) -> list[str]:
    """One line per file worth a look (quarantined, skipped, processed with a note), at most
    SUMMARY_FILES_PER_STATUS per status; a sidecar read with its article is counted, not listed."""
    import polars as pl

    noted = files.filter((pl.col("status") != "processed") | pl.col("reason").is_not_null())
    plain_sidecar = pl.col("reason") == pl.lit("metadata sidecar of ") + pl.col("source_file").str.replace(
        r"\.meta\.json$", ""
    )
    sidecars = noted.filter(plain_sidecar).height
    lines = []
    for status in ("quarantined", "skipped", "processed"):
        shown = noted.filter((pl.col("status") == status) & ~plain_sidecar)
        for source_file, reason in shown.head(SUMMARY_FILES_PER_STATUS).select("source_file", "reason").iter_rows():
            lines.append(f"    {status:<11} {source_file}: {reason}")
        if shown.height > SUMMARY_FILES_PER_STATUS:
            lines.append(
                f"    {status:<11} … and {shown.height - SUMMARY_FILES_PER_STATUS} more "
                f"(every file: greenwire status --files --warehouse {warehouse_dir})"
            )
    if sidecars:
        lines.append(
            f"    skipped     {sidecars} metadata sidecar{'s' * (sidecars != 1)} (*.meta.json), "
            "each read with its article"
        )
    return lines


def _query(args: argparse.Namespace) -> int:
    import duckdb

    from flows import settings
    from flows.app import query

    current = settings.load(warehouse_dir=args.warehouse).current
    if not (current / "manifest.json").exists():
        return _fail(f"nothing published yet at {current}: run `greenwire run` first")
    try:
        con = query.connect(current)
    except (OSError, ValueError, duckdb.Error) as exc:
        return _fail(f"cannot open the published dataset at {current}: {exc}")
    try:
        with con:
            sys.stdout.write(query.run(con, args.sql, args.format, args.max_rows))
    except query.Refused as exc:
        return _fail(str(exc), exc)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from flows import settings, warehouse
    from flows.warehouse import integrity, validation

    resolved = settings.load(warehouse_dir=args.warehouse)
    try:
        with warehouse.connect(resolved.database, read_only=True) as con:
            integrity.verify(con, resolved.database)
            report = validation.validate(con, resolved.docs_dir)
    except (warehouse.WarehouseBusy, FileNotFoundError, integrity.WarehouseCorrupt) as exc:
        return _fail(str(exc), exc)
    except Exception as exc:  # one line, never a traceback
        found = integrity.damage(exc, resolved.database)
        return _fail(str(found) if found else f"validate failed: {_first_line(exc)}", exc)
    for table, (passed, evaluated) in report.per_table.items():
        print(f"  {table:<14} {passed}/{evaluated} passed")
    for failure in report.failures:
        print(f"  FAILED {failure}")
    print(
        f"{'passed' if report.success else 'FAILED'}: {report.evaluated - len(report.failures)}/"
        f"{report.evaluated} expectations; Data Docs: {report.docs_index}"
    )
    return 0 if report.success else 1


def _status(args: argparse.Namespace) -> int:
    from flows import settings, warehouse
    from flows.ops import status
    from flows.warehouse import integrity

    try:
        if args.files:
            rows = status.files(settings.load(warehouse_dir=args.warehouse), wait_seconds=args.wait)
            if args.format == "json":
                print(json.dumps(rows, ensure_ascii=False, default=str, indent=1))
            else:
                sys.stdout.writelines(
                    f"{r['status']:<11} {r['source_file']}" + (f": {r['reason']}" if r["reason"] else "") + "\n"
                    for r in rows
                )
            return 0
        found = status.read(settings.load(warehouse_dir=args.warehouse), runs=args.runs, wait_seconds=args.wait)
    except (warehouse.WarehouseBusy, FileNotFoundError, integrity.WarehouseCorrupt) as exc:
        return _fail(str(exc), exc)
    except BrokenPipeError:
        raise
    except Exception as exc:  # one line, never a traceback
        return _fail(f"status failed: {_first_line(exc)}", exc)
    if args.format == "json":
        print(
            json.dumps(
                {
                    "warehouse": str(found.warehouse_dir),
                    "active_run": found.active_run,
                    "runs": found.runs,
                    "published": found.published,
                    "quarantined": found.quarantined,
                },
                ensure_ascii=False,
                default=str,
                indent=1,
            )
        )
    else:
        print(format_status(found))
    return 0


def format_status(found: Status) -> str:
    """`greenwire status` for people: runs newest first, the publish, the quarantine."""

    lines = [f"warehouse {found.warehouse_dir}"]
    if found.active_run:
        lines.append(
            f"  a run is in progress now (PID {found.active_run.get('pid')}, since {found.active_run.get('since')})"
        )
    lines.append(f"last {len(found.runs)} runs, newest first:" if found.runs else "no runs yet")
    for run in found.runs:
        took = f"{run['seconds']:.0f} s" if run["seconds"] is not None else "-"
        files = (
            f"files {run['files_seen']} seen, {run['files_extracted']} extracted, {run['files_reused']} reused, "
            f"{run['files_quarantined']} quarantined; articles {run['articles']}"
            if run["files_seen"] is not None
            else ""
        )
        started = run["started_at"].astimezone(UTC)
        lines.append(
            f"  {started:%Y-%m-%d %H:%M:%SZ} {run['run_id'][:8]} {run['outcome']:<11} {took:>6}  "
            f"{files}" + (f" -> {run['published_version']}" if run["published_version"] else "")
        )
        if run["message"] and run["outcome"] != "published":
            lines.append(f"      {run['message']}")
    if found.published:
        tables = ", ".join(f"{t} {e['rows']}" for t, e in found.published["tables"].items())
        lines.append(f"published {found.published['version']} at {found.published['published_at']}: {tables}")
    else:
        lines.append("nothing published yet")
    lines.append(f"quarantined files: {len(found.quarantined)}")
    for row in found.quarantined:
        lines.append(f"  {row['source_file']}: {row['reason']}")
        if row["copy"]:
            lines.append(f"      copy: {row['copy']}")
    return "\n".join(lines)


def _export(args: argparse.Namespace) -> int:
    from flows import settings
    from flows.app import export

    current = settings.load(warehouse_dir=args.warehouse).current
    try:
        written = export.export(current, args.format, Path(args.output))
    except export.ExportError as exc:
        return _fail(str(exc))
    print(f"greenwire: exported {len(written)} files from {current.resolve().name} to {args.output}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from flows import settings
    from flows.app.evaluate import EvaluationError, evaluate, format_report

    publish = Path(args.publish) if args.publish else settings.load(warehouse_dir=args.warehouse).current
    try:
        report = evaluate(Path(args.gold_dir), publish)
    except EvaluationError as exc:
        return _fail(str(exc))
    if args.format == "json":
        if not args.verbose:
            for table in report["tables"].values():
                del table["missed"], table["extra"]
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_report(report, verbose=args.verbose))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from flows.app import deploy

    try:
        Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _fail(f"setup: cannot create {os.environ['PREFECT_HOME']}: {exc.strerror}")

    try:
        deploy.serve(name=args.name, cron=args.cron, input_dir=args.input, warehouse_dir=args.warehouse)
    except deploy.ServeError as exc:
        return _fail(str(exc))
    print(
        f"greenwire: stopped serving; {deploy.full_name(args.name)} is paused until the next `greenwire serve`",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
