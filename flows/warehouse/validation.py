"""Validate the marts with the Great Expectations suites in expectations/.

GX 1.x runs on pandas frames here (its DuckDB/SQLAlchemy path is broken, see
STACK_NOTES), so referential integrity and span checks are computed by DuckDB into
boolean check columns (`_..._ok`) that the suites then expect to be all true.
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import importlib.util
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from flows.ops.children import end_with_parent
from flows.settings import EXPECTATIONS_DIR
from flows.steps.constants import EVENT_HORIZON, PUBLISHED_MARGIN
from flows.warehouse import MART_TABLES, increments, merged

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.datasource.fluent.pandas_datasource import PandasDatasource

# Each mart is validated as this query: the table plus its check columns.
CHECK_QUERIES = {
    "documents": """
        select d.* replace (left(d.text, 16) as text),  -- the text's checks (present, not empty) need no more
                                                         -- (and CHECKED_AS says so)
            d.duplicate_of is null  -- uncorrelated: a subquery per row made this quadratic (19 s at 10,000 documents)
            or d.duplicate_of <> d.doc_id and d.duplicate_of in (select doc_id from marts.documents) as _duplicate_of_ok
        from marts.documents as d""",
    "regions": """
        select r.*,
            r.parent_region_id is null or r.parent_region_id in (select region_id from marts.regions) as _parent_ok,
            (r.province_region_id is null
             or r.province_region_id in (select region_id from marts.regions where level = 'province'))
            and (r.prefecture_region_id is null
                 or r.prefecture_region_id in (select region_id from marts.regions where level = 'prefecture'))
            as _rollup_ok,
            (r.longitude is null) = (r.geo_precision = 'none') as _geo_ok
        from marts.regions as r""",
    "parties": """
        select p.*,
            p.affiliation_party_id is null
            or p.affiliation_party_id in (select party_id from marts.parties) as _affiliation_ok,
            p.region_id is null or p.region_id in (select region_id from marts.regions) as _region_ok
        from marts.parties as p""",
    "events": """
        select e.*,
            e.region_id is null or e.region_id in (select region_id from marts.regions) as _region_ok,
            (e.event_date is null) = (e.date_precision = 'unknown') as _date_precision_ok,
            e.first_doc_id in (select doc_id from marts.documents) and list_contains(e.doc_ids, e.first_doc_id)
            and len(e.doc_ids) = e.num_documents as _documents_ok
        from marts.events as e""",
    "event_parties": """
        select ep.*,
            ep.event_id in (select event_id from marts.events) as _event_ok,
            ep.party_id in (select party_id from marts.parties) as _party_ok
        from marts.event_parties as ep""",
    "metrics": """
        select m.*,
            m.doc_id in (select doc_id from marts.documents) as _doc_ok,
            m.subject_party_id is null
            or m.subject_party_id in (select party_id from marts.parties) as _subject_party_ok,
            m.subject_region_id is null
            or m.subject_region_id in (select region_id from marts.regions) as _subject_region_ok,
            m.event_id is null or m.event_id in (select event_id from marts.events) as _event_ok,
            (m.period is null) = (m.period_start is null) and coalesce(m.period_start <= m.period_end, true)
            as _period_ok,
            -- Bounds on the value of one unit are check columns, not GX row_conditions: GX filtered the whole
            -- frame, every column, for each metric it computed under a row_condition (448,000 metrics of
            -- 100,000 articles: 3.1-3.4 s of GX with the two, 1.5-1.6 s without, in a new process).
            m.unit is distinct from 'percent' or m.value is null or m.value between -100 and 100000 as _percent_ok,
            m.unit is distinct from 'count' or m.value is null or m.value >= 0 as _count_ok
        from marts.metrics as m""",
}

# The mentions' check query in two steps, so that a narrowed check (_changed_rows_query) can drop a row
# before its document's text is joined: `{keep}` filters the rows with their entity check, `true` here.
MENTIONS_CHECK = """
    with entity_checked as (
        select n.*,
            case n.entity_kind
                when 'region' then n.entity_id in (select region_id from marts.regions)
                when 'party' then n.entity_id in (select party_id from marts.parties)
                when 'event' then n.entity_id in (select event_id from marts.events)
                when 'metric' then n.entity_id in (select metric_id from marts.metrics)
                else false
            end as _entity_ok
        from marts.mentions as n
    ),
    kept as (select * from entity_checked where {keep}),
    pieces as (
        select doc_id, start, substr(text, start + 1, PIECE + REACH) as piece
        from (
            select doc_id, text, unnest(range(0, length(text), PIECE)) as start
            from marts.documents
            where length(text) > PIECE  -- not narrowed to the documents kept: a second read of `kept` materializes it
        )
    )
    select n.* exclude (_entity_ok) replace (left(n.evidence, 16) as evidence),  -- as CHECKED_AS says
        d.doc_id is not null as _doc_ok,
        n._entity_ok,
        coalesce(
            case
                when p.piece is not null and n.char_end <= p.start + PIECE + REACH
                    then substr(p.piece, n.char_start - p.start + 1, n.char_end - n.char_start)
                else substr(d.text, n.char_start + 1, n.char_end - n.char_start)
            end = n.surface
            and contains(n.evidence, n.surface),
            false
        ) as _span_ok
    from kept as n
    left join marts.documents as d on d.doc_id = n.doc_id
    left join pieces as p on p.doc_id = n.doc_id and p.start = n.char_start // PIECE * PIECE"""
