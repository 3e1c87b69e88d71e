"""The DuckDB warehouse: raw tables in, SQL models built layer by layer.

Schemas: `raw` (what extraction produced, replaced file by file), `ref` (the gazetteer
from seeds/reference), then `staging`, `intermediate` and `marts`, one view (staging) or table
(the others: MATERIALIZED) per file of sql/<layer>/, built in folder order, plus the Python
models of PYTHON_MODELS (graph work that SQL does badly), each after the SQL files of its layer.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
from polars.datatypes import DataTypeClass

from flows import settings as settings_module
from flows.ops import runlog
from flows.settings import REFERENCE_DIR, SQL_DIR
from flows.steps import cluster, dedup
from flows.steps.constants import SAME_NAME_DICE
from flows.steps.schema import RAW_SCHEMAS, RETIRED_COLUMNS
from flows.warehouse import increments
from flows.warehouse.transaction import transaction

LAYERS = ("staging", "intermediate", "marts")
# Staging models only rename and cast: as views they cost nothing to build and keep no second copy
# of raw (100,000 articles: the build 18 % faster, the warehouse without a second copy of the text).
MATERIALIZED = {"staging": "view", "intermediate": "table", "marts": "table"}
MART_TABLES = ("documents", "regions", "parties", "events", "event_parties", "metrics", "mentions")
REFERENCE_TABLES = {
    "cn_divisions": "cn_divisions.csv",
    "countries": "countries.csv",
    "foreign_subdivisions": "foreign_subdivisions.csv",
}

# Columns stored with a compression of their own, by (schema, table): an article's text under DuckDB's
# default string compression (dictionary / FSST, chosen per segment after analysing it) cost 2.8-3.9 s to
# write for 100,000 articles and took 219 MB for raw.documents and marts.documents together; as zstd,
# 0.9-1.2 s and 48 MB, and a scan of it as fast. Short strings stay with the default, where zstd made
# the whole warehouse 19 % larger.
COLUMN_COMPRESSION = {("raw", "documents"): {"text": "zstd"}, ("marts", "documents"): {"text": "zstd"}}

# The value types duckdb.connect's `config` takes.
DuckDBConfig = dict[str, str | bool | int | float | list[str]]

_DUCKDB_TYPES = {
    pl.String: "varchar",
    pl.Int32: "integer",
    pl.Int64: "bigint",
    pl.Float64: "double",
    pl.Boolean: "boolean",
    pl.Date: "date",
    pl.UInt32: "uinteger",
}

FILES_DDL = """
create table if not exists raw.files (
    source_file varchar primary key,
    sha256 varchar,
    sidecar_sha256 varchar,
    size_bytes bigint,
    status varchar not null,
    reason varchar,
    encoding varchar,
    extractor_version varchar,
    run_id varchar not null,
    first_seen_at timestamptz not null,
    last_seen_at timestamptz not null
)
"""
RUNS_DDL = """
create table if not exists raw.runs (
    run_id varchar primary key,
    started_at timestamptz not null,
    finished_at timestamptz,
    outcome varchar not null,
    message varchar,
    files_seen integer,
    files_processed integer,
    files_quarantined integer,
    files_extracted integer,
    files_reused integer,
    articles integer,
    relevant integer,
    published_version varchar,
    log_file varchar,
    input_digest varchar
)
"""

# Columns added to the bookkeeping tables after their first release; also in the DDL above.
ADDED_COLUMNS = {
    "files": {"sidecar_sha256": "varchar", "modified_at": "timestamptz"},
    "runs": {
        "files_extracted": "integer",
        "files_reused": "integer",
        "relevant": "integer",
        "log_file": "varchar",
        "input_digest": "varchar",
    },
}


class WarehouseBusy(RuntimeError):
    """The DuckDB file is held by another process."""


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse with greenwire's memory cap, turning DuckDB's lock conflict into a message
    a person can act on: `connect(Path("warehouse/greenwire.duckdb"))` -> memory_limit 1GB, spilling
    to warehouse/.duckdb-tmp (GREENWIRE_DUCKDB_MEMORY, GREENWIRE_DUCKDB_THREADS)."""
    if read_only and not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `greenwire run` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    # DuckDB's default is 80 % of the machine's memory; capped, a big join spills to disk instead.
    limits = settings_module.load(warehouse_dir=path.parent)
    config: DuckDBConfig = {
        "memory_limit": limits.duckdb_memory,
        "threads": limits.duckdb_threads,
        "temp_directory": str(limits.duckdb_temp),
    }
    try:
        return duckdb.connect(str(path), read_only=read_only, config=config)
    except (duckdb.ParserException, duckdb.InvalidInputException) as exc:
        raise ValueError(
            f"DuckDB settings GREENWIRE_DUCKDB_MEMORY={limits.duckdb_memory!r}, "
            f"GREENWIRE_DUCKDB_THREADS={limits.duckdb_threads}: {exc}"
        ) from exc
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            holder = str(exc).split("(PID", 1)[-1].split(")", 1)[0].strip() if "PID" in str(exc) else "?"
            raise WarehouseBusy(
                f"the warehouse file {path} is in use by another process (PID {holder}); "
                "wait for it to finish, or query the published Parquet with `greenwire query` instead"
            ) from exc
        raise


