"""Incremental builds: after a few files changed, the per-document models recompute only the documents
whose rows can differ, and the result is the same tables a full build makes (tests/test_increments.py).

Loading records every document whose raw rows it adds, replaces or retracts in raw.pending_documents.
A build that completes writes raw.last_build (the code digest it ran) and empties the pending list; a
build clears raw.last_build before it changes anything, so a build cut short leaves no claim, and the
next one is full. The next build is incremental when raw.last_build names the same code (sql/, flows/,
suites, reference tables: any change means a full build) and the pending documents are at most
INCREMENTAL_SHARE of all. Then:

- the models of PER_DOCUMENT keep their table and replace the rows of the documents their scope query
  names: `delete ... where doc_id in scope`, then the model's query with in_scope(doc_id) true only
  for those documents (every per-document model reads its sources through in_scope, sql/macros.sql);
- the models of DIFFED are rebuilt whole (they are global: aliases across documents, near-duplicate
  buckets, clusters), and the rows that differ from their previous build go to a temporary table
  changed_<model>, which the scope queries read: a document whose own rows did not change is
  recomputed when a lookup it uses did (its party names' canonical forms, its events' cluster ids).
- every other model is rebuilt whole, as in a full build.

Publishing needs to know which rows can differ from the version it replaces (flows/warehouse/merged.py
merges the mentions' file instead of sorting the whole table). raw.unpublished_documents keeps, per
per-document mart, the documents every build recomputed since the last publish, written before the
rows change; a full build writes ('*', null): everything. A run that publishes empties it when it
records the version it published (runs.record_run), so the list is relative to the version the last
published run names, and only when that version is still `current` does publishing use it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from flows.warehouse.transaction import transaction

PENDING_DDL = "create table if not exists raw.pending_documents (doc_id varchar not null)"
UNPUBLISHED_DDL = "create table if not exists raw.unpublished_documents (mart varchar not null, doc_id varchar)"
LAST_BUILD_DDL = """
create table if not exists raw.last_build (
    code_digest varchar not null,
    built_at timestamptz not null
)
"""

# Above this share of pending documents a full build is as quick, and simpler to reason about.
INCREMENTAL_SHARE = 0.5

# Global models whose changed rows per-document models need, by (layer, table).
DIFFED = {
    ("intermediate", "int_document_parties"),
    ("intermediate", "int_parties"),
    ("intermediate", "int_regions"),
    ("intermediate", "int_documents"),
    ("intermediate", "int_event_clusters"),
}

_DOCS_OF_CHANGED_CLUSTERS = """
    select doc_id from intermediate.int_event_mentions
    where event_mention_id in (select event_mention_id from changed_int_event_clusters)"""

# Per-document models, by (layer, table): the query naming the documents whose rows to replace. It may
# read pending_documents, changed_<model> of DIFFED models built before it, and scope_<model> (the
# documents recomputed) of per-document models built before it.
PER_DOCUMENT = {
    ("intermediate", "int_event_attributes"): "select doc_id from pending_documents",
    ("intermediate", "int_event_mentions"): "select doc_id from pending_documents",
    ("intermediate", "int_metrics"): """
        select doc_id from pending_documents
        union select doc_id from changed_int_document_parties""",
    # a mention's affiliation finds its party by name among every document's parties: names that came or went
    ("intermediate", "int_party_mentions"): """
        select doc_id from pending_documents
        union select doc_id from changed_int_document_parties
        union select doc_id from staging.stg_party_mentions
            where affiliation in (select party_name from changed_int_parties)""",
    ("intermediate", "int_region_mentions"): "select doc_id from pending_documents",
    ("marts", "documents"): """
        select doc_id from pending_documents
        union select doc_id from changed_int_documents""",
    ("marts", "metrics"): f"""
        select doc_id from scope_int_metrics
        union {_DOCS_OF_CHANGED_CLUSTERS}
        union select doc_id from intermediate.int_metrics
            where subject_region_id in (select region_id from changed_int_regions)""",
    ("marts", "mentions"): f"""
        select doc_id from scope_int_region_mentions
        union select doc_id from scope_int_party_mentions
        union select doc_id from scope_int_event_mentions
        union select doc_id from scope_int_metrics
        union {_DOCS_OF_CHANGED_CLUSTERS}
        union select doc_id from intermediate.int_region_mentions
            where region_id in (select region_id from changed_int_regions)""",
}


# Models whose rows are the candidate pairs of another model that match rules on the two event mentions'
# attributes alone (pairs model -> its candidates model, by (layer, table)). The candidates are rebuilt
# whole (blocking is global), but a pair both builds propose whose mentions kept their attributes matches
# as before: an incremental build checks only the pairs it cannot carry over (see check_pairs).
PAIRWISE = {("intermediate", "int_event_pairs"): ("intermediate", "int_event_candidates")}

# The pairs to check again: candidates new since the previous build, and those of a mention whose document
# int_event_attributes recomputed; each by its two mention numbers in order.
_PAIRS_TO_CHECK = """
    with recomputed as (
        select mention_no from intermediate.int_event_attributes
        where doc_id in (select doc_id from scope_int_event_attributes)
    ),
    candidates as (
        select
            least(mention_no, other_mention_no) as low_mention_no,
            greatest(mention_no, other_mention_no) as high_mention_no
        from {candidates}
    ),
    before as (
        select
            least(mention_no, other_mention_no) as low_mention_no,
            greatest(mention_no, other_mention_no) as high_mention_no
        from {candidates}__previous
    )
    select * from (select * from candidates except select * from before)
    union
    select * from candidates
    where low_mention_no in (select mention_no from recomputed)
        or high_mention_no in (select mention_no from recomputed)"""

# The previous build's pairs that do not stand: to be checked again, or no longer candidates.
_PAIRS_GONE = """
    delete from {pairs}
    where (low_mention_no, high_mention_no) in (select low_mention_no, high_mention_no from pairs_to_check)
        or (low_mention_no, high_mention_no) not in (
            select least(mention_no, other_mention_no), greatest(mention_no, other_mention_no) from {candidates}
        )"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The bookkeeping tables of incremental builds (schema raw exists)."""
    con.execute(PENDING_DDL)
    con.execute(LAST_BUILD_DDL)
    con.execute(UNPUBLISHED_DDL)