# A span of a long article is read from the piece of its text it starts in (pieces of SPAN_PIECE characters,
# each with the SPAN_REACH that follow, so a span starting near its end is whole in it), not from the whole
# text: substr() walks a text from its start (UTF-8 has no index by character), so each mention of a 1 MB
# article cost a walk of up to a megabyte (42,031 mentions of three such articles: 9.0 s, 0.1 s by pieces).
# A longer span, or one outside the text, is read from the whole text as before: the same verdict.
SPAN_PIECE, SPAN_REACH = 8192, 1024
MENTIONS_CHECK = MENTIONS_CHECK.replace("PIECE", str(SPAN_PIECE)).replace("REACH", str(SPAN_REACH))
CHECK_QUERIES["mentions"] = MENTIONS_CHECK.format(keep="true")

# Columns a check query gives in another form than the mart has them: {table: {column: SQL of it}}. Their
# expectations (present, not null, not empty) need no more; the checks DuckDB computes read them whole.
# The mentions' evidence was 38 MB of text in each slice of 200,000 read into pandas (100,000 articles).
CHECKED_AS = {"documents": {"text": "left(text, 16)"}, "mentions": {"evidence": "left(evidence, 16)"}}

# What each check column means, shown in Data Docs instead of its internal name.
CHECK_LABELS = {
    "_duplicate_of_ok": "check: duplicate_of is null or names an earlier document",
    "_parent_ok": "check: parent_region_id is null or names a region",
    "_rollup_ok": "check: province/prefecture_region_id name regions of that level",
    "_geo_ok": "check: a point exactly when geo_precision is not none",
    "_affiliation_ok": "check: affiliation_party_id is null or names a party",
    "_region_ok": "check: region_id is null or names a region",
    "_date_precision_ok": "check: event_date is null exactly when date_precision is unknown",
    "_documents_ok": "check: first_doc_id and doc_ids name the reporting documents",
    "_event_ok": "check: event_id names an event",
    "_party_ok": "check: party_id names a party",
    "_doc_ok": "check: doc_id names a document",
    "_subject_party_ok": "check: subject_party_id is null or names a party",
    "_subject_region_ok": "check: subject_region_id is null or names a region",
    "_period_ok": "check: period_start/period_end parsed from period, start <= end",
    "_percent_ok": "check: a percentage lies between -100 and 100000",
    "_count_ok": "check: a count is not negative",
    "_entity_ok": "check: entity_id names a row of its entity_kind's table",
    "_span_ok": "check: the span slices documents.text and lies in evidence",
}

# The CDN files Data Docs pages load -> their local copies in flows/static/datadocs ("" drops the tag).
VENDOR_DIR = Path(__file__).resolve().parent.parent / "static" / "datadocs"
VEGA_BUNDLE = "vega-bundle.js"
CDN = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control"
    "/bootstrap-table-filter-control.min.js": "bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control"
    "/bootstrap-table-filter-control.css": "bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control"
    "/bootstrap-table-filter-control.min.css": "bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css"
    "/bootstrap-datepicker.min.css": "bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js"
    "/bootstrap-datepicker.min.js": "bootstrap-datepicker.min.js",
    "https://cdn.jsdelivr.net/npm/vega@5": VEGA_BUNDLE,
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "icons.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": "",
}
REMOTE_TAG = re.compile(r'<(?:script|link)\b[^>]*?(?:src|href)="(https://[^"]+)"[^>]*>(?:\s*</script>)?')
GX_IMAGES = re.compile(r"https://great-expectations-web-assets\.s3\.[^\"']*?\.amazonaws\.com/[^\"']*")
PARAMETER = re.compile(r"\{(?:'|&#39;)\$PARAMETER(?:'|&#39;): (?:'|&#39;)(\w+)(?:'|&#39;)\}")