# While batches load, DuckDB writes its checkpoint when this much log has gathered, and once more
# when the connection closes: at its default of 16 MB it checkpointed after every batch (0.8-1.5 s
# each, 50 s of the load stage at 100,000 articles); committed batches are in the log either way.
LOAD_CHECKPOINT_THRESHOLD = "512MB"


# Loading only appends batches: under this cap DuckDB writes blocks out instead of holding them (the run's
# process peaked at 1.5 GB loading 100,000 articles under the 1 GB cap, when 2 worker processes and
# Prefect's API were up too; under 400 MB it stays near 0.5 GB, the load a few seconds slower). Applied
# only while GREENWIRE_DUCKDB_MEMORY is unset: a memory_limit someone chose holds everywhere.
LOAD_MEMORY_LIMIT = "400MB"

# Loading runs beside the extraction workers, which keep both cores busy: DuckDB's own threads would
# only take turns with them. With one thread (the calling one), replaying the 50 batches of 100,000
# articles took 5.3-5.8 s of CPU instead of 6.5-6.6 s (three runs each), and every CPU second the
# load does not spend goes to the workers.
LOAD_THREADS = 1
_UNITS = {"": 1, "b": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def size_bytes(text: str) -> int:
    """A DuckDB memory size in bytes: size_bytes("953.6 MiB") -> 999922073, size_bytes("1GB") -> 10**9."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*([a-zA-Z]*)\s*", text)
    if match is None or match[2].lower() not in _UNITS:
        raise ValueError(f"not a memory size: {text!r}")
    return int(float(match[1]) * _UNITS[match[2].lower()])


def cap_memory(con: duckdb.DuckDBPyConnection, limit: str) -> None:
    """Lower the connection's memory_limit to `limit` for a phase that needs less, unless
    GREENWIRE_DUCKDB_MEMORY is set (then its value holds: the way out if a phase needs more); never
    raise it."""
    if os.environ.get("GREENWIRE_DUCKDB_MEMORY"):
        return
    current = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    if size_bytes(limit) < size_bytes(current):
        con.execute(f"set memory_limit = '{limit}'")


@contextlib.contextmanager
def loading(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One connection for all the batches of a run (each batch still its own transaction), the
    schemas ensured, checkpointing every LOAD_CHECKPOINT_THRESHOLD of log and when it closes, its
    memory capped at LOAD_MEMORY_LIMIT, on LOAD_THREADS threads (unless GREENWIRE_DUCKDB_THREADS is set)."""
    con = connect(path)
    try:
        ensure_schemas(con)
        con.execute(f"set checkpoint_threshold = '{LOAD_CHECKPOINT_THRESHOLD}'")
        if not os.environ.get("GREENWIRE_DUCKDB_THREADS"):  # as with the memory cap, a chosen value holds
            con.execute(f"set threads = {LOAD_THREADS}")
        cap_memory(con, LOAD_MEMORY_LIMIT)
        yield con
    finally:
        if not os.environ.get("GREENWIRE_DUCKDB_THREADS"):
            with contextlib.suppress(duckdb.Error):  # the checkpoint on closing runs when the workers are done:
                con.execute("reset threads")  # on every core (100,000 articles: 0.9 s, 1.1 s on one)
        con.close()


def _column_type(dtype: pl.DataType | DataTypeClass) -> str:
    if isinstance(dtype, pl.List):
        return _column_type(dtype.inner) + "[]"
    for polars_type, sql_type in _DUCKDB_TYPES.items():
        if dtype == polars_type:
            return sql_type
    raise TypeError(f"no DuckDB type for {dtype}")


def _columns_ddl(columns: dict[str, str], schema: str, table: str) -> str:
    """Column definitions for create table, with COLUMN_COMPRESSION's clause where it names one:
    {"doc_id": "varchar", "text": "varchar"} of raw.documents -> 'doc_id varchar, text varchar using
    compression zstd'."""
    chosen = COLUMN_COMPRESSION.get((schema, table), {})
    return ", ".join(
        f'"{name}" {sql_type}' + (f" using compression {chosen[name]}" if name in chosen else "")
        for name, sql_type in columns.items()
    )


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables (and every schema) if this is a new warehouse."""
    for schema in ("raw", "ref", *LAYERS):
        con.execute(f"create schema if not exists {schema}")
    for table, columns in RAW_SCHEMAS.items():
        cols = _columns_ddl({name: _column_type(dtype) for name, dtype in columns.items()}, "raw", table)
        con.execute(f"create table if not exists raw.{table} ({cols})")
        for name, dtype in columns.items():  # a warehouse from an older greenwire gains new columns
            con.execute(f"alter table raw.{table} add column if not exists {name} {_column_type(dtype)}")
        for name in RETIRED_COLUMNS.get(table, ()):  # and loses those it no longer has
            con.execute(f"alter table raw.{table} drop column if exists {name}")
    con.execute(FILES_DDL)
    con.execute(RUNS_DDL)
    increments.ensure_tables(con)
    for table, added in ADDED_COLUMNS.items():  # bookkeeping columns newer than the warehouse
        for name, sql_type in added.items():
            con.execute(f"alter table raw.{table} add column if not exists {name} {sql_type}")


def load_reference(con: duckdb.DuckDBPyConnection, reference_dir: Path = REFERENCE_DIR) -> None:
    """(Re)load the gazetteer CSVs into schema `ref`, every column as text."""
    for table, filename in REFERENCE_TABLES.items():
        path = (reference_dir / filename).as_posix()
        con.execute(
            f"create or replace table ref.{table} as "
            f"select * from read_csv('{path}', header = true, all_varchar = true)"
        )


def replace_documents(
    con: duckdb.DuckDBPyConnection,
    source_files: list[str],
    frames: dict[str, pl.DataFrame],
    then: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> None:
    """Swap the raw rows of `source_files` for the new frames, in one transaction (which
    `then(con)` joins, so the bookkeeping of raw.files commits with the rows or not at all); the
    documents retracted and added are pending for the next build (increments)."""
    with transaction(con):
        con.execute("create or replace temp table gone as select unnest(?::varchar[]) as source_file", [source_files])
        con.execute(
            "create or replace temp table doomed as "
            "select doc_id from raw.documents where source_file in (select source_file from gone)"
        )
        # New files (every file of a first run) have no rows yet: no fact table is scanned for them. Each
        # delete reads the doc_id column of a whole table, so deleting for every batch grew with the square
        # of the corpus (0.36 s of CPU over the 50 batches of 100,000 articles; ten times the articles,
        # a hundred times that). Finding `doomed` still reads raw.documents' source_file once a batch: one
        # narrow column of one row per article, not the six fact tables' millions of rows.
        if con.execute("select count(*) from doomed").fetchall()[0][0]:
            increments.record_pending(con, "select doc_id from doomed")
            for table in RAW_SCHEMAS:
                if table != "documents":
                    con.execute(f"delete from raw.{table} where doc_id in (select doc_id from doomed)")
            con.execute("delete from raw.documents where source_file in (select source_file from gone)")
        for table, frame in frames.items():
            con.register("incoming", frame.to_arrow())
            con.execute(f"insert into raw.{table} by name select * from incoming")
            if table == "documents":
                increments.record_pending(con, "select doc_id from incoming")
            con.unregister("incoming")
        if then is not None:
            then(con)


@dataclass(frozen=True)
class PythonModel:
    """A model computed by a pure step between the SQL models: each query of `inputs` gives the
    step a frame (by keyword), and `output` makes the table from the step's result, `step_output`.
    It runs after the SQL models of its layer, so it may read those and lower layers. `early`: its
    inputs read only lower layers, so its step runs in a thread beside its layer's SQL models (whose
    DuckDB work leaves part of the second core idle), and its table is written at its turn."""

    layer: str
    table: str
    inputs: dict[str, str]
    step: Callable[..., pl.DataFrame]
    output: str = "select * from step_output"
    early: bool = False


PYTHON_MODELS = (
    PythonModel(
        layer="intermediate",
        table="int_documents",
        inputs={
            "documents": "select doc_id, row_number() over (order by source_file, article_index) as position, "
            "signature from staging.stg_documents",
            "settings": "select signature_band_width() as band_width, bucket_originals() as bucket_originals, "
            "near_duplicate_similarity()::double as similarity",
        },
        step=dedup.near_duplicates,
        early=True,  # 1.5-2 s of numpy at 100,000 articles, beside int_event_candidates and int_event_pairs
        # The articles with what the search found; the text stays in staging (the documents mart takes
        # it from there: a copy here cost a write of every article's text per build).
        output="""select
            o.doc_id, o.source_file, o.article_index, o.title, o.published_on, o.reference_date, o.is_relevant,
            f.duplicate_of, f.duplicate_similarity,
            o.topics, o.original_script, o.decode_errors, o.byline, o.publisher, o.url
        from staging.stg_documents as o
        left join step_output as f on f.doc_id = o.doc_id""",
    ),
    PythonModel(
        layer="intermediate",
        table="int_event_clusters",
        inputs={
            "events": "select event_mention_id, bool_or(event_date is not null) as is_dated "
            "from intermediate.int_event_mentions group by event_mention_id",
            "pairs": "select event_mention_id, other_event_mention_id from intermediate.int_event_pairs",
        },
        step=cluster.event_groups,
        # md5 of the group's smallest member id: the same inputs always give the same event ids
        output="select event_mention_id, 'e_' || substr(md5(group_mention_id), 1, 16) as event_id from step_output",
    ),
)


# Macros the SQL models share whose value is a Python constant: one source for both.
PYTHON_MACROS = {"signature_length": dedup.PERMUTATIONS, "event_name_dice": SAME_NAME_DICE}


def create_macros(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> None:
    """Create the macros the models share, as temporary macros of `con`: PYTHON_MACROS, then
    sql/macros.sql (`select near_duplicate_similarity()` -> 0.8 afterwards)."""
    for name, value in PYTHON_MACROS.items():
        con.execute(f"create or replace temp macro {name}() as {value!r}")
    if (sql_dir / "macros.sql").exists():
        con.execute((sql_dir / "macros.sql").read_text(encoding="utf-8"))


# Models a layer builds before its others, in this order: the marts the build's process is largest in
# (PEAK_MODELS), so that what starts once they are built (build's `after_peak`) overlaps only the light rest.
BUILT_FIRST = {"marts": ("mentions", "metrics")}


def sql_models(sql_dir: Path = SQL_DIR) -> list[tuple[str, str, Path]]:
    """(layer, table, file) for every SQL model, in run order: folder order, then BUILT_FIRST, then file name."""

    def order(layer: str, path: Path) -> tuple[int, str]:
        first = BUILT_FIRST.get(layer, ())
        return (first.index(path.stem) if path.stem in first else len(first), path.name)

    return [
        (layer, path.stem, path)
        for layer in LAYERS
        for path in sorted((sql_dir / layer).glob("*.sql"), key=lambda path: order(layer, path))
    ]


def models(
    sql_dir: Path = SQL_DIR, python_models: tuple[PythonModel, ...] = PYTHON_MODELS
) -> list[tuple[str, str, Path | PythonModel]]:
    """(layer, table, file or Python model) in run order: each layer's SQL files, then its Python models."""
    ordered: list[tuple[str, str, Path | PythonModel]] = []
    for layer in LAYERS:
        ordered += [(layer, table, path) for model_layer, table, path in sql_models(sql_dir) if model_layer == layer]
        ordered += [(layer, model.table, model) for model in python_models if model.layer == layer]
    return ordered


