"""Great Expectations suites on small real marts: they pass on good data and name what breaks."""

import json
import subprocess
import sys
from datetime import date

import duckdb
import polars as pl
import pytest
from facts import raw_frames

from flows import warehouse
from flows.warehouse import increments, merged, validation

TEXT = "浦东新区举办绿色低碳论坛，300多位代表参加。"


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    warehouse.ensure_schemas(con)
    warehouse.load_reference(con)
    frames = raw_frames(
        [
            {
                "doc_id": "d1",
                "source_file": "a.txt",
                "article_index": 0,
                "text": TEXT,
                "is_relevant": True,
                "published_on": date(2025, 9, 19),
                "original_script": "simplified",
                "signature": list(range(64)),
            }
        ],
        region_mentions=[
            {
                "doc_id": "d1",
                "char_start": 0,
                "char_end": 4,
                "evidence": TEXT,
                "surface": "浦东新区",
                "region_key": "CN-310115",
                "name": "浦东新区",
                "level": "county",
                "admin_code": "310115",
            }
        ],
        party_mentions=[
            {
                "doc_id": "d1",
                "char_start": 0,
                "char_end": 4,
                "evidence": TEXT,
                "surface": "浦东新区",
                "name": "浦东新区",
                "party_type": "government",
            }
        ],
        metrics=[
            {
                "doc_id": "d1",
                "char_start": TEXT.index("300"),
                "char_end": TEXT.index("300") + 5,
                "evidence": TEXT,
                "raw_text": "300多位",
                "value": 300.0,
                "unit": "count",
                "classifier": "位",
                "qualifier": "more_than",
            }
        ],
    )
    warehouse.replace_documents(con, ["a.txt"], frames)
    warehouse.build_models(con)
    yield con
    con.close()


def test_every_suite_passes_on_good_marts(con, tmp_path):
    report = validation.validate(con, tmp_path / "docs", today=date(2026, 1, 1))
    assert [str(f) for f in report.failures] == []
    assert report.success and report.evaluated > 50
    assert (tmp_path / "docs" / "index.html").exists()


def test_great_expectations_labels_batches_without_hashing_every_value(con, tmp_path):
    validation.validate(con, tmp_path / "docs", today=date(2026, 1, 1))
    pages = [page.read_text(encoding="utf-8") for page in (tmp_path / "docs" / "validations").rglob("*.html")]
    assert len(pages) == len(validation.MART_TABLES)
    assert all("ge_load_time" in page for page in pages)  # the batch markers Data Docs show
    assert not any("pandas_data_fingerprint" in page for page in pages)


@pytest.mark.parametrize(
    ("sabotage", "table", "expectation", "column"),
    [
        (
            "insert into marts.documents select * from marts.documents",
            "documents",
            "expect_column_values_to_be_unique",
            "doc_id",
        ),
        ("update marts.metrics set unit = 'furlongs'", "metrics", "expect_column_values_to_match_regex", "unit"),
        (
            "update marts.metrics set value = 250000 where unit = 'count'; update marts.metrics set unit = 'percent'",
            "metrics",
            "expect_column_values_to_be_in_set",
            "_percent_ok",
        ),
        (
            "update marts.metrics set unit = 'count', value = -1",
            "metrics",
            "expect_column_values_to_be_in_set",
            "_count_ok",
        ),
        (
            "update marts.mentions set char_end = char_start + 2 where entity_kind = 'region'",
            "mentions",
            "expect_column_values_to_be_in_set",
            "_span_ok",
        ),
        (
            "update marts.regions set parent_region_id = 'CN-999999' where region_id = 'CN-310115'",
            "regions",
            "expect_column_values_to_be_in_set",
            "_parent_ok",
        ),
        (
            "update marts.documents set published_on = date '2031-01-01'",
            "documents",
            "expect_column_values_to_be_between",
            "published_on",
        ),
        (
            "update marts.documents set duplicate_of = doc_id",
            "documents",
            "expect_column_values_to_be_in_set",
            "_duplicate_of_ok",
        ),
        (
            "update marts.documents set duplicate_of = 'no-such-doc'",
            "documents",
            "expect_column_values_to_be_in_set",
            "_duplicate_of_ok",
        ),
        (  # int32 columns: checked as int64 (see test_integer_columns_reach_gx_as_int64)
            "update marts.mentions set char_start = -1 where entity_kind = 'party'",
            "mentions",
            "expect_column_values_to_be_between",
            "char_start",
        ),
        (
            "update marts.documents set decode_errors = 65",
            "documents",
            "expect_column_values_to_be_between",
            "decode_errors",
        ),
        (  # Great Expectations reads its first 16 characters only (CHECKED_AS): a null is still null
            "update marts.mentions set evidence = null where entity_kind = 'party'",
            "mentions",
            "expect_column_values_to_not_be_null",
            "evidence",
        ),
    ],
    ids=[
        "duplicate-key",
        "unknown-unit",
        "insane-percent",
        "negative-count",
        "span-mismatch",
        "dangling-parent",
        "future-date",
        "duplicate-of-itself",
        "duplicate-of-nothing",
        "negative-offset",
        "too-many-decode-errors",
        "no-evidence",
    ],
)
def test_broken_mart_fails_the_named_expectation(con, tmp_path, sabotage, table, expectation, column):
    con.execute("begin transaction")
    try:
        con.execute(sabotage)
        report = validation.validate(con, tmp_path / "docs", today=date(2026, 1, 1))
    finally:
        con.execute("rollback")
    assert not report.success
    assert (table, expectation, column) in {(f.table, f.expectation, f.column) for f in report.failures}