# Expectations whose verdict on a table is the AND of their verdicts on any split of its rows. A mart
# whose suite has only these is validated in slices of VALIDATION_CHUNK_ROWS rows (as GX validates a
# table batch by batch), so the pandas copy GX needs stays bounded: 2.6 million mentions at 100,000
# articles would be about 1.5 GB as one frame. Uniqueness is not row-local: such marts go whole.
ROW_LOCAL = {
    "expect_column_to_exist",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex",
    "expect_column_value_lengths_to_be_between",
    "expect_column_pair_values_a_to_be_greater_than_b",
}
# 200,000 rows: validating 100,000 articles' marts (2.66 million mentions) took 9.8-12.0 s and peaked at
# 1,043-1,053 MB, against 12.5-15.1 s and 940-1,003 MB in slices of 100,000 (each slice costs GX ~0.3 s of
# its own bookkeeping and a Data Docs page), 10.1-10.9 s and 1,078-1,112 MB in slices of 250,000. In a run,
# the run's process (~450 MB) and Prefect's API (~220 MB) sit beside it: the tree stays near 1.7 GB.
VALIDATION_CHUNK_ROWS = 200_000
# The validating process's DuckDB cap: its queries stream the marts to Great Expectations, and under the
# 1 GB default DuckDB kept the blocks it had read (100,000 articles: the process peaked at 1.33 GB, 1.20 GB
# under 300 MB, in the same time).
VALIDATION_MEMORY_LIMIT = "300MB"
# Expectations a mart is unique by, and the columns of the key each names.
UNIQUENESS = {"expect_column_values_to_be_unique": "column", "expect_compound_columns_to_be_unique": "column_list"}

# Row-count floors: a table may be empty only when the batch gave it nothing to come
# from. regions, parties and mentions need one relevant article; events and metrics,
# whose absence in a single short article is plausible, need three.
FLOOR_AFTER_RELEVANT = {"regions": 1, "parties": 1, "mentions": 1, "events": 3, "metrics": 3}


@dataclass
class Failure:
    table: str
    expectation: str
    column: str | None
    detail: str

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"{where}: {self.expectation} ({self.detail})"


@dataclass
class ValidationReport:
    success: bool
    evaluated: int
    failures: list[Failure] = field(default_factory=list)
    docs_index: Path | None = None
    per_table: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (passed, evaluated)
    suites: str = ""  # suites_digest() of what ran
    parameters: dict[str, object] = field(default_factory=dict)  # the expectation parameters it ran with
    # table -> (rows Great Expectations read, rows of the mart): fewer when unchanged rows were not read again
    rows_checked: dict[str, tuple[int, int]] = field(default_factory=dict)
    since: str | None = None  # the validated version whose unchanged rows were not read again

    def record(self) -> dict[str, Any]:
        """What the published manifest keeps of this validation, for the next run's baseline()."""
        return {
            "suites": self.suites,
            "parameters": self.parameters,
            "rows_checked": {t: list(counts) for t, counts in self.rows_checked.items()},
            "since": self.since,
        }


@dataclass(frozen=True)
class Baseline:
    """A published version that passed validation: a row of a row-local mart that is in its Parquet
    unchanged, and whose check columns still hold, passed the same expectations then, and is not
    given to Great Expectations again (see validate)."""

    folder: Path
    suites: str
    parameters: dict[str, object]


def baseline(version: Path | None) -> Baseline | None:
    """The validation record of a published version (its manifest's quality.validation), or None."""
    if version is None or not (version / "manifest.json").is_file():
        return None
    manifest = version / "manifest.json"
    record = (json.loads(manifest.read_text(encoding="utf-8")).get("quality") or {}).get("validation")
    if not record or not record.get("suites"):
        return None
    return Baseline(folder=version, suites=record["suites"], parameters=record.get("parameters") or {})