def build_models(
    con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR, python_models: tuple[PythonModel, ...] = PYTHON_MODELS
) -> dict[str, int]:
    """A full build: create the shared macros, then run every model as `create or replace table
    <layer>.<name>`; returns rows per model.

    A failing model raises one line naming it ("model sql/staging/stg_x.sql failed: Catalog
    Error: ..."); DuckDB's full message (an internal error's C++ stack trace) stays in the
    exception chain, which the run log records.
    """
    return build(con, sql_dir, python_models).rows


@dataclass(frozen=True)
class Build:
    """What a build did: rows per model, and for an incremental one how many documents were pending
    (None: a full build); `fell_back`: why an incremental build failed and the build ran in full."""

    rows: dict[str, int]
    pending: int | None
    fell_back: str | None = None


# The heaviest marts: the build's process peaks in the mentions in a full build (1.43 GB at 100,000
# articles); in an incremental one, at DuckDB's own checkpoint, in whichever mart crosses its log threshold
# (1.41 GB in the metrics or the event parties adding 10,000 files to 100,000), so the build checkpoints
# after these. Work that needs memory of its own, started then (after_peak; BUILT_FIRST makes them the
# first marts), adds to a smaller process: 1.0-1.1 GB in the marts after them.
PEAK_MODELS = ("marts.mentions", "marts.metrics")


