"""The `greenwire` command: run the pipeline, query the published data, validate, inspect."""
from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

DESCRIPTION = """\
greenwire turns raw Chinese news files about green and low-carbon development into a
clean, validated dataset: articles, regions, parties, events, event_parties, metrics and
mentions, published as Parquet under <warehouse>/publish/current.

Commands:
  run        ingest -> clean -> extract -> load -> build -> validate -> publish, once
  query      read-only SQL over the published tables (every contract table by name)
  validate   re-run the Great Expectations suites on the marts in the warehouse
  status     the last runs (outcome, duration, counts), what is published, quarantined files
  export     every published table as CSV (for Excel), an xlsx workbook or Parquet
  serve      register a scheduled deployment with a running Prefect server and execute its runs
"""

EPILOG = """\
examples:
  greenwire run                                   # seeds/raw -> warehouse/
  greenwire run --input ~/news --warehouse /srv/greenwire
  greenwire query "select event_type, count(*) from events group by 1"
  greenwire query "select * from metrics where unit = 'CNY'" --format csv > money.csv
  greenwire validate
  greenwire status --runs 5
  greenwire export --format xlsx --output greenwire.xlsx
  PREFECT_API_URL=http://127.0.0.1:4200/api greenwire serve --cron "0 6 * * *"

environment: GREENWIRE_INPUT, GREENWIRE_WAREHOUSE, GREENWIRE_MAX_FILE_BYTES,
GREENWIRE_KEEP_VERSIONS, PREFECT_HOME (default <warehouse>/.prefect), PREFECT_API_URL
(unset: a temporary local Prefect API is started for the run).
"""