def suites_digest(suites: dict[str, dict[str, Any]]) -> str:
    """A digest of the suites and the check queries: a baseline validated by others is not reused."""
    text = json.dumps([suites, CHECK_QUERIES, sorted(ROW_LOCAL)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def reusable(since: Baseline | None, suites: str, params: dict[str, object]) -> bool:
    """Whether rows that passed in `since` pass now too: the same suites and check queries, and every
    parameter as it was, except the upper bounds (max_*, which grow with the date) no lower. The
    row-count floors (min_rows_*) may differ: GX gets at least one row of a non-empty mart (see _frames)."""
    if since is None or since.suites != suites:
        return False
    for name, value in params.items():
        if name.startswith("min_rows_"):
            continue
        old = since.parameters.get(name)
        if name.startswith("max_") and isinstance(value, str) and isinstance(old, str):
            if value < old:  # ISO dates compare as text
                return False
        elif value != old:
            return False
    return set(since.parameters) == set(params)


def parameters(con: duckdb.DuckDBPyConnection, today: date) -> dict[str, object]:
    """Runtime values the suites refer to as {"$PARAMETER": name}."""
    documents, relevant = con.execute(
        "select count(*), count(*) filter (where is_relevant) from marts.documents"
    ).fetchall()[0]
    params: dict[str, object] = {
        "max_published_on": (today + PUBLISHED_MARGIN).isoformat(),  # the windows extraction keeps
        "max_event_date": (today + EVENT_HORIZON).isoformat(),
        "min_rows_documents": 1 if documents else 0,
    }
    for table, needed in FLOOR_AFTER_RELEVANT.items():
        params[f"min_rows_{table}"] = 1 if relevant >= needed else 0
    return params


def load_suites(expectations_dir: Path = EXPECTATIONS_DIR) -> dict[str, dict[str, Any]]:
    """The suite JSON of every published table; a missing suite is an error, not a skip."""
    suites = {}
    for table in MART_TABLES:
        path = expectations_dir / f"{table}.json"
        if not path.exists():
            raise FileNotFoundError(f"no expectation suite for mart {table}: expected {path}")
        suites[table] = json.loads(path.read_text(encoding="utf-8"))
    return suites


# Up to this much input (the bytes of every file the warehouse will hold articles of), the validating
# process starts while the batches run; above it, when the build has ended: idle, it holds 300 MB
# (Great Expectations imported), which at 100,000 articles took the build's process tree over 2 GB.
PRELOAD_BELOW_INPUT_BYTES = 50_000_000
# A run of any size whose files to read are at most this many bytes, into a warehouse whose last build
# ran this very code (so the build will most likely be incremental), starts it early too: its batches run
# in this process on one core (batches.PARALLEL_FROM_BYTES) and the other core imports GX, which was on
# the critical path of a rerun after adding 100 files to 100,000 (validating ended 3 s after the Parquet
# was written). That run's process tree peaks later, while validating and writing the Parquet.
PRELOAD_BELOW_EXTRACT_BYTES = 5_000_000


def preload_while_batches_run(inventory: pl.DataFrame, built: bool = False) -> bool:
    """Whether to start validating's process before the batches (a small corpus, or a small increment
    when `built`: a complete build of this code is in the warehouse; GX's import is then off the
    critical path) or later (a large run: memory first; the flow starts it as soon as the build is past
    its largest models, warehouse.PEAK_MODELS, so that the import runs beside the last marts)."""
    processed = inventory.filter(pl.col("status") == "processed")
    if processed["size_bytes"].fill_null(0).sum() < PRELOAD_BELOW_INPUT_BYTES:
        return True
    extracted = processed.filter(pl.col("action") == "extract")["size_bytes"].fill_null(0).sum()
    return built and bool(extracted <= PRELOAD_BELOW_EXTRACT_BYTES)


def preload() -> None:
    """Start the process a run validates in, now: it imports Great Expectations (about 3 s) while the
    batches run, so the validate stage finds it ready (see validate_apart)."""
    global _validator
    if _validator is None:
        _validator = ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=_start)
        _validator.submit(int)  # the pool starts its process on the first task


def validate_apart(
    database: Path, docs_dir: Path, today: date | None = None, since: Baseline | None = None
) -> ValidationReport:
    """validate() on the warehouse file in a child process, which exits after it: Great Expectations and
    its pandas copies of the marts (the process peaks near 1.1 GB at 100,000 articles) leave with it
    instead of staying in the run's process for the publish stage. Uses the process preload() started,
    else starts one."""
    return start_apart(database, docs_dir, today, since).result()


class Validating:
    """A validate_apart() under way: result() waits for its report, and its process then exits."""

    def __init__(self, pool: ProcessPoolExecutor, future: Future[ValidationReport]) -> None:
        self._pool, self._future = pool, future
        self.started = time.perf_counter()

    def result(self) -> ValidationReport:
        global _running
        try:
            return self._future.result()
        finally:
            self._pool.shutdown()
            _running = None


def start_apart(database: Path, docs_dir: Path, today: date | None = None, since: Baseline | None = None) -> Validating:
    """validate_apart() started, not waited for: the run writes its Parquet meanwhile (see
    incremental_apart). stop() ends it if the run fails before asking for the result."""
    global _validator, _running
    pool = _validator or ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=_start)
    _validator, _running = None, pool
    return Validating(pool, pool.submit(_validate_file, database, docs_dir, today, since))


def incremental_apart(database: Path, since: Baseline | None, today: date | None = None) -> bool:
    """Whether validating the warehouse against `since` reads only the rows changed since then
    (validate(): the same suites, reusable() parameters), so its process stays small (0.5-0.7 GB at
    100,000 articles, against 0.9-1.1 GB reading every row) and the run can write its Parquet beside it
    when that writing is small too (pipeline._small_increment, publisher.merges)."""
    if since is None:
        return False
    from flows import warehouse

    with warehouse.connect(database, read_only=True) as con:
        params = parameters(con, today or date.today())
    return reusable(since, suites_digest(load_suites()), params)


def stop() -> None:
    """End the validating process preload() or start_apart() started, when the run ends without
    its report (a run that failed before or while validating); a validation under way is let finish."""
    global _validator, _running
    for pool in (_validator, _running):
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    _validator = _running = None