def test_a_units_bounds_hold_for_that_unit_only(con, tmp_path):
    """-5 and 250,000 are out of bounds for a count and a percentage, and fine in kilometres or unknown."""
    con.execute("begin transaction")
    try:
        con.execute("update marts.metrics set unit = 'km', value = -5")
        con.execute(
            "insert into marts.metrics select * replace ('m_other' as metric_id, null as unit, 250000.0 as value) "
            "from marts.metrics"
        )
        checks = con.sql(f"select _percent_ok, _count_ok from ({validation.CHECK_QUERIES['metrics']})").fetchall()
        report = validation.validate(con, tmp_path / "docs", today=date(2026, 1, 1))
    finally:
        con.execute("rollback")
    assert checks == [(True, True), (True, True)]
    assert not {f.column for f in report.failures} & {"_percent_ok", "_count_ok"}


def test_integer_columns_reach_gx_as_int64_which_it_compares_vectorized(con):
    frame = con.sql(f"select * from ({validation.CHECK_QUERIES['mentions']})").to_arrow_table().to_pandas()
    assert str(frame["char_start"].dtype) == "int32"
    before = {column: (str(frame[column].dtype), frame[column].tolist()) for column in frame.columns}
    converted = validation._for_gx(frame)
    after = {column: (str(converted[column].dtype), converted[column].tolist()) for column in converted.columns}
    assert after.pop("char_start") == ("int64", before.pop("char_start")[1])
    assert after.pop("char_end") == ("int64", before.pop("char_end")[1])
    assert after == before  # strings and booleans as they were


def test_a_missing_suite_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no expectation suite for mart documents"):
        validation.load_suites(tmp_path)


def test_built_marts_have_exactly_the_dictionary_columns_and_types(con):
    from flows.warehouse.dictionary import check_marts

    check_marts(con)


def test_only_suites_of_row_local_checks_are_validated_in_slices():
    suites = validation.load_suites()
    assert validation.row_local(suites["mentions"])
    assert not validation.row_local(suites["documents"])  # doc_id must be unique over the whole table
    ceiling = {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1, "max_value": 10}}
    assert not validation.row_local({"expectations": [ceiling]})
    partly = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x", "mostly": 0.9}}
    assert not validation.row_local({"expectations": [partly]})


