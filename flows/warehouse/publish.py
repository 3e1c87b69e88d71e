"""Publish the marts as Parquet: a new version folder, then an atomic swap of `current`.

warehouse/publish/
    versions/<utc time>-<run id>/    one folder per publish: <table>.parquet, manifest.json,
                                     dictionary.json (every column described), views.sql and
                                     greenwire.duckdb (views over the Parquet by relative paths)
    current -> versions/<...>        a symlink, replaced with os.replace (atomic on POSIX)

A reader that opened `current` keeps reading the version it opened; a failed or killed
run never touches `current`. The newest `keep` versions (and always the current one)
are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from flows import CONTRACT_VERSION, __version__
from flows.warehouse import MART_TABLES, dictionary, increments, merged

VIEWS_STORAGE_VERSION = "v1.2.0"  # the oldest DuckDB 2 writes; readable by duckdb >= 1.2

# Row order of every published file, so the same marts give the same bytes.
ORDER_BY = {
    "documents": "source_file, article_index",
    "regions": "region_id",
    "parties": "party_id",
    "events": "event_id",
    "event_parties": "event_id, party_id, role",
    "metrics": "metric_id",
    # Rows that tie on these five are equal: mention_id is a hash of them, the surface is the span's text
    # (the suite checks it) and the evidence the sentence that holds the span. Sorting by surface and
    # evidence too, as before, gave the same bytes and cost 2-2.5 s more CPU at 2.66 million mentions
    # (DuckDB compares and moves those strings as keys; 8.0-7.0 s -> 6.3-5.2 s, three rounds).
    "mentions": "doc_id, char_start, entity_kind, entity_id, char_end",
}

# Tables written by flows/warehouse/merged.py: after an incremental build, the previous version's file
# with the changed documents' rows merged in, not a sort of the whole table (their ORDER_BY starts with
# doc_id). The others are small enough for DuckDB's COPY.
MERGED = frozenset({"mentions"})
PER_DOCUMENT_MARTS = tuple(table for layer, table in increments.PER_DOCUMENT if layer == "marts")


@dataclass(frozen=True)
class Staged:
    """A version written but not yet published: its Parquet files, row counts, checksums and changes
    since the previous version, in a hidden `.partial` folder that finish() completes and swaps in."""

    folder: Path
    name: str
    run_id: str
    published_at: datetime
    tables: dict[str, dict[str, Any]]
    previous: Path | None
    changes: dict[str, dict[str, int]]
    merged: list[str] = field(default_factory=list)  # tables merged from the previous version's file
    one_at_a_time: bool = False  # the tables were written one by one (asked, or side by side ran out of memory)


def publish(
    con: duckdb.DuckDBPyConnection,
    publish_dir: Path,
    run_id: str,
    keep: int = 5,
    now: datetime | None = None,
    quality: dict[str, Any] | None = None,
    report: bool = False,
) -> Path:
    """Write every mart to a new version folder and point `current` at it; returns the folder.
    `quality` (expectations passed, files quarantined) goes into the manifest; `report` writes report.html."""
    return finish(stage(con, publish_dir, run_id, now), publish_dir, keep, quality, report)


@dataclass(frozen=True)
class Ahead:
    """Marts whose Parquet stage_ahead() wrote into a new `.partial` folder, which stage() then completes."""

    folder: Path
    name: str
    published_at: datetime
    tables: tuple[str, ...]


# The marts a run writes ahead while it validates every row (tasks.stage_ahead): all but the mentions, whose
# sort needs the memory the validating process then holds. 1.3-1.4 s on two threads at 110,000 articles,
# 2.9 s on one, of the publish stage's 6.8 s.
AHEAD_TABLES = tuple(table for table in MART_TABLES if table not in MERGED)


def stage_ahead(con: duckdb.DuckDBPyConnection, publish_dir: Path, run_id: str, now: datetime | None = None) -> Ahead:
    """The Parquet of AHEAD_TABLES in a new hidden folder (nothing a reader sees), for stage() to complete
    later into the same version; the folder is removed if writing fails."""
    now = now or datetime.now(UTC)
    folder, name = _new_staging(publish_dir, run_id, now)
    try:
        for table in AHEAD_TABLES:
            _copy(con, table, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Ahead(folder, name, now, AHEAD_TABLES)


def _new_staging(publish_dir: Path, run_id: str, now: datetime) -> tuple[Path, str]:
    """An empty versions/.<name>.partial folder and the version's name."""
    versions = publish_dir / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    name = f"{now:%Y%m%dT%H%M%S%fZ}-{run_id[:8]}"
    staging = versions / f".{name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging, name