# Modules Great Expectations imports as it starts for expectations greenwire's suites do not use (the
# KL divergence and Kolmogorov-Smirnov ones import scipy.stats: 0.5-0.9 s of a 2.5-3.5 s import here).
# Loaded lazily (importlib.util.LazyLoader): a module runs on first use of one of its attributes, so
# an expectation that uses it still gets it whole.
DEFERRED_MODULES = ("scipy.stats",)


def defer(name: str) -> None:
    """Make `import name` (and `from parent import child`) give a module that is executed only when an
    attribute of it is first used; nothing if it is already imported (its parent package must be installed)."""
    if name in sys.modules:
        return
    parent, _, child = name.rpartition(".")
    if parent:
        importlib.import_module(parent)
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    if parent:
        setattr(sys.modules[parent], child, module)


def _start() -> None:
    """The validating process's start: it ends with the run (children.end_with_parent) and imports
    Great Expectations, without Python's cycle collector: the import makes objects by the hundred
    thousand, none of them garbage, and collecting over them as they came took 0.3-0.4 s of its 2.0 s
    (1.7 s without). They are then frozen (gc.freeze): the collections to come skip them. The modules of
    DEFERRED_MODULES are loaded only if used."""
    end_with_parent()
    for name in DEFERRED_MODULES:
        defer(name)
    gc.disable()
    try:
        importlib.import_module("great_expectations")
    finally:
        gc.freeze()
        gc.enable()


def _validate_file(database: Path, docs_dir: Path, today: date | None, since: Baseline | None) -> ValidationReport:
    from flows import warehouse

    with warehouse.connect(database, read_only=True) as con:
        warehouse.cap_memory(con, VALIDATION_MEMORY_LIMIT)
        return validate(con, docs_dir, today, since=since)


_validator: ProcessPoolExecutor | None = None  # preload()ed, not yet given its work
_running: ProcessPoolExecutor | None = None  # start_apart()ed, its report not yet asked for


def validate(
    con: duckdb.DuckDBPyConnection,
    docs_dir: Path,
    today: date | None = None,
    expectations_dir: Path = EXPECTATIONS_DIR,
    chunk_rows: int = VALIDATION_CHUNK_ROWS,
    since: Baseline | None = None,
) -> ValidationReport:
    """Run every suite on its mart and build Data Docs into docs_dir; a mart of more than `chunk_rows`
    rows whose checks are all row-local is validated slice by slice (see ROW_LOCAL).

    With `since`, a validated earlier version that reusable() accepts, a mart whose checks are row-local
    or uniqueness (unique_keys) is validated on its rows that are not in that version's Parquet (by a
    64-bit hash of the whole row), whose check columns fail now, or whose key is repeated, and at least
    one row: a run that adds 100 files to 100,000 gives Great Expectations some thousands of the 2.6
    million mentions. A row-local expectation's verdict is the AND of its verdicts on the rows, which
    the unchanged rows already gave; the checks across tables (the `_ok` columns) are computed by DuckDB
    on every row; see _changed_rows_query for uniqueness."""
    import great_expectations as gx  # ~3 s to import: only when validating (or preloaded by the flow)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    _no_batch_fingerprints()
    suites = load_suites(expectations_dir)
    params = parameters(con, today or date.today())
    digest = suites_digest(suites)
    reuse = since if reusable(since, digest, params) else None
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    docs_dir.mkdir(parents=True, exist_ok=True)
    for site in list(context.variables.data_docs_sites or {}):  # the ephemeral default writes to /tmp
        context.delete_data_docs_site(site)
    context.add_data_docs_site(
        site_name="greenwire",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    source = context.data_sources.add_pandas("marts")
    report = ValidationReport(success=True, evaluated=0, suites=digest, parameters=params)
    for table in MART_TABLES:
        suite = context.suites.add(gx.ExpectationSuite(**suites[table]))
        batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("current")
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=table, data=batch, suite=suite))
        previous = _previous_rows(con, table, suites[table], reuse)
        results, read = [], 0
        listed = _merged_documents(con, reuse) if table == "mentions" and previous is not None else None
        for frame in _frames(con, table, suites[table], chunk_rows, previous, listed):
            read += len(frame)
            results.append(
                definition.run(batch_parameters={"dataframe": _for_gx(frame)}, expectation_parameters=params)
            )
            del frame
        release(source)
        rows = con.execute(f"select count(*) from marts.{table}").fetchall()[0][0]
        report.rows_checked[table] = (read, rows)
        if previous is not None and reuse is not None:
            report.since = reuse.folder.name
        _collect(report, table, results)
    report.docs_index = docs_dir / "index.html"
    context.build_data_docs(site_names=["greenwire"])
    offline_data_docs(docs_dir, params)
    return report