def record_pending(con: duckdb.DuckDBPyConnection, query: str) -> None:
    """Add the doc_id values of `query` to the documents the next build must recompute (in the
    caller's transaction: loading commits them with the rows)."""
    con.execute(f"insert into raw.pending_documents select doc_id from ({query})")


def built(con: duckdb.DuckDBPyConnection, code_digest: str | None) -> bool:
    """Whether the last build completed and ran the code of `code_digest` (the next may be incremental)."""
    if code_digest is None:
        return False
    rows = con.execute("select count(*) from raw.last_build where code_digest = ?", [code_digest]).fetchall()
    return bool(rows[0][0])


def pending(con: duckdb.DuckDBPyConnection, code_digest: str | None, tables: list[str]) -> int | None:
    """How many documents an incremental build would recompute first, or None when the build must
    be full: no complete build of this code (`code_digest`) before, a model table missing (`tables`,
    as layer.name), or more than INCREMENTAL_SHARE of the documents pending."""
    if not built(con, code_digest):
        return None
    existing = {
        f"{schema}.{table}"
        for schema, table in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    }
    if not set(tables) <= existing:
        return None
    changed, documents = con.execute(
        "select (select count(distinct doc_id) from raw.pending_documents), (select count(*) from raw.documents)"
    ).fetchall()[0]
    if changed > INCREMENTAL_SHARE * max(documents, 1):
        return None
    return int(changed)


def begin(con: duckdb.DuckDBPyConnection, incremental: bool) -> None:
    """Withdraw the claim of a complete build before any model changes, and set in_scope() for this
    build: true for every document in a full build (sql/macros.sql), the current scope's in an
    incremental one. The pending documents become the temporary table pending_documents."""
    con.execute("delete from raw.last_build")
    if not incremental:  # every row of every mart may change
        con.execute("insert into raw.unpublished_documents values ('*', null)")
    leftovers = con.execute(
        "select schema_name, table_name from duckdb_tables() where suffix(table_name, '__previous')"
    ).fetchall()
    for schema, table in leftovers:  # set aside by an incremental build that failed
        con.execute(f"drop table {schema}.{table}")
    con.execute("create or replace temp table pending_documents as select distinct doc_id from raw.pending_documents")
    if incremental:
        con.execute("create or replace temp table build_scope (doc_id varchar)")
        con.execute("create or replace temp macro in_scope(id) as id in (select doc_id from build_scope)")