def stage(
    con: duckdb.DuckDBPyConnection,
    publish_dir: Path,
    run_id: str,
    now: datetime | None = None,
    side_by_side: bool = True,
    ahead: Ahead | None = None,
) -> Staged:
    """The first half of publish(): every mart as Parquet in versions/.<name>.partial, with its rows, its
    sha256, the changes since the current version and dictionary.json. Nothing a reader sees changes: a
    run writes these while its marts are being validated, and discard()s them if validation fails.
    With `ahead` (stage_ahead), its folder and version are completed: only the other marts are written."""
    if ahead is None:
        now = now or datetime.now(UTC)
        staging, name = _new_staging(publish_dir, run_id, now)
    else:
        staging, name, now = ahead.folder, ahead.name, ahead.published_at
    previous = current_version(publish_dir)
    # The documents whose rows of a per-document mart may differ from the current version's, when known:
    # the mentions' file is merged from it, and only their rows are compared for the manifest's changes.
    unpublished = {
        table: increments.unpublished(con, table, previous.name) if previous else None for table in PER_DOCUMENT_MARTS
    }
    narrowed = {table: documents for table, documents in unpublished.items() if documents is not None}
    written = ahead.tables if ahead is not None else ()
    try:
        try:
            merged_tables = _write_tables(con, staging, previous, unpublished, side_by_side, written)
            one_at_a_time = not side_by_side
        except duckdb.OutOfMemoryException:
            if not side_by_side:
                raise
            # Side by side, two sorts share DuckDB's memory cap: a backfill of 10,000 files into 100,000 ran out
            # of it in one of four benches (572 of 572 MiB held). One at a time needs less.
            merged_tables = _write_tables(con, staging, previous, unpublished, False, written)
            one_at_a_time = True
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = {}
    for table in MART_TABLES:
        target = staging / f"{table}.parquet"
        files[table] = {"file": target.name, "rows": _rows(con, target), "sha256": _sha256(target)}
    dictionary.write_json(staging / "dictionary.json")
    changed = changes(previous, staging, con, narrowed)
    return Staged(staging, name, run_id, now, files, previous, changed, merged_tables, one_at_a_time)


def _write_tables(
    con: duckdb.DuckDBPyConnection,
    staging: Path,
    previous: Path | None,
    unpublished: dict[str, list[str] | None],
    side_by_side: bool = True,
    written: tuple[str, ...] = (),
) -> list[str]:
    """Every mart's Parquet into `staging` but those `written` already; returns the tables merged from the
    previous version's file.
    `side_by_side`: the tables of MERGED written by pyarrow in a thread while DuckDB's COPY writes the others
    (both let go of the GIL: a rerun after adding 100 files to 100,000 wrote the mentions for 4.4 s while the
    other six took 1.5 s after them, with the validating process done and its core idle); else one by one."""
    with con.cursor() as apart, ThreadPoolExecutor(1) as pool:  # the pool ends first: no write outlives its cursor
        writing = {
            table: pool.submit(
                merged.write,
                apart,
                table,
                ORDER_BY[table],
                staging / f"{table}.parquet",
                previous / f"{table}.parquet" if previous else None,
                unpublished.get(table),
            )
            for table in MART_TABLES
            if table in MERGED and table not in written
        }
        if not side_by_side:
            for done in writing.values():
                done.result()
        for table in MART_TABLES:
            if table not in MERGED and table not in written:
                _copy(con, table, staging)
        return [table for table, done in writing.items() if done.result() is not None]


def _copy(con: duckdb.DuckDBPyConnection, table: str, folder: Path) -> None:
    """One mart's Parquet, in ORDER_BY's order, by DuckDB's COPY."""
    target = folder / f"{table}.parquet"
    con.execute(
        f"copy (select * from marts.{table} order by {ORDER_BY[table]}) "
        f"to '{target.as_posix()}' (format parquet, compression zstd)"
    )


def finish(
    staged: Staged, publish_dir: Path, keep: int = 5, quality: dict[str, Any] | None = None, report: bool = False
) -> Path:
    """The second half of publish(): the manifest (with `quality`), report.html when `report`, the
    folder renamed to its version, its views database, then `current` swapped to it and old versions
    pruned; returns the version folder."""
    manifest = {
        "run_id": staged.run_id,
        "published_at": staged.published_at.isoformat(timespec="seconds"),
        "contract_version": CONTRACT_VERSION,
        "greenwire_version": __version__,
        "version": staged.name,
        "tables": staged.tables,
        "previous_version": staged.previous.name if staged.previous else None,
        "changes": staged.changes,
    }
    if quality is not None:
        manifest["quality"] = quality
    manifest_text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (staged.folder / "manifest.json").write_text(manifest_text, encoding="utf-8")
    if report:
        from flows.warehouse import report as reporter  # imports the Vega bundle only when a report is wanted

        reporter.write(staged.folder, manifest)
    final = staged.folder.with_name(staged.name)
    os.replace(staged.folder, final)
    _write_views(final / "greenwire.duckdb", final)
    _swap_current(publish_dir, final)
    prune(publish_dir, keep)
    return final


