"""Incremental builds: every model equals what a full build of the same raw rows makes, when files are
retracted and added back one at a time; the cases that must build in full do."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from facts import raw_frames

from flows import batches, warehouse
from flows.ops.incremental import PREVIOUS_SCHEMA, plan
from flows.ops.inventory import list_files
from flows.warehouse import increments, merged
from flows.warehouse import publish as publisher

HELDOUT = Path(__file__).parent / "heldout" / "raw"
DIGEST = "code-v1"


@pytest.fixture(scope="module")
def extracted(seeds, tmp_path_factory) -> batches.Batch:
    """The seeds and the held-out files (real pages: events reported by several of them, parties
    named differently) and a copy of one held-out file (near-duplicates of its articles), decoded,
    cleaned and extracted once."""
    folder = tmp_path_factory.mktemp("increments") / "in"
    shutil.copytree(seeds, folder)
    for path in HELDOUT.iterdir():
        shutil.copy(path, folder / path.name)
    shutil.copy(HELDOUT / "h08_huzhou_green_finance.txt", folder / "z_copy_of_h08.txt")
    planned = plan(list_files(folder, 10_000_000), pl.DataFrame(schema=PREVIOUS_SCHEMA), "v1")
    return batches.process_batch(batches.plan(planned, 1000)[0], folder.resolve(), today=date(2026, 12, 1))


def _frames(batch: batches.Batch, source_file: str) -> dict[str, pl.DataFrame]:
    documents = batch.documents.filter(pl.col("source_file") == source_file)
    ids = documents["doc_id"]
    return {"documents": documents} | {
        name: frame.filter(pl.col("doc_id").is_in(ids.implode())) for name, frame in batch.facts.items()
    }


def _load(con: duckdb.DuckDBPyConnection, batch: batches.Batch, files: list[str]) -> None:
    for source_file in files:
        warehouse.replace_documents(con, [source_file], _frames(batch, source_file))


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every model table's rows, sorted."""
    return {
        f"{layer}.{table}": con.execute(f"select * from {layer}.{table} order by all").fetchall()
        for layer, table, _ in warehouse.models()
        if warehouse.MATERIALIZED[layer] == "table"
    }


def _full_tables(con: duckdb.DuckDBPyConnection, digest: str = DIGEST) -> dict[str, list[tuple]]:
    """The tables of a full build of the same raw rows; afterwards the warehouse claims that build, as
    if it had run with `digest`."""
    warehouse.build_models(con)
    full = _tables(con)
    increments.complete(con, digest)
    return full


@pytest.fixture
def built(con, extracted) -> duckdb.DuckDBPyConnection:
    """Every file loaded and built in full with DIGEST."""
    _load(con, extracted, sorted(extracted.documents["source_file"].unique()))
    assert warehouse.build(con, code_digest=DIGEST).pending is None
    return con


def test_the_mentions_parquet_is_merged_only_after_a_small_increment(built, extracted, tmp_path, monkeypatch):
    """publisher.merges, which lets the Parquet be written beside validation (pipeline._validated): a full
    sort of the mentions needs more memory than the cap it then gets (100,000 articles: one of three
    writes failed under 500 MB), so only a merge from the published file, of few changed documents, goes there."""
    con, publish_dir = built, tmp_path / "publish"
    assert not publisher.merges(con, publish_dir)  # nothing published
    version = publish_dir / "versions" / "v1"
    version.mkdir(parents=True)
    con.execute(f"copy marts.mentions to '{version / 'mentions.parquet'}' (format parquet)")
    (publish_dir / "current").symlink_to(version)
    _published_as(con, "v1")
    assert publisher.merges(con, publish_dir)  # nothing changed since
    files = sorted(extracted.documents["source_file"].unique())
    warehouse.replace_documents(con, [files[0]], _frames(extracted, files[0]))
    assert warehouse.build(con, code_digest=DIGEST).pending is not None
    changed = increments.unpublished(con, "mentions", "v1") or []
    documents = con.execute("select count(*) from marts.documents").fetchall()[0][0]
    assert 0 < len(changed) < documents
    monkeypatch.setattr(merged, "MERGE_SHARE", len(changed) / documents)
    assert publisher.merges(con, publish_dir)
    monkeypatch.setattr(merged, "MERGE_SHARE", (len(changed) - 1) / documents)  # too many changed
    assert not publisher.merges(con, publish_dir)
    monkeypatch.setattr(merged, "MERGE_SHARE", 1.0)
    (version / "mentions.parquet").unlink()  # no published file to merge into
    assert not publisher.merges(con, publish_dir)
    con.execute(f"copy marts.mentions to '{version / 'mentions.parquet'}' (format parquet)")
    assert publisher.merges(con, publish_dir)
    warehouse.build_models(con)  # a full build: any row may differ
    assert not publisher.merges(con, publish_dir)