def _no_batch_fingerprints() -> None:
    """Great Expectations labels each pandas batch it loads with a fingerprint, an md5 of pandas' hash of
    every value, when the frame takes less than its HASH_THRESHOLD (1 GB); it only shows in Data Docs'
    batch markers. Hashing every frame cost 4-6 s of the 21-24 s of validating 100,000 articles, so it is
    off (threshold 0) in the validating process: each published file's sha256 is in its manifest."""
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


def release(source: PandasDatasource) -> None:
    """Let go of the frames Great Expectations holds for a pandas data source: its execution engine keeps
    the last frame of every asset it validated, to the end of the run (100,000 articles: the seven marts'
    last frames, 448,000 metrics among them, kept the validating process at 1.23 GB; 1.03 GB released
    after each mart)."""
    manager = source.get_execution_engine().batch_manager
    manager.reset_batch_cache()
    manager.batch_data_cache.clear()


def row_local(suite: dict[str, Any]) -> bool:
    """True when every expectation of the suite can be checked on any slice of the rows: ROW_LOCAL
    types, and a row-count floor of at most 1 (which every non-empty slice meets) without a ceiling."""
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        if expectation["type"] == "expect_table_row_count_to_be_between":
            floor = kwargs.get("min_value")
            if kwargs.get("max_value") is not None or not (isinstance(floor, dict) or floor is None or floor <= 1):
                return False  # a parameterized floor is a min_rows_* parameter: 0 or 1 (see parameters())
        elif expectation["type"] not in ROW_LOCAL or kwargs.get("mostly", 1) != 1:
            return False
    return True


def unique_keys(suite: dict[str, Any]) -> list[list[str]] | None:
    """The keys a suite expects unique ([["doc_id"], ["source_file", "article_index"]]) when all its
    other expectations are row-local (see row_local); None when some expectation is neither."""
    keys = []
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        if expectation["type"] in UNIQUENESS and kwargs.get("mostly", 1) == 1:
            named = kwargs[UNIQUENESS[expectation["type"]]]
            keys.append([named] if isinstance(named, str) else list(named))
        elif not row_local({"expectations": [expectation]}):
            return None
    return keys


def _previous_rows(
    con: duckdb.DuckDBPyConnection, table: str, suite: dict[str, Any], since: Baseline | None
) -> Path | None:
    """The Parquet of `table` in the baseline, when the suite's checks are row-local or uniqueness
    (unique_keys) and the mart's columns and types are the same there (a row of another shape never
    counts as validated); else None."""
    if since is None or unique_keys(suite) is None:
        return None
    parquet = since.folder / f"{table}.parquet"
    now = con.sql(f"select * from marts.{table} limit 0")
    same = _parquet_schema(con, parquet) == list(zip(now.columns, (str(t) for t in now.types), strict=True))
    return parquet if same else None  # missing, unreadable or of another shape: the whole mart is validated


def _merged_documents(con: duckdb.DuckDBPyConnection, since: Baseline | None) -> list[str] | None:
    """The documents whose mentions publishing merges into those of `since` (flows/warehouse/merged.py),
    when it does: the published file is then the rows validated for `since` and those of these documents,
    so those are the rows to read (0.5 s instead of 2 s for the hash of every row, 100,000 articles + 100)."""
    if since is None:
        return None
    changed = increments.unpublished(con, "mentions", since.folder.name)
    return changed if changed is not None and merged.few(con, changed) else None


def _frames(
    con: duckdb.DuckDBPyConnection,
    table: str,
    suite: dict[str, Any],
    chunk_rows: int,
    previous: Path | None = None,
    listed: list[str] | None = None,
) -> Iterator[pd.DataFrame]:
    """The check query of the mart as pandas frames: one, or slices of chunk_rows when the suite is
    row-local; with `previous` (see _previous_rows), only the rows _changed_rows_query names (with
    `listed`, the mentions of those documents in place of the rows not in `previous`).

    Through Arrow: DuckDB's own pandas conversion built each string column from Python objects
    (2.6 million mentions: 29 s against 8 s for Arrow batches, same dtypes)."""
    query, params = CHECK_QUERIES[table], None
    if previous is not None:
        query = _changed_rows_query(con, table, previous, unique_keys(suite) or [], listed is not None)
        params = {"listed": listed} if listed is not None else None
    relation = con.sql(query, params=params)
    frames: Iterator[Any]
    if row_local(suite):
        reader = relation.to_arrow_reader(chunk_rows)
        schema, frames = reader.schema, _joined(reader, chunk_rows)
    else:
        whole = relation.to_arrow_table()
        schema, frames = whole.schema, iter([whole] if whole.num_rows else [])
    empty = True
    for frame in frames:
        empty = False
        yield frame.to_pandas()
    if empty and previous is not None:  # nothing changed: one row, so that a row-count floor sees the table
        yield con.sql(f"select * from ({CHECK_QUERIES[table]}) limit 1").to_arrow_table().to_pandas()
    elif empty:  # the row-count floor is still checked
        yield schema.empty_table().to_pandas()