def update(con: duckdb.DuckDBPyConnection, layer: str, table: str, query: str) -> int:
    """Replace the rows of one per-document model for the documents of its PER_DOCUMENT scope;
    returns how many documents that was."""
    con.execute(f"create or replace temp table scope_{table} as {PER_DOCUMENT[(layer, table)]}")
    con.execute(f"create or replace temp table build_scope as select doc_id from scope_{table}")
    documents: int = con.execute("select count(*) from build_scope").fetchall()[0][0]
    if layer == "marts":  # recorded before the rows change: a build cut short leaves a longer list, never a shorter
        con.execute("insert into raw.unpublished_documents select ?, doc_id from build_scope", [table])
    with transaction(con):
        con.execute(f"delete from {layer}.{table} where doc_id in (select doc_id from build_scope)")
        con.execute(f"insert into {layer}.{table}\n{query}")
    return documents


def set_aside(con: duckdb.DuckDBPyConnection, layer: str, table: str) -> None:
    """Keep the previous build of a DIFFED model as <table>__previous while the new one is built."""
    con.execute(f"drop table if exists {layer}.{table}__previous")
    con.execute(f"alter table {layer}.{table} rename to {table}__previous")


def check_pairs(con: duckdb.DuckDBPyConnection, layer: str, table: str, query: str) -> int:
    """Build a PAIRWISE model of an incremental build: its previous rows that still stand are kept, then
    the rows of `query` (the model) added with pair_in_scope() true only for the pairs to check again
    (sql/macros.sql); drops the previous candidates set_aside() kept. The rows are those a full build
    makes: a pair both builds propose, of two mentions whose attributes did not change, matches now
    exactly when it did then (tests/test_increments.py). Returns how many pairs were checked."""
    candidates = ".".join(PAIRWISE[(layer, table)])
    con.execute(f"create or replace temp table pairs_to_check as {_PAIRS_TO_CHECK.format(candidates=candidates)}")
    con.execute(
        "create or replace temp macro pair_in_scope(a, b) as "
        "(least(a, b), greatest(a, b)) in (select low_mention_no, high_mention_no from pairs_to_check)"
    )
    try:
        with transaction(con):
            con.execute(_PAIRS_GONE.format(pairs=f"{layer}.{table}", candidates=candidates))
            con.execute(f"insert into {layer}.{table}\n{query}")
    finally:
        con.execute("create or replace temp macro pair_in_scope(a, b) as true")
    con.execute(f"drop table {candidates}__previous")
    checked: int = con.execute("select count(*) from pairs_to_check").fetchall()[0][0]
    return checked


def diff(con: duckdb.DuckDBPyConnection, layer: str, table: str) -> int:
    """The rows of a DIFFED model that differ from its previous build, both versions of each, into
    changed_<table>; drops the previous build; returns the number of such rows."""
    new, old = f"{layer}.{table}", f"{layer}.{table}__previous"
    con.execute(
        f"create or replace temp table changed_{table} as "
        f"(select * from {new} except select * from {old}) union all (select * from {old} except select * from {new})"
    )
    con.execute(f"drop table {old}")
    rows: int = con.execute(f"select count(*) from changed_{table}").fetchall()[0][0]
    return rows


def unpublished(con: duckdb.DuckDBPyConnection, mart: str, version: str) -> list[str] | None:
    """The documents whose rows of marts.<mart> may differ from the published version `version`, sorted;
    None when that is not known: `version` is not the one the last published run recorded, a full build
    ran since, or the warehouse predates this bookkeeping."""
    raw = con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
    if not {"unpublished_documents", "runs"} <= {t for (t,) in raw}:
        return None
    last = con.execute(
        "select published_version from raw.runs where outcome = 'published' order by started_at desc limit 1"
    ).fetchall()
    if not last or last[0][0] != version:
        return None
    rows = con.execute(
        "select distinct doc_id from raw.unpublished_documents where mart in (?, '*') order by doc_id", [mart]
    ).fetchall()
    return None if any(doc_id is None for (doc_id,) in rows) else [doc_id for (doc_id,) in rows]


def published(con: duckdb.DuckDBPyConnection) -> None:
    """A version was published from the marts as they are: nothing is unpublished any more (in the
    caller's transaction, which records the version)."""
    con.execute(UNPUBLISHED_DDL)
    con.execute("delete from raw.unpublished_documents")


def complete(con: duckdb.DuckDBPyConnection, code_digest: str | None) -> None:
    """Record a complete build: the pending documents it took in are done; with a code digest, the next
    build of the same code may be incremental."""
    with transaction(con):
        con.execute("delete from raw.pending_documents where doc_id in (select doc_id from pending_documents)")
        if code_digest is not None:
            con.execute("insert into raw.last_build values (?, ?)", [code_digest, datetime.now(UTC)])