def test_loading_records_the_documents_it_retracts_and_adds(con, extracted):
    first = sorted(extracted.documents["source_file"].unique())[0]
    ids = set(_frames(extracted, first)["documents"]["doc_id"])
    _load(con, extracted, [first])
    pending = {r[0] for r in con.execute("select doc_id from raw.pending_documents").fetchall()}
    assert pending == ids
    warehouse.build(con, code_digest=DIGEST)
    assert con.execute("select count(*) from raw.pending_documents").fetchall() == [(0,)]
    warehouse.replace_documents(con, [first], {})
    pending = {r[0] for r in con.execute("select doc_id from raw.pending_documents").fetchall()}
    assert pending == ids


def test_files_retracted_and_added_back_one_at_a_time_build_what_a_full_build_makes(built, extracted, monkeypatch):
    con = built
    monkeypatch.setattr(increments, "INCREMENTAL_SHARE", 1.0)  # the newspaper page is a third of the documents
    files = sorted(extracted.documents["source_file"].unique())
    beyond_pending = 0
    for source_file in files:
        for frames in ({}, _frames(extracted, source_file)):
            warehouse.replace_documents(con, [source_file], frames)
            pending = {r[0] for r in con.execute("select doc_id from raw.pending_documents").fetchall()}
            build = warehouse.build(con, code_digest=DIGEST)
            assert build.pending == len(pending) > 0, source_file
            recomputed = {r[0] for r in con.execute("select doc_id from scope_mentions").fetchall()}
            beyond_pending += len(recomputed - pending)
            assert _tables(con) == _full_tables(con), (source_file, "retracted" if not frames else "added back")
    # documents whose own rows did not change were recomputed for what a lookup of theirs did (party
    # names' canonical forms, cluster ids across documents): the cases this test is about happened
    assert beyond_pending > 0


def test_event_pairs_carried_over_and_checked_again_are_what_a_full_build_finds(built, extracted, monkeypatch):
    """Blocks larger than the cap give each mention its nearest neighbours only, so a retracted file
    gives mentions of other files new neighbours: candidates that are new although neither mention
    changed. The pairs of an incremental build (the previous build's that stand, and those checked
    again) equal a full build's, and most were carried over, not checked."""
    con = built
    monkeypatch.setattr(increments, "INCREMENTAL_SHARE", 1.0)
    con.execute("set variable event_block_cap = 2")
    con.execute("set variable event_block_window = 1")
    _full_tables(con)  # the previous build made with the small blocks too
    files = sorted(extracted.documents["source_file"].unique())
    new_among_unchanged = carried = 0
    for source_file in files:
        warehouse.replace_documents(con, [source_file], {})
        assert warehouse.build(con, code_digest=DIGEST).pending is not None
        pairs = con.execute("select * from intermediate.int_event_pairs order by all").fetchall()
        new_among_unchanged += con.execute(
            """select count(*) from pairs_to_check
            where low_mention_no not in (select mention_no from intermediate.int_event_attributes
                                         where doc_id in (select doc_id from scope_int_event_attributes))
              and high_mention_no not in (select mention_no from intermediate.int_event_attributes
                                          where doc_id in (select doc_id from scope_int_event_attributes))"""
        ).fetchall()[0][0]
        carried += con.execute(
            """select count(*) from intermediate.int_event_pairs
            where (low_mention_no, high_mention_no)
                not in (select low_mention_no, high_mention_no from pairs_to_check)"""
        ).fetchall()[0][0]
        assert pairs == _full_tables(con)["intermediate.int_event_pairs"], source_file
        _load(con, extracted, [source_file])
        _full_tables(con)
    assert new_among_unchanged > 0  # the case the candidates' comparison with the previous build is for
    assert carried > 0