def _joined(reader: pa.RecordBatchReader, rows: int) -> Iterator[pa.Table]:
    """The reader's non-empty batches joined into tables of at most `rows` rows (one batch larger than
    that stays whole): DuckDB can hand even a small result in several batches (the 2,778 mentions read
    on a run that adds 100 files to 100,000: 2,470 + 308), and every frame costs a run of the suite."""
    import pyarrow as pa  # the validating process has it (GX, pandas); the run's process need not import it

    pending: list[pa.RecordBatch] = []
    for batch in reader:
        if pending and sum(b.num_rows for b in pending) + batch.num_rows > rows:
            yield pa.Table.from_batches(pending)
            pending = []
        if batch.num_rows:
            pending.append(batch)
    if pending:
        yield pa.Table.from_batches(pending)


def _changed_rows_query(
    con: duckdb.DuckDBPyConnection, table: str, previous: Path, keys: list[list[str]], listed: bool = False
) -> str:
    """The check query of `table` narrowed to the rows not in `previous` (the validated Parquet of the
    mart), the rows any check column fails, and the rows whose value of a unique key (`keys`) is
    repeated in the mart. A uniqueness verdict on these rows is the verdict on the whole mart: the
    rows of a repeated key are all there, and a repeat among unchanged rows alone is there too.

    Rows are matched by a 64-bit hash of all their columns: a changed row passes unread only if its
    hash equals that of some validated row (odds of about rows / 2**64; comparing every column
    exactly took 4.3 s against 0.7 s for the 2.6 million mentions of 100,000 articles).

    Mentions (see _changed_mentions_query) skip the join with their document's text where it cannot
    change a verdict."""
    columns = con.sql(f"select * from marts.{table} limit 0").columns
    # Each column as the check query gives it; a mention's whole row, as its narrowing reads the mart itself
    # (its span check reads the evidence: a row whose evidence changed is read again).
    checked_as = {} if table == "mentions" else CHECKED_AS.get(table, {})
    row = ", ".join(checked_as.get(c, f'"{c}"') for c in columns)
    validated = f"validated as (select hash({row}) as row_hash from read_parquet('{previous.as_posix()}'))"
    if table == "mentions" and listed:  # the mentions of the documents in $listed (_merged_documents)
        keep = "not coalesce(_entity_ok, false) or doc_id in (select unnest($listed))"
        return f"select * from ({MENTIONS_CHECK.format(keep=keep + _repeated(table, keys, 'entity_checked'))})"
    if table == "mentions" and _readable(con, previous.with_name("documents.parquet"), {"doc_id", "text"}):
        return _changed_mentions_query(previous.with_name("documents.parquet"), row, validated, keys)
    checks = [c for c in con.sql(CHECK_QUERIES[table]).columns if c not in columns]
    held = " and ".join(f'"{c}"' for c in checks) or "true"
    return f"""
        with checked as ({CHECK_QUERIES[table]}),
        {validated}
        select * from checked
        where not coalesce({held}, false)
            or hash({row}) not in (select row_hash from validated)
            {_repeated(table, keys, "checked")}"""


def _changed_mentions_query(documents: Path, row: str, validated: str, keys: list[list[str]]) -> str:
    """The mentions' check query narrowed as _changed_rows_query says, with the join of each mention to
    its document's text (the span checks, _doc_ok and _span_ok) only for the rows that are read: a
    mention whose row and whose document (doc_id and text, by hash) are both in the validated version
    has the verdicts it had there, which passed. The entity check is computed on every row (its marts
    may have changed). 100,000 articles plus 100: 6.1 s -> 2.1 s, the same 2,778 rows."""
    keep = f"""not coalesce(_entity_ok, false)
        or hash({row}) not in (select row_hash from validated)
        or doc_id not in (select doc_id from same_documents)
        {_repeated("mentions", keys, "entity_checked")}"""
    return f"""
        with {validated},
        documents_then as (select hash(doc_id, text) as document_hash from read_parquet('{documents.as_posix()}')),
        same_documents as (
            select doc_id from marts.documents
            where hash(doc_id, text) in (select document_hash from documents_then)
        )
        select * from ({MENTIONS_CHECK.format(keep=keep)})"""


def _repeated(table: str, keys: list[list[str]], alias: str) -> str:
    """A filter's terms that keep the rows of `alias` whose value of a unique key repeats in the mart."""
    return "".join(
        f""" or exists (select 1 from (select {", ".join(f'"{c}"' for c in key)} from marts.{table} group by all
                    having count(*) > 1) as r where {" and ".join(f'r."{c}" = {alias}."{c}"' for c in key)})"""
        for key in keys
    )


