"""`greenwire export`: every published table as CSV (BOM, readable lists), an xlsx workbook or Parquet."""

import re
import zipfile
from datetime import UTC, datetime

import duckdb
import pytest

from flows.app.cli import main
from flows.app.export import ExportError, export
from flows.warehouse import MART_TABLES
from flows.warehouse.publish import publish


@pytest.fixture
def version(tiny_marts, tmp_path):
    tiny_marts.execute(
        "create or replace table marts.regions as select 'CN-120000' as region_id, '天津市' as name, "
        "['天津', '津门'] as aliases"
    )
    tiny_marts.execute("create or replace table marts.metrics as select 'm1' as metric_id, 17300000000000.0 as value")
    return publish(tiny_marts, tmp_path / "publish", "run-1", now=datetime(2026, 1, 1, tzinfo=UTC))


def test_csv_has_a_bom_and_lists_joined_readably(version, tmp_path):
    written = export(version, "csv", tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(f"{t}.csv" for t in MART_TABLES)
    data = (tmp_path / "out" / "regions.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfregion_id,name,aliases\n")
    assert data.decode("utf-8-sig").splitlines()[1] == "CN-120000,天津市,天津; 津门"
    assert "17300000000000.0" in (tmp_path / "out" / "metrics.csv").read_text(encoding="utf-8-sig")


def test_xlsx_has_one_sheet_per_table_with_a_frozen_header(version, tmp_path):
    path = export(version, "xlsx", tmp_path / "book.xlsx")[0]
    with zipfile.ZipFile(path) as book:
        names = re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode())
        assert names == list(MART_TABLES)
        for index in range(1, len(names) + 1):
            sheet = book.read(f"xl/worksheets/sheet{index}.xml").decode()
            assert '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' in sheet
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "天津; 津门" in strings


def test_parquet_copies_the_published_files_and_the_dictionary(version, tmp_path):
    export(version, "parquet", tmp_path / "pq")
    assert (tmp_path / "pq" / "dictionary.json").exists()
    for table in MART_TABLES:
        assert (tmp_path / "pq" / f"{table}.parquet").read_bytes() == (version / f"{table}.parquet").read_bytes()
    assert duckdb.sql(f"select aliases from read_parquet('{tmp_path / 'pq' / 'regions.parquet'}')").fetchall() == [
        (["天津", "津门"],)
    ]


def test_nothing_published_is_one_clear_error(tmp_path):
    with pytest.raises(ExportError, match="nothing published"):
        export(tmp_path / "missing", "csv", tmp_path / "out")


def test_the_cli_exports_the_current_publish(version, tmp_path, capsys):
    warehouse_dir = version.parent.parent.parent
    code = main(["export", "--format", "csv", "--output", str(tmp_path / "cli"), "--warehouse", str(warehouse_dir)])
    assert code == 0 and (tmp_path / "cli" / "events.csv").exists()
    assert "exported 7 files" in capsys.readouterr().out
    code = main(["export", "--format", "xlsx", "--output", str(tmp_path / "cli"), "--warehouse", str(warehouse_dir)])
    assert code == 1 and "is a folder" in capsys.readouterr().err