def test_a_mart_validated_in_slices_gets_the_verdict_of_the_whole(con, tmp_path):
    """Mentions over two slices of 2,048 rows: every slice passes, then a broken span in each slice is
    counted over all of them, as one failure of the expectation."""
    con.execute("begin transaction")
    try:
        con.execute("insert into marts.mentions select m.* from marts.mentions as m, range(1500)")
        rows, regions = con.execute(
            "select count(*), count(*) filter (where entity_kind = 'region') from marts.mentions"
        ).fetchall()[0]
        assert rows > 2 * 2048
        slices = [len(f) for f in validation._frames(con, "mentions", validation.load_suites()["mentions"], 2048)]
        # DuckDB's batches are joined into frames of at most the chunk (a partly filled batch can end one early)
        assert len(slices) >= 2 and max(slices) <= 2048 and sum(slices) == rows
        sliced = validation.validate(con, tmp_path / "sliced", today=date(2026, 1, 1), chunk_rows=2048)
        con.execute("update marts.mentions set char_end = char_start + 2 where entity_kind = 'region'")
        broken = validation.validate(con, tmp_path / "broken", today=date(2026, 1, 1), chunk_rows=2048)
        whole = validation.validate(con, tmp_path / "whole", today=date(2026, 1, 1))
    finally:
        con.execute("rollback")
    assert sliced.success and sliced.per_table["mentions"][0] == sliced.per_table["mentions"][1]
    assert not broken.success and [str(f) for f in broken.failures] == [str(f) for f in whole.failures]
    [failure] = [f for f in broken.failures if f.column == "_span_ok"]
    assert failure.detail.startswith(f"{regions} unexpected rows")
    assert broken.per_table == whole.per_table


def test_a_validated_frame_is_let_go_after_release():
    """Great Expectations' pandas engine keeps the last frame of each asset it validated: release() frees
    it (validate() calls it after each mart, so at most one mart's frame is alive at a time)."""
    import gc
    import weakref

    import great_expectations as gx
    import pandas as pd

    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("marts")
    batch = source.add_dataframe_asset("t").add_batch_definition_whole_dataframe("current")
    suite = context.suites.add(
        gx.ExpectationSuite(name="t", expectations=[gx.expectations.ExpectColumnValuesToNotBeNull(column="x")])
    )
    definition = context.validation_definitions.add(gx.ValidationDefinition(name="t", data=batch, suite=suite))
    frame = pd.DataFrame({"x": range(1000)})
    held = weakref.ref(frame)
    assert definition.run(batch_parameters={"dataframe": frame}).success
    del frame
    gc.collect()
    assert held() is not None  # still in the engine's cache
    validation.release(source)
    gc.collect()
    assert held() is None


def test_the_validating_process_loads_scipy_stats_only_when_it_is_used():
    """validation._start imports Great Expectations with scipy.stats deferred (DEFERRED_MODULES): GX's
    import does not run it, and the first use of one of its functions does."""
    probe = """
import sys
from flows.warehouse import validation
validation._start()
print("great_expectations" in sys.modules, "scipy.stats._stats_py" in sys.modules)
from scipy import stats
print(round(float(stats.entropy([0.5, 0.5], base=2)), 6), "scipy.stats._stats_py" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=True)
    assert done.stdout.split() == ["True", "False", "1.0", "True"]


def test_the_validating_process_starts_early_only_for_a_small_corpus():
    """Quarantined and skipped entries do not count; the bytes of the files the warehouse holds do."""
    limit = validation.PRELOAD_BELOW_INPUT_BYTES

    def inventory(*rows):
        frame = pl.DataFrame(rows, schema={"status": pl.String, "size_bytes": pl.Int64}, orient="row")
        return frame.with_columns(action=pl.lit("extract"))

    assert validation.preload_while_batches_run(inventory(("processed", limit // 2), ("quarantined", limit)))
    assert not validation.preload_while_batches_run(inventory(("processed", limit // 2), ("processed", limit // 2)))
    assert validation.preload_while_batches_run(inventory(("processed", None), ("skipped", limit)))


def test_the_validating_process_starts_early_for_a_small_increment_to_a_built_warehouse():
    """A large corpus of which only a few bytes are to be read: early when the last build ran this code."""
    small = validation.PRELOAD_BELOW_EXTRACT_BYTES
    reused = validation.PRELOAD_BELOW_INPUT_BYTES

    def inventory(*rows):
        schema = {"status": pl.String, "size_bytes": pl.Int64, "action": pl.String}
        return pl.DataFrame(rows, schema=schema, orient="row")

    increment = inventory(("processed", reused, "reuse"), ("processed", small, "extract"), ("skipped", small, None))
    assert validation.preload_while_batches_run(increment, built=True)
    assert not validation.preload_while_batches_run(increment, built=False)  # the build may well be full
    larger = inventory(("processed", reused, "reuse"), ("processed", small + 1, "extract"))
    assert not validation.preload_while_batches_run(larger, built=True)
    quarantined = inventory(("processed", reused, "reuse"), ("quarantined", small + 1, "extract"))
    assert validation.preload_while_batches_run(quarantined, built=True)


def _baseline(con, folder, today=date(2026, 1, 1)):
    """The marts as a validated version's Parquet, with the record validate() would leave."""
    folder.mkdir()
    for table in warehouse.MART_TABLES:
        con.execute(f"copy marts.{table} to '{(folder / f'{table}.parquet').as_posix()}' (format parquet)")
    suites = validation.load_suites()
    return validation.Baseline(folder, validation.suites_digest(suites), validation.parameters(con, today))


