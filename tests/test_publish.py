"""Atomic publish: versions, manifest, the `current` swap, pruning, the views database."""
import hashlib
import json
from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from flows import CONTRACT_VERSION
from flows.publish import current_version, publish
from flows.warehouse import MART_TABLES


@pytest.fixture
def marts(tiny_marts):
    return tiny_marts


T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_publish_writes_parquet_manifest_and_points_current(marts, tmp_path):
    version = publish(marts, tmp_path, "run-1", now=T0)
    assert current_version(tmp_path) == version
    manifest = json.loads((tmp_path / "current" / "manifest.json").read_text())
    assert (manifest["run_id"], manifest["contract_version"]) == ("run-1", CONTRACT_VERSION)
    assert sorted(manifest["tables"]) == sorted(MART_TABLES)
    for table, entry in manifest["tables"].items():
        data = (version / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["rows"] == marts.execute(f"select count(*) from marts.{table}").fetchall()[0][0]


def test_views_database_opens_the_dataset(marts, tmp_path):
    publish(marts, tmp_path, "run-1", now=T0)
    with duckdb.connect(str(tmp_path / "current" / "greenwire.duckdb"), read_only=True) as snap:
        assert snap.execute("select count(*) from documents").fetchall() == [(3,)]


def test_same_marts_give_the_same_bytes(marts, tmp_path):
    first = publish(marts, tmp_path, "run-1", now=T0)
    second = publish(marts, tmp_path, "run-2", now=T0 + timedelta(seconds=1))
    for table in MART_TABLES:
        assert (first / f"{table}.parquet").read_bytes() == (second / f"{table}.parquet").read_bytes()


def test_keeps_the_newest_versions_only(marts, tmp_path):
    versions = [publish(marts, tmp_path, f"run-{i}", keep=2, now=T0 + timedelta(seconds=i)) for i in range(4)]
    assert sorted(p.name for p in (tmp_path / "versions").iterdir()) == [v.name for v in versions[2:]]
    assert current_version(tmp_path) == versions[-1]


def test_a_leftover_partial_folder_is_cleaned_and_current_survives(marts, tmp_path):
    good = publish(marts, tmp_path, "run-1", now=T0)
    (tmp_path / "versions" / ".20260101T000009000000Z-dead.partial").mkdir()
    publish(marts, tmp_path, "run-2", now=T0 + timedelta(seconds=10))
    assert not list((tmp_path / "versions").glob(".*.partial"))
    assert good.exists()