def build(
    con: duckdb.DuckDBPyConnection,
    sql_dir: Path = SQL_DIR,
    python_models: tuple[PythonModel, ...] = PYTHON_MODELS,
    code_digest: str | None = None,
    after_peak: Callable[[], None] | None = None,
) -> Build:
    """Build every model: incrementally when the last complete build ran the code of `code_digest`
    and few documents changed since (flows/warehouse/increments.py), else in full. An incremental
    build that fails (a bug, or a damaged block of a table it carries over) is logged and the build
    starts over in full. `after_peak` is called as soon as every one of PEAK_MODELS is built, after a
    checkpoint (the build goes on; again if a failed incremental build starts over in full)."""
    try:
        create_macros(con, sql_dir)
    except duckdb.Error as exc:
        raise RuntimeError(f"macros {sql_dir.name}/macros.sql failed: {_one_line(exc)}") from exc
    increments.ensure_tables(con)
    ordered = models(sql_dir, python_models)
    tables = [f"{layer}.{table}" for layer, table, _ in ordered if MATERIALIZED[layer] == "table"]
    pending = increments.pending(con, code_digest, tables)
    rows: dict[str, int] | None = None
    fell_back = None
    if pending is not None:
        try:
            rows = _build_all(con, sql_dir, ordered, incremental=True, after_peak=after_peak)
        except Exception as exc:
            fell_back = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
            trace = "".join(traceback.format_exception(exc))
            runlog.write("build", "incremental_failed", f"{fell_back}; building in full", traceback=trace)
            create_macros(con, sql_dir)  # in_scope() true again
            pending = None
    if rows is None:
        rows = _build_all(con, sql_dir, ordered, incremental=False, after_peak=after_peak)
    increments.complete(con, code_digest)
    return Build(rows, pending, fell_back)


