"""The greenwire command: help, query formats, clear errors."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from flows.cli import main
from flows.publish import publish


def test_help_explains_every_command():
    out = subprocess.run([sys.executable, "-m", "flows.cli", "--help"], capture_output=True, text=True, check=True)
    for command in ("run", "query", "validate"):
        assert f"\n  {command} " in out.stdout
    assert "examples:" in out.stdout


@pytest.fixture
def warehouse_dir(tmp_path, tiny_marts):
    publish(tiny_marts, tmp_path / "publish", "run-1", now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    return tmp_path


def test_query_prints_csv(warehouse_dir, capsys):
    assert main(["query", "select event_id, n from events order by n", "--format", "csv",
                 "--warehouse", str(warehouse_dir)]) == 0
    assert capsys.readouterr().out == "event_id,n\ne1,1\ne2,2\n"


def test_query_csv_writes_lists_as_json(warehouse_dir, capsys):
    assert main(["query", "select ['生态管委会', '中国资环'] as aliases", "--format", "csv",
                 "--warehouse", str(warehouse_dir)]) == 0
    assert capsys.readouterr().out == 'aliases\n"[""生态管委会"", ""中国资环""]"\n'


def test_query_prints_json(warehouse_dir, capsys):
    assert main(["query", "select count(*) as rows from events", "--format", "json",
                 "--warehouse", str(warehouse_dir)]) == 0
    assert json.loads(capsys.readouterr().out) == [{"rows": 2}]


def test_query_is_read_only(warehouse_dir, capsys):
    assert main(["query", "drop view events", "--warehouse", str(warehouse_dir)]) == 1
    assert "read-only" in capsys.readouterr().err


def test_query_before_any_publish_says_what_to_do(tmp_path, capsys):
    assert main(["query", "select 1", "--warehouse", str(tmp_path)]) == 1
    assert "run `greenwire run` first" in capsys.readouterr().err


def test_bad_sql_is_an_error_not_a_traceback(warehouse_dir, capsys):
    assert main(["query", "select nope from events", "--warehouse", str(warehouse_dir)]) == 1
    assert capsys.readouterr().err.startswith("greenwire: error: query failed")
