"""greenwire evaluate: exact scores of a tiny publish against a tiny gold folder."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.app.cli import main
from flows.app.evaluate import EvaluationError, dates_agree, dice, evaluate

GOLD = {
    "a.txt": {
        "source_file": "a.txt",
        "articles": 1,
        "regions": [
            {"name": "天津市", "level": "province", "admin_code": "120000", "aliases": ["天津"]},
            {"name": "北港镇", "level": "other", "admin_code": None, "aliases": []},
        ],
        "parties": [
            {"name": "天津大学", "type": "research_education", "aliases": []},
            {"name": "王凯", "type": "person", "aliases": []},
            {"name": "某记者", "type": "person", "aliases": [], "optional": True},
        ],
        "events": [
            {"key": "forum-1", "type": "forum_conference", "name": "2025绿色发展论坛", "date": "2025-09", "parties": []}
        ],
        "metrics": [
            {"value": 300, "unit": "count", "qualifier": "more_than", "raw": "300多位"},
            {"value": 1.5, "unit": "km2", "qualifier": "exact", "raw": "1.5平方公里"},
        ],
    },
    "b.txt": {
        "source_file": "b.txt",
        "articles": 2,
        "regions": [],
        "parties": [],
        "events": [
            {
                "key": "forum-1",
                "type": "forum_conference",
                "name": "绿色发展论坛",
                "date": None,
                "parties": [{"name": "天津大学", "role": "host"}],
            }
        ],
        "metrics": [],
    },
}


def _publish(folder: Path) -> Path:
    """A publish folder with the contract's tables, written by DuckDB."""
    folder.mkdir()
    con = duckdb.connect()
    tables = {
        "documents": "select * from (values ('d1', 'a.txt'), ('d2', 'b.txt')) t(doc_id, source_file)",
        "regions": "select * from (values ('r1', '天津市', 'province', '120000'),"
        " ('r2', '河北省', 'province', '130000')) t(region_id, name, level, admin_code)",
        "parties": "select * from (values ('p1', '天津大学', 'research_education', ['天大']),"
        " ('p2', '王凯', 'enterprise', []::varchar[])) t(party_id, name, party_type, aliases)",
        "events": "select * from (values ('e1', 'forum_conference', '2025中新绿色发展论坛', date '2025-09-18', 'day'))"
        " t(event_id, event_type, name, event_date, date_precision)",
        "event_parties": "select * from (values ('e1', 'p1', 'host')) t(event_id, party_id, role)",
        "metrics": "select * from (values ('m1', 'd1', 300.0, 'count', 'exact', '300多位'),"
        " ('m2', 'd1', 1.504, 'km2', 'exact', '1.504平方公里'), ('m3', 'd1', 9.0, 'percent', 'exact', '9%'))"
        " t(metric_id, doc_id, value, unit, qualifier, raw_text)",
        "mentions": "select * from (values ('d1', 'region', 'r1'), ('d1', 'region', 'r2'), ('d1', 'party', 'p1'),"
        " ('d1', 'party', 'p2'), ('d1', 'event', 'e1'), ('d2', 'event', 'e1')) t(doc_id, entity_kind, entity_id)",
    }
    for name, sql in tables.items():
        con.sql(f"copy ({sql}) to '{folder / (name + '.parquet')}' (format parquet)")
    return folder


@pytest.fixture
def folders(tmp_path):
    gold = tmp_path / "gold"
    gold.mkdir()
    for name, item in GOLD.items():
        (gold / f"{name}.json").write_text(json.dumps(item, ensure_ascii=False), encoding="utf-8")
    return gold, _publish(tmp_path / "publish")


def test_scores_per_table(folders):
    report = evaluate(*folders)
    counts = {t: (r["tp"], r["fp"], r["fn"]) for t, r in report["tables"].items()}
    assert counts == {"regions": (1, 1, 1), "parties": (2, 0, 0), "events": (2, 0, 0), "metrics": (2, 1, 0)}
    assert report["tables"]["metrics"]["precision"] == 0.667
    assert report["tables"]["regions"]["f1"] == 0.5
    assert report["tables"]["parties"]["type_accuracy"] == 0.5  # 王凯 is typed enterprise
    assert report["tables"]["metrics"]["qualifier_accuracy"] == 0.5
    assert report["articles_exact"] == "1/2"  # b.txt has two articles, one was published
    assert report["cross_file_dedup"] == "1/1"  # both files' forum is event e1
    assert report["macro_f1"] == round((0.5 + 1 + 1 + 0.8) / 4, 3)
    assert report["tables"]["regions"]["missed"] == ["a.txt: 北港镇"]
    assert report["tables"]["regions"]["extra"] == ["a.txt: 河北省"]


@pytest.mark.parametrize(
    ("a", "b", "expected"), [("绿色发展论坛", "绿色发展大会", 0.6), ("论坛", "论坛", 1.0), ("", "论坛", 0.0)]
)
def test_dice(a, b, expected):
    assert dice(a, b) == expected


@pytest.mark.parametrize(
    ("gold", "predicted", "precision", "expected"),
    [
        ("2025-09", date(2025, 9, 18), "day", True),
        ("2025-09-17", date(2025, 9, 18), "day", False),
        ("2025-09-17", date(2025, 9, 1), "month", True),
        (None, None, "unknown", True),
        ("2025", None, "unknown", False),
    ],
)
def test_dates_agree(gold, predicted, precision, expected):
    assert dates_agree(gold, predicted, precision) is expected


def test_cli_prints_the_table_and_misses(folders, capsys):
    gold, publish = folders
    assert main(["evaluate", str(gold), "--publish", str(publish), "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "regions     0.500  0.500  0.500     1     1     1  level_accuracy=1.0" in out
    assert "    missed  a.txt: 北港镇" in out
    assert out.rstrip().endswith("macro F1: 0.825")


def test_cli_one_line_error_for_an_empty_gold_folder(tmp_path, capsys):
    (tmp_path / "gold").mkdir()
    assert main(["evaluate", str(tmp_path / "gold"), "--publish", str(tmp_path)]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no gold files" in err[0]


def test_missing_table_is_an_evaluation_error(folders, tmp_path):
    gold, _ = folders
    with pytest.raises(EvaluationError, match="no documents table"):
        evaluate(gold, tmp_path)
