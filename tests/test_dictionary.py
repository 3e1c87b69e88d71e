"""The data dictionary is the one source of the published schema: docs, suites and type checks follow it."""

import json

import duckdb
import pytest

from flows.settings import EXPECTATIONS_DIR
from flows.warehouse import dictionary
from flows.warehouse.contract import CONTRACT

# Contract v1, written out once here so that a dictionary edit cannot silently drop or retype a column.
CONTRACT_V1 = {
    "documents": "doc_id source_file article_index title published_on text is_relevant duplicate_of",
    "regions": "region_id name level parent_region_id country_code admin_code",
    "parties": "party_id name party_type aliases title affiliation_party_id country_code region_id",
    "events": "event_id event_type name event_date date_precision region_id num_documents",
    "event_parties": "event_id party_id role",
    "metrics": "metric_id doc_id value unit classifier qualifier indicator subject_party_id subject_region_id "
    "event_id period raw_text",
    "mentions": "doc_id entity_kind entity_id char_start char_end evidence",
}


def test_the_contract_v1_columns_are_all_marked_and_keep_their_types():
    assert {t: sorted(cols) for t, cols in CONTRACT.items()} == {t: sorted(c.split()) for t, c in CONTRACT_V1.items()}
    assert CONTRACT["documents"]["article_index"] == "INTEGER"
    assert CONTRACT["parties"]["aliases"] == "VARCHAR[]"
    assert CONTRACT["events"]["num_documents"] == "BIGINT"


def test_every_table_has_a_key_and_every_column_a_type_and_a_meaning():
    for table in dictionary.TABLES:
        assert table.key and all(k in {c.name for c in table.columns} for k in table.key), table.name
        for column in table.columns:
            assert column.description and column.type, f"{table.name}.{column.name}"
        assert len({c.name for c in table.columns}) == len(table.columns), table.name


def test_the_markdown_in_the_repo_is_generated_from_the_dictionary():
    assert dictionary.MARKDOWN.read_text(encoding="utf-8") == dictionary.render_markdown(), (
        "docs/data-dictionary.md is stale: run `python -m flows.warehouse.dictionary`"
    )


def test_the_markdown_lists_every_column_and_unit_code():
    text = dictionary.render_markdown()
    for table in dictionary.TABLES:
        assert f"## {table.name}" in text
        for column in table.columns:
            assert f"| {column.name} " in text
    assert "| `tce` | energy, 吨标准煤" in text


def test_every_suite_carries_the_generated_column_checks():
    for table in dictionary.TABLES:
        suite = json.loads((EXPECTATIONS_DIR / f"{table.name}.json").read_text(encoding="utf-8"))
        assert dictionary.with_generated(suite, table) == suite, (
            f"expectations/{table.name}.json is stale: run `python -m flows.warehouse.dictionary`"
        )
        exists = [e["kwargs"]["column"] for e in suite["expectations"] if e["type"] == "expect_column_to_exist"]
        assert exists == [c.name for c in table.columns]


def test_hand_written_checks_survive_regeneration_and_duplicates_go():
    table = dictionary.TABLE["event_parties"]
    unique = {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["event_id", "party_id"]}}
    duplicate = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "role"}}
    suite = dictionary.with_generated({"name": "event_parties", "expectations": [duplicate, unique]}, table)
    assert suite["expectations"][-1] == unique
    assert [
        e
        for e in suite["expectations"]
        if e["kwargs"] == {"column": "role"} and e["type"] == "expect_column_values_to_not_be_null"
    ] == [{**duplicate, "meta": {"generated": "flows/warehouse/dictionary.py"}}]


def test_json_form_has_type_description_and_allowed_values():
    data = dictionary.as_json()
    assert data["regions"]["level"]["type"] == "VARCHAR"
    assert "province" in data["regions"]["level"]["allowed_values"]
    assert data["metrics"]["unit"]["unit_codes"]["tce"].startswith("energy")
    assert set(data) == set(CONTRACT)


def _marts_like_the_dictionary() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    for table in dictionary.TABLES:
        columns = ", ".join(f"{c.name} {c.type}" for c in table.columns)
        con.execute(f"create table marts.{table.name} ({columns})")
    return con


def test_type_check_passes_marts_that_match():
    dictionary.check_marts(_marts_like_the_dictionary())


def test_type_check_names_table_column_and_both_types_in_one_line():
    con = _marts_like_the_dictionary()
    con.execute("alter table marts.metrics alter column value type varchar")
    with pytest.raises(dictionary.SchemaMismatch) as failed:
        dictionary.check_marts(con)
    assert str(failed.value) == "marts.metrics.value is VARCHAR, the dictionary says DOUBLE"


def test_type_check_refuses_a_missing_or_undescribed_column():
    con = _marts_like_the_dictionary()
    con.execute("alter table marts.events add column mystery integer")
    with pytest.raises(dictionary.SchemaMismatch, match=r"marts.events.mystery \(INTEGER\) is not in the dictionary"):
        dictionary.check_marts(con)
    con.execute("alter table marts.events drop column mystery")
    con.execute("alter table marts.regions drop column admin_code")
    with pytest.raises(dictionary.SchemaMismatch, match=r"marts\.regions\.admin_code is missing"):
        dictionary.check_marts(con)