def _build_all(
    con: duckdb.DuckDBPyConnection,
    sql_dir: Path,
    ordered: list[tuple[str, str, Path | PythonModel]],
    incremental: bool,
    after_peak: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Every model in order; each one's seconds and rows go to the run log (event "model"). The steps
    of `early` Python models start in a thread as their layer starts (their seconds are the wait for
    the step at their turn, and writing the table). `after_peak` runs as soon as PEAK_MODELS are built."""
    increments.begin(con, incremental)
    names = [f"{layer}.{table}" for layer, table, _ in ordered]
    last_peak = max((names.index(model) for model in PEAK_MODELS if model in names), default=-1)
    rows = {}
    early: dict[str, Future[pl.DataFrame]] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="python-model") as pool:
        for index, (layer, table, source) in enumerate(ordered):
            if index == 0 or ordered[index - 1][0] != layer:
                for _, _, model in ordered[index:]:
                    if isinstance(model, PythonModel) and model.layer == layer and model.early:
                        early[model.table] = _start_step(con, pool, model, sql_dir)
            started = time.perf_counter()
            name = f"{layer}.{table}"
            rows[name] = build_model(con, layer, table, source, sql_dir, incremental, early.pop(table, None))
            seconds = round(time.perf_counter() - started, 3)
            runlog.write("build", "model", name, seconds=seconds, rows=rows[name], incremental=incremental)
            if index == last_peak and after_peak is not None:
                # DuckDB checkpoints on its own once its log is large enough, at whichever model that happens in:
                # in an incremental build that is the process's peak (1.4 GB in a 0.2 s mart adding 10,000
                # files to 100,000). Now, before after_peak: the light marts after leave a small log.
                con.execute("checkpoint")
                after_peak()
    return rows


def _start_step(
    con: duckdb.DuckDBPyConnection, pool: ThreadPoolExecutor, model: PythonModel, sql_dir: Path
) -> Future[pl.DataFrame]:
    """The model's inputs read now, its step submitted to `pool`."""
    try:
        frames = {name: con.sql(query).pl() for name, query in model.inputs.items()}
    except Exception as exc:
        raise RuntimeError(f"model {_model_name(model, sql_dir)} failed: {_one_line(exc)}") from exc
    return pool.submit(model.step, **frames)


def build_model(
    con: duckdb.DuckDBPyConnection,
    layer: str,
    table: str,
    source: Path | PythonModel,
    sql_dir: Path = SQL_DIR,
    incremental: bool = False,
    step: Future[pl.DataFrame] | None = None,
) -> int:
    """Build one model of `models()` as <layer>.<table>; returns its rows. In an incremental build a
    model of increments.PER_DOCUMENT replaces the rows of its scope's documents only, and one of
    increments.DIFFED records what changed. `step`: a Python model's step already running (early)."""
    try:
        per_document = incremental and (layer, table) in increments.PER_DOCUMENT
        diffed = incremental and (layer, table) in increments.DIFFED
        pairwise = incremental and (layer, table) in increments.PAIRWISE
        candidates = incremental and (layer, table) in increments.PAIRWISE.values()  # kept until its pairs are built
        if diffed or candidates:
            increments.set_aside(con, layer, table)
        if isinstance(source, PythonModel):
            _build_python_model(con, source, step)
        elif per_document:
            increments.update(con, layer, table, source.read_text(encoding="utf-8"))
        elif pairwise:
            increments.check_pairs(con, layer, table, source.read_text(encoding="utf-8"))
        else:
            kind = MATERIALIZED[layer]
            _drop_other_kind(con, layer, table, kind)
            query = source.read_text(encoding="utf-8")
            if kind == "table" and (layer, table) in COLUMN_COMPRESSION:
                _create_with_compression(con, layer, table, query)
            else:
                con.execute(f"create or replace {kind} {layer}.{table} as\n{query}")
        if diffed:
            increments.diff(con, layer, table)
        rows: int = con.execute(f"select count(*) from {layer}.{table}").fetchall()[0][0]
    except Exception as exc:
        raise RuntimeError(f"model {_model_name(source, sql_dir)} failed: {_one_line(exc)}") from exc
    return rows


def _create_with_compression(con: duckdb.DuckDBPyConnection, layer: str, table: str, query: str) -> None:
    """create or replace table <layer>.<table> as <query>, its columns of COLUMN_COMPRESSION stored so
    (`create table as` takes no compression clause): the table declared from the query's columns, then
    filled, in one transaction."""
    relation = con.sql(query)
    columns = dict(zip(relation.columns, (str(t) for t in relation.types), strict=True))
    with transaction(con):
        con.execute(f"create or replace table {layer}.{table} ({_columns_ddl(columns, layer, table)})")
        con.execute(f"insert into {layer}.{table}\n{query}")


def _drop_other_kind(con: duckdb.DuckDBPyConnection, layer: str, table: str, kind: str) -> None:
    """Drop <layer>.<table> when it exists as the other kind (a warehouse built when staging was tables)."""
    other = "view" if kind == "table" else "table"
    listing = "duckdb_views()" if other == "view" else "duckdb_tables()"
    found = con.execute(
        f"select count(*) from {listing} where schema_name = ? and {other}_name = ?", [layer, table]
    ).fetchall()[0][0]
    if found:
        con.execute(f"drop {other} {layer}.{table}")


def _build_python_model(
    con: duckdb.DuckDBPyConnection, model: PythonModel, step: Future[pl.DataFrame] | None = None
) -> None:
    if step is not None:
        step_output = step.result()
    else:
        step_output = model.step(**{name: con.sql(query).pl() for name, query in model.inputs.items()})
    con.register("step_output", step_output.to_arrow())
    try:
        con.execute(f"create or replace table {model.layer}.{model.table} as {model.output}")
    finally:
        con.unregister("step_output")


def _model_name(source: Path | PythonModel, sql_dir: Path) -> str:
    if isinstance(source, PythonModel):
        return f"{source.layer}.{source.table} ({source.step.__module__}.{source.step.__name__})"
    return source.relative_to(sql_dir.parent).as_posix()


def _one_line(exc: Exception) -> str:
    """The error's first line: an internal or fatal DuckDB error's C++ stack trace is for the run log."""
    first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    if isinstance(exc, (duckdb.InternalException, duckdb.FatalException)):
        return "DuckDB internal error: " + re.sub(r"^(INTERNAL|FATAL) Error:\s*", "", first)
    if not isinstance(exc, duckdb.Error):  # a Python model's step: say what kind of error
        return f"{type(exc).__name__}: {first}"
    return first