def _party(doc, surface, name, party_type="enterprise", affiliation=None):
    return {
        "doc_id": doc,
        "char_start": 0,
        "char_end": len(surface),
        "evidence": surface + "。",
        "surface": surface,
        "name": name,
        "party_type": party_type,
        "title": "董事长" if affiliation else None,
        "affiliation": affiliation,
    }


def _one_document(doc: str, source_file: str, **facts: list[dict]) -> dict[str, pl.DataFrame]:
    text = "".join(row["evidence"] for rows in facts.values() for row in rows)
    document = {"doc_id": doc, "source_file": source_file, "article_index": 0, "text": text, "is_relevant": True}
    return raw_frames([document | {"signature": [int(doc[1:])] * 64}], **facts)


@pytest.mark.parametrize("lookup", ["affiliation", "alias"])
def test_a_document_whose_lookup_another_document_changes_is_built_again(con, monkeypatch, lookup):
    """d1 stays as loaded while b.txt comes and goes: a person's organization is a party only while
    another document names it; a party's canonical name (its id, in d1's metric and mentions) comes
    from the alias another document gives it."""
    monkeypatch.setattr(increments, "INCREMENTAL_SHARE", 1.0)  # one document of two changes
    if lookup == "affiliation":
        first = _one_document("d1", "a.txt", party_mentions=[_party("d1", "张三", "张三", "person", "某某集团")])
        other = _one_document("d2", "b.txt", party_mentions=[_party("d2", "某某集团", "某某集团")])
        probe = "select affiliation_party_id is not null from marts.parties where name = '张三'"
    else:
        metric = {
            "doc_id": "d1",
            "char_start": 0,
            "char_end": 4,
            "evidence": "投资5亿元。",
            "raw_text": "5亿元",
            "value": 5e8,
            "unit": "CNY",
            "subject_party": "某某集团",
        }
        first = _one_document("d1", "a.txt", party_mentions=[_party("d1", "某某集团", "某某集团")], metrics=[metric])
        other = _one_document("d2", "b.txt", party_mentions=[_party("d2", "某某集团", "中国某某集团有限公司")])
        probe = """select p.name = '中国某某集团有限公司' from marts.metrics as m
            join marts.parties as p on p.party_id = m.subject_party_id"""
    warehouse.replace_documents(con, ["a.txt"], first)
    warehouse.build(con, code_digest=DIGEST)
    for added, expected in ((other, True), ({}, False)):
        warehouse.replace_documents(con, ["b.txt"], added)
        assert warehouse.build(con, code_digest=DIGEST).pending == 1
        assert con.execute(probe).fetchall() == [(expected,)]
        assert _tables(con) == _full_tables(con)


def _tables_now(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        f"{schema}.{table}"
        for schema, table in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    }


def test_after_peak_runs_once_the_peak_models_are_built_before_the_models_after_them(con, extracted):
    """warehouse.build's `after_peak` (the pipeline starts the validating process there): once per build,
    full or incremental; in a first build, when every one of PEAK_MODELS' tables exists and no model after
    the last of them does yet. BUILT_FIRST puts them first among the marts."""
    ordered = [f"{layer}.{table}" for layer, table, _ in warehouse.models()]
    last = max(ordered.index(model) for model in warehouse.PEAK_MODELS)
    after = set(ordered[last + 1 :])
    assert ordered[ordered.index("marts.mentions") : last + 1] == list(warehouse.PEAK_MODELS)
    assert {"marts.documents", "marts.events", "marts.parties"} <= after  # the light marts come after them
    files = sorted(extracted.documents["source_file"].unique())
    _load(con, extracted, files[1:])
    seen: list[set[str]] = []
    built = warehouse.build(con, code_digest=DIGEST, after_peak=lambda: seen.append(_tables_now(con)))
    assert built.pending is None and len(seen) == 1
    assert set(warehouse.PEAK_MODELS) <= seen[0] and not after & seen[0]  # a first build: none of them existed
    _load(con, extracted, files[:1])
    calls: list[str] = []
    built = warehouse.build(con, code_digest=DIGEST, after_peak=lambda: calls.append("after_peak"))
    assert built.pending is not None and calls == ["after_peak"]  # an incremental build calls it too, once