def test_rows_unchanged_since_a_validated_version_are_not_read_again(con, tmp_path):
    """Unchanged mentions pass unread (but one, for the row-count floor); a new row is read and its
    fault found; an unchanged row whose check fails now (its region gone) is read and fails."""
    since = _baseline(con, tmp_path / "v1")
    rows = con.execute("select count(*) from marts.mentions").fetchall()[0][0]
    same = validation.validate(con, tmp_path / "same", today=date(2026, 1, 1), since=since)
    assert same.success and same.rows_checked["mentions"] == (1, rows) and same.since == "v1"
    assert same.rows_checked["documents"] == (1, 1) and same.rows_checked["metrics"] == (1, 1)
    con.execute("begin transaction")
    try:
        con.execute("insert into marts.mentions select * replace (null as mention_id) from marts.mentions limit 1")
        added = validation.validate(con, tmp_path / "added", today=date(2026, 1, 1), since=since)
        con.execute("delete from marts.mentions where mention_id is null")
        con.execute("delete from marts.regions")
        orphaned = validation.validate(con, tmp_path / "orphaned", today=date(2026, 1, 1), since=since)
    finally:
        con.execute("rollback")
    assert added.rows_checked["mentions"] == (1, rows + 1)
    assert [(f.table, f.expectation, f.column) for f in added.failures] == [
        ("mentions", "expect_column_values_to_not_be_null", "mention_id")
    ]
    regional = con.execute("select count(*) from marts.mentions where entity_kind = 'region'").fetchall()[0][0]
    assert regional >= 1 and orphaned.rows_checked["mentions"] == (regional, rows)
    [entity] = [f for f in orphaned.failures if f.table == "mentions"]
    assert (entity.column, entity.detail.split(" unexpected")[0]) == ("_entity_ok", str(regional))


def test_an_unchanged_mention_is_read_again_when_its_document_text_changed(con, tmp_path):
    """Every mention row equals a validated one, but its document's text is new: the span check is
    computed again on that document's mentions, and fails where the text no longer holds the surface."""
    since = _baseline(con, tmp_path / "v1")
    rows = con.execute("select count(*) from marts.mentions").fetchall()[0][0]
    con.execute("begin transaction")
    try:
        con.execute("update marts.documents set text = '旧' || text where doc_id = 'd1'")
        shifted = validation.validate(con, tmp_path / "shifted", today=date(2026, 1, 1), since=since)
    finally:
        con.execute("rollback")
    assert rows >= 2 and shifted.rows_checked["mentions"] == (rows, rows) and shifted.since == "v1"
    spans = [f for f in shifted.failures if f.table == "mentions"]
    assert [(f.column, f.detail.split(" unexpected")[0]) for f in spans] == [("_span_ok", str(rows))]


def test_great_expectations_reads_a_mentions_evidence_cut_but_its_span_check_reads_it_whole(con):
    checked = con.sql(f"select * from ({validation.CHECK_QUERIES['mentions']})")
    evidence = con.sql("select evidence from marts.mentions").fetchall()
    assert max(len(e) for (e,) in evidence) > 16
    assert {e for (e,) in checked.select("evidence").fetchall()} == {e[:16] for (e,) in evidence}
    assert checked.filter("not _span_ok").fetchall() == []  # `contains(evidence, surface)`, evidence whole