def _readable(con: duckdb.DuckDBPyConnection, parquet: Path, columns: set[str]) -> bool:
    """Whether `parquet` is a Parquet file with these columns, all strings."""
    types = dict(_parquet_schema(con, parquet) or [])
    return all(types.get(c) == "VARCHAR" for c in columns)


def _parquet_schema(con: duckdb.DuckDBPyConnection, parquet: Path) -> list[tuple[str, str]] | None:
    """[(column, DuckDB type)] of a Parquet file; None when it is missing or unreadable."""
    if not parquet.is_file():
        return None
    try:
        relation = con.sql(f"select * from read_parquet('{parquet.as_posix()}') limit 0")
    except duckdb.Error:
        return None
    return list(zip(relation.columns, (str(t) for t in relation.types), strict=True))


def offline_data_docs(docs_dir: Path, params: dict[str, object]) -> None:
    """Make Data Docs readable offline and by people: CSS/JS from local copies instead of CDNs, GX's
    logos from the site's own images, check columns by meaning, parameters by value, assets by name."""
    from flows.warehouse.report import vega_bundle

    vendor = docs_dir / "static" / "vendor"
    vendor.mkdir(parents=True, exist_ok=True)
    for name in set(CDN.values()) - {"", VEGA_BUNDLE}:
        shutil.copyfile(VENDOR_DIR / name, vendor / name)
    (vendor / VEGA_BUNDLE).write_text(vega_bundle(), encoding="utf-8")
    labels = re.compile(r"\b(" + "|".join(map(re.escape, CHECK_LABELS)) + r")\b")
    for page in docs_dir.rglob("*.html"):
        up = os.path.relpath(docs_dir / "static", page.parent)
        text = REMOTE_TAG.sub(partial(_local_tag, vendor=f"{up}/vendor"), page.read_text(encoding="utf-8"))
        text = GX_IMAGES.sub(f"{up}/images/logo-long.png", text)
        text = labels.sub(lambda m: CHECK_LABELS[m[1]], text)
        text = PARAMETER.sub(lambda m: f"{params.get(m[1], '?')} ({m[1]} at the last run)", text)
        table = page.relative_to(docs_dir).parts[1] if page.parent != docs_dir else None
        if table in MART_TABLES:
            text = text.replace("Data asset: None", f"Data asset: marts.{table}")
        page.write_text(text, encoding="utf-8")


def _local_tag(match: re.Match[str], vendor: str) -> str:
    """The <script>/<link> tag pointing at the local copy, without SRI attributes (a local file has no CORS)."""
    local = CDN.get(match[1])
    if local is None:
        return str(match[0])
    if not local:
        return ""
    if local.endswith(".css"):
        return f'<link rel="stylesheet" href="{vendor}/{local}">'
    return f'<script src="{vendor}/{local}"></script>'


def _for_gx(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as Great Expectations compares it right and fast. Timestamps become datetime.date (GX
    compares date bounds as dates, which pandas Timestamps refuse); integers narrower than 64 bits become
    int64 (GX compares bounds vectorized only for numpy's int64 and float64, and value by value in Python
    for any other dtype: 2.6 million int32 char_start, 3 s)."""
    for column in frame.columns:
        dtype = frame[column].dtype
        if str(dtype).startswith("datetime64"):
            frame[column] = [None if value is None or value != value else value.date() for value in frame[column]]
        elif getattr(dtype, "kind", None) in ("i", "u") and dtype.itemsize < 8:
            frame[column] = frame[column].astype("int64")
    return frame


def _exception_message(info: dict[str, Any] | None) -> str | None:
    """GX nests exception details per metric; find the first message."""
    if not info:
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    nested = (_exception_message(v) for v in info.values() if isinstance(v, dict))
    return next((m for m in nested if m), None)


def _collect(report: ValidationReport, table: str, results: list[ExpectationSuiteValidationResult]) -> None:
    """One verdict per expectation of the table: it passes when it passed on every slice; a failure
    counts the unexpected rows of all slices."""
    passed = 0
    for outcomes in zip(*(result.results for result in results)):
        report.evaluated += 1
        failed = [o for o in outcomes if not o.success]
        if not failed:
            passed += 1
            continue
        report.success = False
        config = failed[0].expectation_config
        found = [o.result or {} for o in failed]
        error = next(filter(None, (_exception_message(o.exception_info) for o in failed)), None)
        if error:
            detail = f"could not be evaluated: {error}"
        elif found[0].get("unexpected_count") is not None:
            sample = ", ".join(map(str, (found[0].get("partial_unexpected_list") or [])[:3]))
            detail = f"{sum(r.get('unexpected_count') or 0 for r in found)} unexpected rows, e.g. {sample}"
        else:
            detail = f"observed {found[0].get('observed_value')}"
        column = config.kwargs.get("column") or (",".join(config.kwargs.get("column_list", [])) or None)
        report.failures.append(Failure(table, config.type, column, detail))
    report.per_table[table] = (passed, len(results[0].results))