def _prepare_environment(warehouse_dir: str | None, verbose: bool = False) -> None:
    """Quiet, local defaults, set before Prefect or Great Expectations is imported."""
    from flows import settings

    resolved = settings.load(warehouse_dir=warehouse_dir)
    os.environ.setdefault("PREFECT_HOME", str(resolved.prefect_home))
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if not verbose:
        # greenwire prints its own progress and one clear line per error; Prefect's copies (with
        # tracebacks) stay in the run's log on the API and in <warehouse>/runs/<run>.jsonl.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="greenwire", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    run = sub.add_parser(
        "run", help="run the whole pipeline once",
        description="Run ingest -> clean -> extract -> load -> build -> validate -> publish on every file "
        "of the input folder. Publishes only when every expectation passes; exits non-zero otherwise.",
    )
    run.add_argument("--input", metavar="DIR", help="folder of raw news files (default: seeds/raw)")
    run.add_argument("--warehouse", metavar="DIR", help="warehouse folder (default: warehouse/)")
    run.add_argument("--wait", metavar="SECONDS", type=float, default=0.0,
                     help="if another run holds the warehouse, wait this long before giving up (default: 0)")
    run.add_argument("--verbose", action="store_true", help="show Prefect's own log lines too")
    run.add_argument("--force", action="store_true",
                     help="rebuild, validate and publish even when nothing changed since the last publish")

    query = sub.add_parser(
        "query", help="read-only SQL over the published tables",
        description="Run one SQL statement over the published dataset (publish/current), read-only. "
        "Tables: documents, regions, parties, events, event_parties, metrics, mentions.",
    )
    query.add_argument("sql", help='the SQL, e.g. "select * from events limit 5"')
    query.add_argument("--format", choices=["table", "csv", "json"], default="table",
                       help="table (default, for people), csv or json (for programs)")
    query.add_argument("--warehouse", metavar="DIR", help="warehouse folder (default: warehouse/)")
    query.add_argument("--max-rows", type=int, default=50, metavar="N",
                       help="rows shown in table format (default 50; csv and json print all)")

    validate = sub.add_parser(
        "validate", help="re-run the expectation suites on the current marts",
        description="Validate the marts now in the warehouse with the suites in expectations/ and rebuild "
        "Data Docs. Exits non-zero when any expectation fails.",
    )
    validate.add_argument("--warehouse", metavar="DIR", help="warehouse folder (default: warehouse/)")

    status = sub.add_parser(
        "status", help="the last runs, what is published, and the quarantined files",
        description="Show the last runs of this warehouse (outcome, duration, files seen / extracted / reused / "
        "quarantined, articles, published version), the current publish, and every file now in quarantine "
        "with its reason. Read-only. A run still marked running whose process is gone shows as interrupted.",
    )
    status.add_argument("--warehouse", metavar="DIR", help="warehouse folder (default: warehouse/)")
    status.add_argument("--runs", type=int, default=10, metavar="N", help="how many runs to show (default 10)")
    status.add_argument("--format", choices=["table", "json"], default="table",
                        help="table (default, for people) or json (for programs)")
    status.add_argument("--wait", metavar="SECONDS", type=float, default=10.0,
                        help="if a run is writing to the warehouse file, wait this long for it (default: 10)")

    export = sub.add_parser(
        "export", help="every published table as CSV, xlsx or Parquet",
        description="Write every table of the current publish. csv: one <table>.csv per table in the folder "
        "PATH, UTF-8 with a BOM (Excel reads it), lists joined as 'a; b'. xlsx: one workbook PATH, a sheet per "
        "table, header row frozen (cells over Excel's 32,767 characters are cut). parquet: the published files "
        "and dictionary.json into the folder PATH.",
    )
    export.add_argument("--format", choices=["csv", "xlsx", "parquet"], required=True, help="csv, xlsx or parquet")
    export.add_argument("--output", metavar="PATH", required=True,
                        help="a folder for csv and parquet, the workbook file for xlsx")
    export.add_argument("--warehouse", metavar="DIR", help="warehouse folder (default: warehouse/)")

    serve = sub.add_parser(
        "serve", help="run the pipeline on a schedule (needs a running Prefect server)",
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
    serve.add_argument("--cron", metavar="CRON",
                       help='when to run, cron in UTC (default: GREENWIRE_SCHEDULE, else "0 6 * * *", daily 06:00)')
    serve.add_argument("--name", default="greenwire-daily",
                       help="deployment name, shown as greenwire/NAME (default: greenwire-daily)")
    serve.add_argument("--input", metavar="DIR", help="folder of raw news files for every run (default: seeds/raw)")
    serve.add_argument("--warehouse", metavar="DIR", help="warehouse folder for every run (default: warehouse/)")
    # A long-running service should log each run it picks up, so Prefect's INFO lines stay on.
    serve.set_defaults(verbose=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _prepare_environment(getattr(args, "warehouse", None), getattr(args, "verbose", False))
    try:
        return {"run": _run, "query": _query, "validate": _validate, "status": _status,
                "serve": _serve, "export": _export}[args.command](args)
    except KeyboardInterrupt:
        print("greenwire: interrupted; publish/current is unchanged", file=sys.stderr)
        return 130


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


def _run(args) -> int:
    from flows import settings
    from flows.lock import WarehouseLocked, holder, refusal

    resolved = settings.load(args.input, args.warehouse)
    lock_file = resolved.lock_file
    if args.wait <= 0 and holder(lock_file) is not None:
        # Refuse before starting Prefect; the flow's own lock is what actually keeps runs apart.
        return _fail(refusal(lock_file))
    if not args.force:
        from flows.runs import quick_rerun

        try:  # nothing changed since the last publish: say so without starting Prefect
            summary = quick_rerun(resolved)
        except (FileNotFoundError, NotADirectoryError) as exc:
            return _fail(str(exc), exc)
        if summary is not None:
            print(format_summary(summary))
            return 0
    from flows.pipeline import StageFailed, ValidationFailed, greenwire_flow
    from flows.warehouse import WarehouseBusy

    try:
        summary = greenwire_flow(input_dir=args.input, warehouse_dir=args.warehouse, wait_seconds=args.wait,
                                 force=args.force)
    except ValidationFailed as exc:
        return _fail(str(exc), exc)
    except (WarehouseLocked, WarehouseBusy, FileNotFoundError, NotADirectoryError) as exc:
        return _fail(str(exc), exc)
    except StageFailed as exc:  # one line naming the stage, even when DuckDB's message holds a C++ trace
        return _fail(f"run failed: {exc}; full trace: {getattr(exc, 'run_log', 'the run log')}", exc)
    except Exception as exc:  # anything else: still one line, the trace is in the run log
        return _fail(f"run failed: {_first_line(exc)}; full trace: {getattr(exc, 'run_log', 'the run log')}", exc)
    print(format_summary(summary))
    return 0


def format_summary(summary) -> str:
    """The end-of-run report: every file's fate, rows per table, validation, where the data is."""
    if summary.unchanged_since:
        return (f"greenwire run {summary.run_id}: unchanged since run {summary.unchanged_since['run_id']}; "
                f"{summary.unchanged_since['published_version']} stays published (--force rebuilds anyway)")
    files = summary.files
    statuses = files["status"].to_list()
    actions = files["action"].to_list()
    lines = [
        f"greenwire run {summary.run_id}: published",
        f"  files     {len(statuses)} seen, {statuses.count('processed')} processed "
        f"({actions.count('extract')} new or changed, {actions.count('reuse')} unchanged and reused), "
        f"{statuses.count('quarantined')} quarantined, {statuses.count('skipped')} skipped",
    ]
    for source_file, status, reason, *_ in files.filter(files["status"] != "processed").iter_rows():
        lines.append(f"    {status:<11} {source_file}: {reason}")
    warehouse_dir = summary.published.parent.parent.parent
    if "quarantined" in statuses:
        lines.append(f"    (copies and reasons: {warehouse_dir / 'quarantine' / 'manifest.json'})")
    lines.append(f"  articles  {summary.articles} ({summary.relevant} relevant); "
                 f"{summary.extracted_articles} cleaned and extracted by this run")
    lines.append("  rows      " + ", ".join(f"{t} {n}" for t, n in summary.marts.items()))
    report = summary.validation
    lines.append(f"  validated {report.evaluated - len(report.failures)}/{report.evaluated} expectations passed "
                 f"(Data Docs: {report.docs_index})")
    lines.append(f"  published {summary.published.parent.parent / 'current'} -> {summary.published.name}")
    lines.append(f"  log       {warehouse_dir / 'runs' / (summary.run_id + '.jsonl')}")
    return "\n".join(lines)


def _query(args) -> int:
    import duckdb
    import polars as pl

    from flows import settings

    current = settings.load(warehouse_dir=args.warehouse).current
    snapshot = current / "greenwire.duckdb"
    if not snapshot.exists():
        return _fail(f"nothing published yet at {current}: run `greenwire run` first")
    with duckdb.connect(str(snapshot), read_only=True) as con:
        try:
            relation = con.sql(args.sql)
            frame = relation.pl() if relation is not None else None
        except duckdb.Error as exc:
            return _fail(f"query failed: {exc}")
    if frame is None:
        return _fail("the statement returned no rows (only queries are allowed: the data is read-only)")
    if args.format == "csv":
        sys.stdout.write(_flat(frame).write_csv())
    elif args.format == "json":
        print(json.dumps(frame.to_dicts(), ensure_ascii=False, default=str, indent=1))
    else:
        with pl.Config(tbl_rows=args.max_rows, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200,
                       tbl_hide_column_data_types=True):
            print(frame)
    return 0


def _flat(frame):
    """CSV has no nested values: lists and structs become JSON text (["生态管委会", "中国资环"])."""
    import polars as pl

    nested = [c for c, t in frame.schema.items() if t.is_nested()]
    return frame.with_columns(
        pl.col(c).map_elements(lambda v: json.dumps(v.to_list() if isinstance(v, pl.Series) else v,
                                                    ensure_ascii=False, default=str), return_dtype=pl.String)
        for c in nested
    )


def _validate(args) -> int:
    from flows import settings, validation, warehouse

    resolved = settings.load(warehouse_dir=args.warehouse)
    import duckdb

    try:
        with warehouse.connect(resolved.database, read_only=True) as con:
            report = validation.validate(con, resolved.docs_dir)
    except (warehouse.WarehouseBusy, FileNotFoundError) as exc:
        return _fail(str(exc))
    except duckdb.Error as exc:
        return _fail(f"validate failed: {_first_line(exc)}", exc)
    for table, (passed, evaluated) in report.per_table.items():
        print(f"  {table:<14} {passed}/{evaluated} passed")
    for failure in report.failures:
        print(f"  FAILED {failure}")
    print(f"{'passed' if report.success else 'FAILED'}: {report.evaluated - len(report.failures)}/"
          f"{report.evaluated} expectations; Data Docs: {report.docs_index}")
    return 0 if report.success else 1


def _status(args) -> int:
    from flows import settings, status, warehouse

    try:
        found = status.read(settings.load(warehouse_dir=args.warehouse), runs=args.runs, wait_seconds=args.wait)
    except (warehouse.WarehouseBusy, FileNotFoundError) as exc:
        return _fail(str(exc))
    if args.format == "json":
        print(json.dumps({"warehouse": str(found.warehouse_dir), "active_run": found.active_run, "runs": found.runs,
                          "published": found.published, "quarantined": found.quarantined},
                         ensure_ascii=False, default=str, indent=1))
    else:
        print(format_status(found))
    return 0


def format_status(found) -> str:
    """`greenwire status` for people: runs newest first, the publish, the quarantine."""
    from datetime import timezone

    lines = [f"warehouse {found.warehouse_dir}"]
    if found.active_run:
        lines.append(f"  a run is in progress now (PID {found.active_run.get('pid')}, "
                     f"since {found.active_run.get('since')})")
    lines.append(f"last {len(found.runs)} runs, newest first:" if found.runs else "no runs yet")
    for run in found.runs:
        took = f"{run['seconds']:.0f} s" if run["seconds"] is not None else "-"
        files = (f"files {run['files_seen']} seen, {run['files_extracted']} extracted, {run['files_reused']} reused, "
                 f"{run['files_quarantined']} quarantined; articles {run['articles']}"
                 if run["files_seen"] is not None else "")
        lines.append(f"  {run['started_at'].astimezone(timezone.utc):%Y-%m-%d %H:%M:%SZ} {run['run_id'][:8]} {run['outcome']:<11} {took:>6}  "
                     f"{files}" + (f" -> {run['published_version']}" if run["published_version"] else ""))
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


def _export(args) -> int:
    from flows import export, settings

    current = settings.load(warehouse_dir=args.warehouse).current
    try:
        written = export.export(current, args.format, Path(args.output))
    except export.ExportError as exc:
        return _fail(str(exc))
    print(f"greenwire: exported {len(written)} files from {current.resolve().name} to {args.output}")
    return 0


def _serve(args) -> int:
    from flows import deploy

    try:
        deploy.serve(name=args.name, cron=args.cron, input_dir=args.input, warehouse_dir=args.warehouse)
    except deploy.ServeError as exc:
        return _fail(str(exc))
    print(f"greenwire: stopped serving; {deploy.full_name(args.name)} is paused until the next `greenwire serve`",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