def test_a_mention_whose_evidence_changed_after_its_first_characters_is_read_again(con, tmp_path):
    """Great Expectations gets 16 characters of evidence, but a mention is matched to the validated ones by
    its whole row: new evidence that no longer holds the mention's surface is read, and its span fails."""
    since = _baseline(con, tmp_path / "v1")
    rows = con.execute("select count(*) from marts.mentions").fetchall()[0][0]
    changed = "length(evidence) > 16 and not contains(left(evidence, 16) || '……', surface)"
    n = con.execute(f"select count(*) from marts.mentions where {changed}").fetchall()[0][0]
    con.execute("begin transaction")
    try:
        con.execute(f"update marts.mentions set evidence = left(evidence, 16) || '……' where {changed}")
        report = validation.validate(con, tmp_path / "changed", today=date(2026, 1, 1), since=since)
    finally:
        con.execute("rollback")
    assert n >= 1 and report.rows_checked["mentions"] == (n, rows)
    spans = [f for f in report.failures if f.table == "mentions"]
    assert [(f.column, f.detail.split(" unexpected")[0]) for f in spans] == [("_span_ok", str(n))]


def test_when_publishing_merges_the_mentions_only_the_listed_documents_mentions_are_read(con, tmp_path, monkeypatch):
    """The published mentions will be the baseline's rows but those of the documents changed since
    (flows/warehouse/merged.py): those are read, and rows whose entity check fails now; nothing else."""
    monkeypatch.setattr(merged, "MERGE_SHARE", 1.0)
    since = _baseline(con, tmp_path / "v1")
    increments.published(con)  # v1 is published: the full build's "any row may differ" is cleared
    con.execute(
        "insert into raw.runs (run_id, started_at, outcome, published_version) values ('r', now(), 'published', 'v1')"
    )
    con.execute("insert into raw.unpublished_documents values ('mentions', 'd1')")
    counts = "select count(*), count(*) filter (where doc_id = 'd1') from marts.mentions"
    rows, listed = con.execute(counts).fetchall()[0]
    assert listed > 1  # unchanged rows: hashed, one would be read
    narrowed = validation.validate(con, tmp_path / "narrowed", today=date(2026, 1, 1), since=since)
    assert narrowed.success and narrowed.rows_checked["mentions"] == (listed, rows)
    con.execute("update raw.runs set published_version = 'v0'")  # the list is not relative to v1: every row hashed
    hashed = validation.validate(con, tmp_path / "hashed", today=date(2026, 1, 1), since=since)
    assert hashed.rows_checked["mentions"] == (1, rows)


def test_small_batches_are_joined_into_frames_of_at_most_the_chunk():
    import pyarrow as pa

    batches = [pa.record_batch({"n": list(range(size))}) for size in (3, 0, 2, 5, 1, 7)]
    reader = pa.RecordBatchReader.from_batches(batches[0].schema, batches)
    assert [t.num_rows for t in validation._joined(reader, 5)] == [5, 5, 1, 7]


def test_a_baseline_counts_only_for_the_same_suites_and_bounds_no_lower(con, tmp_path):
    since = _baseline(con, tmp_path / "v1", today=date(2026, 1, 1))
    params = validation.parameters(con, date(2026, 1, 1))
    later = validation.parameters(con, date(2026, 2, 1))
    assert validation.reusable(since, since.suites, params)
    assert validation.reusable(since, since.suites, later)  # the date bounds grew
    assert not validation.reusable(since, since.suites, validation.parameters(con, date(2025, 12, 1)))
    assert not validation.reusable(since, "another suite", params)
    assert not validation.reusable(None, since.suites, params)
    assert validation.reusable(since, since.suites, params | {"min_rows_events": 1 - params["min_rows_events"]})
    assert not validation.reusable(since, since.suites, params | {"new_parameter": 1})
    report = validation.validate(con, tmp_path / "older", today=date(2025, 12, 1), since=since)
    rows = con.execute("select count(*) from marts.mentions").fetchall()[0][0]
    assert report.rows_checked["mentions"] == (rows, rows) and report.since is None


def test_the_parquet_is_written_beside_validation_only_when_it_reads_changed_rows(con, tmp_path):
    """incremental_apart: the warehouse file against a baseline reusable() accepts, and nothing else."""
    since = _baseline(con, tmp_path / "v1", today=date(2026, 1, 1))
    database = tmp_path / "greenwire.duckdb"
    con.execute(f"attach '{database.as_posix()}' as copied")
    try:
        con.execute("copy from database memory to copied")
    finally:
        con.execute("detach copied")
    assert validation.incremental_apart(database, since, today=date(2026, 1, 1))
    assert not validation.incremental_apart(database, None, today=date(2026, 1, 1))
    assert not validation.incremental_apart(database, since, today=date(2025, 12, 1))  # bounds lower
    other = validation.Baseline(since.folder, "another suite", since.parameters)
    assert not validation.incremental_apart(database, other, today=date(2026, 1, 1))