def test_only_the_scope_of_a_per_document_model_is_written_again(built, extracted):
    con = built
    first = sorted(extracted.documents["source_file"].unique())[0]
    con.execute("create table kept as select rowid as kept_row, doc_id from marts.documents")
    warehouse.replace_documents(con, [first], _frames(extracted, first))
    warehouse.build(con, code_digest=DIGEST)
    untouched = con.execute(
        "select count(*) from kept where doc_id not in (select doc_id from scope_documents)"
    ).fetchall()[0][0]
    still_there = con.execute(
        "select count(*) from kept join marts.documents as d on d.rowid = kept.kept_row and d.doc_id = kept.doc_id "
        "where kept.doc_id not in (select doc_id from scope_documents)"
    ).fetchall()[0][0]
    assert untouched > 0 and still_there == untouched


@pytest.mark.parametrize("case", ["other code", "build cut short", "most documents changed", "table missing"])
def test_a_build_is_full_when_the_last_complete_build_cannot_be_trusted(built, extracted, case):
    con = built
    files = sorted(extracted.documents["source_file"].unique())
    digest = DIGEST
    if case == "other code":
        digest = "code-v2"
    elif case == "build cut short":
        increments.begin(con, incremental=False)  # what a build killed after its first statement leaves
    elif case == "table missing":
        con.execute("drop table marts.events")
    changed = files if case == "most documents changed" else files[:1]
    for source_file in changed:
        warehouse.replace_documents(con, [source_file], _frames(extracted, source_file))
    assert warehouse.build(con, code_digest=digest).pending is None
    assert _tables(con) == _full_tables(con, digest)
    assert warehouse.build(con, code_digest=digest).pending == 0  # claimed again by the full build


def test_built_names_the_code_of_the_last_complete_build(built):
    """What a run asks before its batches (the validating process may then start early)."""
    assert increments.built(built, DIGEST)
    assert not increments.built(built, "code-v2")
    assert not increments.built(built, None)
    increments.begin(built, incremental=True)  # a build under way, or cut short, withdraws the claim
    assert not increments.built(built, DIGEST)


def test_an_incremental_build_that_fails_builds_in_full_instead(built, extracted):
    con = built
    first = sorted(extracted.documents["source_file"].unique())[0]
    con.execute("alter table marts.mentions drop column evidence")  # the insert of its scope fails
    warehouse.replace_documents(con, [first], _frames(extracted, first))
    build = warehouse.build(con, code_digest=DIGEST)
    assert build.pending is None
    assert build.fell_back is not None and build.fell_back.startswith("model sql/marts/mentions.sql failed: ")
    assert "evidence" in [r[0] for r in con.execute("describe marts.mentions").fetchall()]
    assert _tables(con) == _full_tables(con)
    assert con.execute("select count(*) from duckdb_tables() where suffix(table_name, '__previous')").fetchall() == [
        (0,)
    ]


def _published_as(con: duckdb.DuckDBPyConnection, version: str) -> None:
    """What runs.record_run does when a run published `version`."""
    con.execute(
        "insert into raw.runs (run_id, started_at, outcome, published_version) values (?, now(), 'published', ?)",
        [version, version],
    )
    increments.published(con)


def test_publishing_knows_which_documents_changed_since_the_published_version(built, extracted):
    """raw.unpublished_documents: every document an incremental build recomputed since the last publish,
    per mart; not known (None) after a full build, or against a version the last publish did not make."""
    con = built
    assert increments.unpublished(con, "mentions", "v1") is None  # nothing published yet
    _published_as(con, "v1")
    assert increments.unpublished(con, "mentions", "v1") == []
    files = sorted(extracted.documents["source_file"].unique())
    for source_file in files[:2]:
        warehouse.replace_documents(con, [source_file], _frames(extracted, source_file))
        assert warehouse.build(con, code_digest=DIGEST).pending is not None
    scope = sorted(d for (d,) in con.execute("select distinct doc_id from scope_mentions").fetchall())
    reloaded = set(extracted.documents.filter(pl.col("source_file").is_in(files[:2]))["doc_id"])
    changed = increments.unpublished(con, "mentions", "v1")
    assert changed is not None and reloaded <= set(changed) and set(scope) <= set(changed)  # both builds' scopes
    assert increments.unpublished(con, "mentions", "v0") is None  # not the version the last publish made
    _published_as(con, "v2")
    assert increments.unpublished(con, "mentions", "v2") == []
    warehouse.build_models(con)  # a full build: any row may differ
    assert increments.unpublished(con, "mentions", "v2") is None