def discard(staged: Staged | Ahead) -> None:
    """Remove a staged version (or its marts written ahead) that will not be published (its marts failed
    validation)."""
    shutil.rmtree(staged.folder, ignore_errors=True)


def changes(
    previous: Path | None,
    new: Path,
    via: duckdb.DuckDBPyConnection | None = None,
    narrowed: dict[str, list[str]] | None = None,
) -> dict[str, dict[str, int]]:
    """Rows added, removed and changed per table since the previous version, by each table's key
    (flows/warehouse/dictionary.py); a row is changed when its key stays and any shared column differs.
    {"events": {"added": 2, "removed": 1, "changed": 3}, ...}; all rows are added when there is no previous.
    `via`: a connection whose memory cap to work under (a cursor of it is used): comparing 2.6 million
    mentions on an uncapped connection took 4.5 GB. `narrowed`: per table, the only documents whose rows
    can differ (a merged table): the rows of the others are not compared."""
    out = {}
    with via.cursor() if via is not None else duckdb.connect() as con:
        for table in MART_TABLES:
            now = (new / f"{table}.parquet").as_posix()
            before = previous / f"{table}.parquet" if previous else None
            if before is None or not before.exists():
                count = con.execute(f"select count(*) from read_parquet('{now}')").fetchall()[0][0]
                out[table] = {"added": count, "removed": 0, "changed": 0}
                continue
            new_columns = con.sql(f"select * from read_parquet('{now}') limit 0").columns
            old_columns = set(con.sql(f"select * from read_parquet('{before.as_posix()}') limit 0").columns)
            shared = [c for c in new_columns if c in old_columns]
            key = [c for c in dictionary.KEYS.get(table, ()) if c in shared] or shared
            out[table] = _changed_rows(con, before, Path(now), shared, key, (narrowed or {}).get(table))
    return out


def _changed_rows(
    con: duckdb.DuckDBPyConnection,
    before: Path,
    now: Path,
    shared: list[str],
    key: list[str],
    documents: list[str] | None = None,
) -> dict[str, int]:
    """Keys added and removed between two Parquet files of a table, and rows whose key stayed but whose
    shared columns differ. With a unique key, one join of (key, hash of the row) on each side: comparing
    whole rows (`except`) took 21 s for the 2.6 million mentions of 100,000 articles, this a few seconds.
    A 64-bit hash can miss a change with odds of one in 2**64 per row; it counts, never decides anything."""
    cols, keys = ", ".join(f'"{c}"' for c in shared), ", ".join(f'"{c}"' for c in key)
    old, new = f"read_parquet('{before.as_posix()}')", f"read_parquet('{now.as_posix()}')"
    if documents is not None:  # the rows of other documents are the same in both files
        only = "(select * from {} where doc_id in (select unnest($documents)))"
        old, new = only.format(old), only.format(new)
    params = {"documents": documents} if documents is not None else None
    unique = all(
        con.execute(f"select count(*) = count(distinct ({keys})) from {side}", params).fetchall()[0][0]
        for side in (old, new)
    )
    if unique and key != shared:
        query = f"""
            with new as (select {keys}, hash({cols}) as row_hash from {new}),
            old as (select {keys}, hash({cols}) as row_hash from {old})
            select
                count(*) filter (where old.row_hash is null),
                count(*) filter (where new.row_hash is null),
                count(*) filter (where new.row_hash != old.row_hash)
            from new full outer join old using ({keys})"""
    else:  # no unique key: rows compared whole
        query = f"""
            with new as (select {cols} from {new}),
            old as (select {cols} from {old}),
            new_keys as (select distinct {keys} from new),
            old_keys as (select distinct {keys} from old),
            differing as (select {keys} from (select * from new except select * from old)
                          intersect select {keys} from old_keys)
            select
                (select count(*) from (select * from new_keys except select * from old_keys)),
                (select count(*) from (select * from old_keys except select * from new_keys)),
                (select count(*) from differing)"""
    added, removed, changed = con.execute(query, params).fetchall()[0]
    return {"added": added, "removed": removed, "changed": changed}