def test_the_validation_record_names_its_baseline(con, tmp_path):
    """What a run's manifest keeps (quality.validation) is what the next run's baseline() reads."""
    since = _baseline(con, tmp_path / "v1")
    report = validation.validate(con, tmp_path / "docs", today=date(2026, 1, 1), since=since)
    (since.folder / "manifest.json").write_text(json.dumps({"quality": {"validation": report.record()}}))
    read = validation.baseline(since.folder)
    assert read == validation.Baseline(since.folder, report.suites, report.parameters)
    assert validation.baseline(tmp_path / "nowhere") is None and validation.baseline(None) is None


def test_a_repeated_key_is_found_though_its_rows_are_unchanged(con, tmp_path):
    """Two copies of a validated metric: both rows equal one that passed, yet uniqueness fails as it
    does on the whole mart, counting both."""
    since = _baseline(con, tmp_path / "v1")
    con.execute("begin transaction")
    try:
        con.execute("insert into marts.metrics select * from marts.metrics")
        rows = con.execute("select count(*) from marts.metrics").fetchall()[0][0]
        delta = validation.validate(con, tmp_path / "delta", today=date(2026, 1, 1), since=since)
        whole = validation.validate(con, tmp_path / "whole", today=date(2026, 1, 1))
    finally:
        con.execute("rollback")
    assert delta.rows_checked["metrics"] == (rows, rows) == (2, 2) and delta.since == "v1"
    assert [str(f) for f in delta.failures] == [str(f) for f in whole.failures]
    assert [(f.table, f.expectation) for f in delta.failures] == [("metrics", "expect_column_values_to_be_unique")]


def test_the_keys_a_suite_expects_unique():
    suites = validation.load_suites()
    assert validation.unique_keys(suites["documents"]) == [["doc_id"], ["source_file", "article_index"]]
    assert validation.unique_keys(suites["mentions"]) == []
    ceiling = {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1, "max_value": 10}}
    assert validation.unique_keys({"expectations": [ceiling]}) is None
    mostly = {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "x", "mostly": 0.9}}
    assert validation.unique_keys({"expectations": [mostly]}) is None


def test_spans_of_a_long_article_are_read_from_its_pieces_with_the_verdict_of_its_whole_text():
    """_span_ok of an article longer than SPAN_PIECE: spans inside a piece, across a piece's end, at the
    end of the text, past it, longer than SPAN_REACH, and words that are not at their span."""
    piece, reach = validation.SPAN_PIECE, validation.SPAN_REACH
    text = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(3 * piece + 100))  # no repeated runs
    spans = [(0, 4), (piece - 2, piece + 3), (2 * piece + 5, 2 * piece + 9), (len(text) - 3, len(text))]
    spans += [(piece - 10, piece - 10 + reach + 50), (len(text) - 2, len(text) + 2), (100, 104)]
    rows = [(a, b, text[a:b], text[max(a - 5, 0) : b + 5]) for a, b in spans]
    rows[-2] = (len(text) - 2, len(text) + 2, text[-2:] + "丁丁", text[-9:] + "丁丁")  # running past the text
    rows[-1] = (100, 104, text[101:105], text[95:110])  # the words one character off their span
    db = duckdb.connect()
    db.execute("create schema marts")
    for table in ("regions", "parties", "events", "metrics"):
        db.execute(f"create table marts.{table} ({table[:-1] if table != 'parties' else 'party'}_id varchar)")
    db.execute("create table marts.documents as select 'd1' as doc_id, ? as text", [text])
    db.execute(
        "create table marts.mentions (doc_id varchar, entity_kind varchar, entity_id varchar,"
        " char_start integer, char_end integer, surface varchar, evidence varchar)"
    )
    db.executemany("insert into marts.mentions values ('d1', 'region', 'r', ?, ?, ?, ?)", rows)
    checked = db.execute(f"select char_start, char_end, _span_ok from ({validation.CHECK_QUERIES['mentions']})")
    expected = [(a, b, text[a:b] == words and words in evidence) for a, b, words, evidence in rows]
    assert sorted(checked.fetchall()) == sorted(expected)
    assert [ok for *_, ok in sorted(expected)] == [True, False, True, True, True, True, False]
