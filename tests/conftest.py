"""Shared fixtures. Prefect and GX run for real; their homes live in a per-session temp dir."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from flows import settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds" / "raw"

settings.library_environment(tempfile.mkdtemp(prefix="greenwire-test-prefect-"), console_level="WARNING")


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session (~8 s once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def seeds() -> Path:
    return SEEDS


@pytest.fixture
def tiny_marts():
    """An in-memory DuckDB with a `marts` schema holding every published table (a few columns each)."""
    import duckdb

    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.documents as select 'd' || i as doc_id, 'f.txt' as source_file, "
        "i as article_index, '绿色' as word from range(3) t(i)"
    )
    con.execute("create table marts.regions as select 'CN-120000' as region_id, '天津市' as name")
    con.execute("create table marts.parties as select 'p1' as party_id, '某某集团' as name")
    con.execute("create table marts.events as select 'e' || i as event_id, i as n from range(1, 3) t(i)")
    con.execute("create table marts.event_parties as select 'e1' as event_id, 'p1' as party_id, 'host' as role")
    con.execute("create table marts.metrics as select 'm1' as metric_id, 300.0 as value")
    con.execute(
        "create table marts.mentions as select 'd0' as doc_id, 0 as char_start, 'region' as entity_kind, "
        "'CN-120000' as entity_id, 3 as char_end, '天津市' as surface, '天津市发布方案。' as evidence"
    )
    yield con
    con.close()


@pytest.fixture
def con():
    """An in-memory warehouse: every schema and raw table, and the gazetteer in `ref`."""
    import duckdb

    from flows import warehouse

    con = duckdb.connect()
    warehouse.ensure_schemas(con)
    warehouse.load_reference(con)
    yield con
    con.close()