def _rows(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    rows: int = con.execute(f"select count(*) from read_parquet('{path.as_posix()}')").fetchall()[0][0]
    return rows


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def views_sql(columns: dict[str, list[str]]) -> str:
    """views.sql: one view per table over its Parquet, by a path relative to the publish folder, and the
    dictionary's comments on the columns present ({"documents": ["doc_id", ...]} -> SQL text)."""
    lines = [
        "-- greenwire: views over the Parquet files of this folder, with the data dictionary as comments.",
        "-- The paths are relative: run from inside this folder (duckdb -init views.sql, or .read views.sql),",
        "-- or from elsewhere after: SET file_search_path = '/path/to/this/folder';",
    ]
    lines += [f"create or replace view {table} as select * from read_parquet('{table}.parquet');" for table in columns]
    lines += [
        f"{sql};"
        for table, column, sql in dictionary.comment_statements()
        if table in columns and (column is None or column in columns[table])
    ]
    return "\n".join(lines) + "\n"


def _write_views(db_path: Path, final_dir: Path) -> None:
    """views.sql, and greenwire.duckdb holding the same views, so `duckdb greenwire.duckdb` run inside the
    folder opens the dataset. Written in storage version 1.2 so that duckdb 1.2+ clients (the 1.x CLI on
    PyPI) read it too; DuckDB 2's default storage is unreadable to them."""
    with duckdb.connect() as con:
        con.execute("set file_search_path = ?", [final_dir.as_posix()])
        columns = {
            table: con.sql(f"select * from read_parquet('{table}.parquet') limit 0").columns for table in MART_TABLES
        }
        script = views_sql(columns)
        (final_dir / "views.sql").write_text(script, encoding="utf-8")
        con.execute(f"attach '{db_path.as_posix()}' as views (storage_version '{VIEWS_STORAGE_VERSION}')")
        con.execute("use views")
        con.execute(script)
        con.execute("use memory")
        con.execute("detach views")


def open_views(folder: Path) -> duckdb.DuckDBPyConnection:
    """The views database of a publish folder, read-only, from any working directory: its views read
    the Parquet by relative paths, so DuckDB is told where the folder is (`file_search_path`).
    open_views(Path("warehouse/publish/current")).sql("select count(*) from events")"""
    folder = folder.resolve()  # a publish during the query must not mix two versions
    con = duckdb.connect(str(folder / "greenwire.duckdb"), read_only=True)
    con.execute("set file_search_path = ?", [folder.as_posix()])
    return con


def _swap_current(publish_dir: Path, target: Path) -> None:
    link = publish_dir / "current"
    tmp = publish_dir / f".current.{os.getpid()}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target.relative_to(publish_dir), tmp)
    os.replace(tmp, link)


def merges(con: duckdb.DuckDBPyConnection, publish_dir: Path) -> bool:
    """Whether stage() will write every table of MERGED by merging the current version's file with the rows
    of the few documents changed since (merged.few), and not by sorting the whole mart: its memory is then
    small enough to run beside a validating process (pipeline._validated)."""
    previous = current_version(publish_dir)
    if previous is None:
        return False
    for table in MERGED:
        changed = increments.unpublished(con, table, previous.name)
        if changed is None or not merged.few(con, changed) or not (previous / f"{table}.parquet").is_file():
            return False
    return True


def current_version(publish_dir: Path) -> Path | None:
    """The version folder `current` points at, or None before the first publish."""
    link = publish_dir / "current"
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def complete(version: Path) -> bool:
    """A version folder a publish finished: its manifest and a views database that opens.
    A publish killed before the swap leaves one without views, or with an empty or partial file."""
    views = version / "greenwire.duckdb"
    if not (version / "manifest.json").is_file() or not views.is_file() or views.stat().st_size == 0:
        return False
    try:
        with duckdb.connect(str(views), read_only=True) as con:
            con.execute("select count(*) from duckdb_views() where not internal").fetchall()
    except duckdb.Error as exc:
        return "lock" in str(exc).lower()  # someone has it open: it is a real version
    return True


def clean_leftovers(publish_dir: Path) -> list[Path]:
    """Remove what killed publishes left: `.partial` folders and version folders that never completed
    (never the current one); returns what was removed. Runs at the start of every run."""
    versions = publish_dir / "versions"
    if not versions.is_dir():
        return []
    current = current_version(publish_dir)
    doomed = [
        p for p in versions.iterdir() if p.is_dir() and p != current and (p.name.startswith(".") or not complete(p))
    ]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    return sorted(doomed)


def prune(publish_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` complete versions (never the current one), and what killed
    publishes left; returns what was deleted."""
    doomed = clean_leftovers(publish_dir)
    versions = publish_dir / "versions"
    current = current_version(publish_dir)
    done = sorted((p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)
    old = [p for p in done[max(keep, 1) :] if p != current]
    for path in old:
        shutil.rmtree(path)
    return sorted(doomed + old)
