"""The greenwire command: help, query formats and its sandbox, clear errors."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.app import query
from flows.app.cli import main
from flows.warehouse.publish import publish

GREENWIRE = Path(sys.executable).parent / "greenwire"


def test_help_explains_every_command():
    out = subprocess.run([sys.executable, "-m", "flows.app.cli", "--help"], capture_output=True, text=True, check=True)
    for command in ("run", "query", "validate"):
        assert f"\n  {command} " in out.stdout
    assert "examples:" in out.stdout


@pytest.fixture
def warehouse_dir(tmp_path, tiny_marts):
    publish(tiny_marts, tmp_path / "publish", "run-1", now=datetime(2026, 1, 1, tzinfo=UTC))
    return tmp_path


def test_query_prints_csv(warehouse_dir, capsys):
    assert (
        main(
            ["query", "select event_id, n from events order by n", "--format", "csv", "--warehouse", str(warehouse_dir)]
        )
        == 0
    )
    assert capsys.readouterr().out == "event_id,n\ne1,1\ne2,2\n"


def test_query_csv_writes_lists_as_json(warehouse_dir, capsys):
    assert (
        main(
            [
                "query",
                "select ['生态管委会', '中国资环'] as aliases",
                "--format",
                "csv",
                "--warehouse",
                str(warehouse_dir),
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == 'aliases\n"[""生态管委会"",""中国资环""]"\n'


def test_query_prints_json(warehouse_dir, capsys):
    assert (
        main(["query", "select count(*) as rows from events", "--format", "json", "--warehouse", str(warehouse_dir)])
        == 0
    )
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


def test_query_refuses_several_statements(warehouse_dir, capsys):
    assert main(["query", "select 1; select 2", "--warehouse", str(warehouse_dir)]) == 1
    assert capsys.readouterr().err == "greenwire: error: query refused: one statement at a time, got 2\n"


def test_query_table_shows_plain_numbers_and_no_shape_header(warehouse_dir, capsys):
    assert (
        main(["query", "select 1.73e13::double as amount, 1.5e-7::double as share", "--warehouse", str(warehouse_dir)])
        == 0
    )
    out = capsys.readouterr().out
    assert re.search(r"│ 17300000000000 +┆ 0\.00000015 +│", out), out
    assert "e13" not in out and "shape:" not in out


def test_query_table_says_when_it_shows_the_first_rows_only(warehouse_dir, capsys):
    assert main(["query", "select * from range(5) t(n)", "--max-rows", "2", "--warehouse", str(warehouse_dir)]) == 0
    out = capsys.readouterr().out
    assert re.findall(r"│ (\d) +│", out) == ["0", "1"]
    assert out.endswith("(first 2 rows; --max-rows N for more, --format csv for all)\n")


# Every DuckDB type a query can return: (SQL, table cell, csv cell, json value).
TYPES = {
    "interval": ("interval 1 day + interval 2 hour", "1 day 02:00:00", "1 day 02:00:00", "1 day 02:00:00"),
    "union": ("union_value(num := 2)::union(num int, txt varchar)", '{"num":2}', '"{""num"":2}"', {"num": 2}),
    "blob": (r"'\x00\xFFab'::blob", r"\x00\xFFab", r"\x00\xFFab", r"\x00\xFFab"),
    "variant": ("42::variant", "42", "42", 42),
    "fixed-size array": ("[1, 2, 3]::int[3]", "[1,2,3]", '"[1,2,3]"', [1, 2, 3]),
    "map": ("map {'a': 1}", '{"a":1}', '"{""a"":1}"', {"a": 1}),
    "struct": ("{'a': 1, 'b': '绿'}", '{"a":1,"b":"绿"}', '"{""a"":1,""b"":""绿""}"', {"a": 1, "b": "绿"}),
    "list": ("['生态', '资环']", '["生态","资环"]', '"[""生态"",""资环""]"', ["生态", "资环"]),
    "huge double": ("1.73e13::double", "17300000000000", "17300000000000.0", 1.73e13),
    "small double": ("1.5e-7::double", "0.00000015", "1.5e-7", 1.5e-7),
    "nan": ("'nan'::double", "NaN", "NaN", None),
    "decimal": ("123.45::decimal(10,2)", "123.45", "123.45", 123.45),
    "hugeint": (
        "170141183460469231731687303715884105727::hugeint",
        "170141183460469231731687303715884105727",
        "170141183460469231731687303715884105727",
        170141183460469231731687303715884105727,
    ),
    "timestamp with time zone": (
        "'2026-01-01 08:00:00+08'::timestamptz",
        "2026-01-01 00:00:00 UTC",
        "2026-01-01T00:00:00.000000+0000",
        "2026-01-01 00:00:00+00",
    ),
}


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
@pytest.mark.parametrize("kind", list(TYPES))
def test_query_prints_every_type(warehouse_dir, capsys, kind, fmt):
    sql, cell, csv_cell, value = TYPES[kind]
    assert main(["query", f"select {sql} as v", "--format", fmt, "--warehouse", str(warehouse_dir)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    if fmt == "table":
        assert re.search(rf"^│ {re.escape(cell)} +│$", out, re.MULTILINE), out
        assert "shape:" not in out and "PySeries" not in out
    elif fmt == "csv":
        assert out == f"v\n{csv_cell}\n"
    else:
        assert json.loads(out) == [{"v": value}]


def _hashes(*roots: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for root in roots
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def live_warehouse(warehouse_dir):
    """The published tiny marts plus a live warehouse file beside them, as after a run."""
    with duckdb.connect(str(warehouse_dir / "greenwire.duckdb")) as con:
        con.execute("create schema raw; create table raw.runs as select 'run-1' as run_id")
    return warehouse_dir


PROBE = f"/tmp/greenwire-probe-{uuid.uuid4().hex}"
# Issue 12, item 1: each way a query could write, or read outside the published dataset.
PROBES = {
    "copy to /tmp": f"copy (select 1 as a) to '{PROBE}.csv'",
    "copy over a published parquet": "copy (select * from documents where false) to '{current}/documents.parquet'",
    "attach the live warehouse read-write": "attach '{warehouse}/greenwire.duckdb' as live (read_write)",
    "copy over greenwire.duckdb": "copy (select 1 as a) to '{warehouse}/greenwire.duckdb' (format csv)",
    "read_text": "select * from read_text('/etc/hostname')",
    "glob": "select * from glob('/root/**')",
    "export database": f"export database '{PROBE}'",
    "install httpfs": "install httpfs",
    "several statements": f"select 1; copy (select 2 as a) to '{PROBE}.csv'",
}


@pytest.mark.parametrize("probe", list(PROBES))
def test_query_refuses_to_write_or_read_outside_the_dataset(live_warehouse, capsys, probe):
    current = (live_warehouse / "publish" / "current").resolve()
    sql = PROBES[probe].format(current=current, warehouse=live_warehouse)
    before = _hashes(live_warehouse)
    assert main(["query", sql, "--warehouse", str(live_warehouse)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("greenwire: error: query refused: ") and err.count("\n") == 1, err
    assert _hashes(live_warehouse) == before
    assert not Path(PROBE + ".csv").exists() and not Path(PROBE).exists()


@pytest.mark.parametrize("probe", [p for p in PROBES if p != "several statements"])
def test_the_sandbox_itself_refuses_what_the_statement_check_lets_through(live_warehouse, probe):
    """Were the one-read-statement check ever wrong, DuckDB still cannot touch a file."""
    current = live_warehouse / "publish" / "current"
    before = _hashes(live_warehouse)
    with query.connect(current) as con:
        with pytest.raises(duckdb.PermissionException):
            con.execute(PROBES[probe].format(current=current.resolve(), warehouse=live_warehouse))
        with pytest.raises(duckdb.InvalidInputException, match="configuration has been locked"):
            con.execute("set enable_external_access = true")
    assert _hashes(live_warehouse) == before
    assert not Path(PROBE + ".csv").exists() and not Path(PROBE).exists()


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GREENWIRE_"))}
    return subprocess.run(
        [str(GREENWIRE), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("command", [["query", "select 1"], ["status"], ["validate"]])
def test_reading_commands_create_nothing_in_a_warehouse_that_does_not_exist(tmp_path, command):
    missing = tmp_path / "nowhere"
    done = _cli(*command, "--warehouse", str(missing))
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "run `greenwire run` first" in done.stderr
    assert not missing.exists()


@pytest.mark.parametrize("command", [["run"], ["rebuild"], ["query", "select 1"], ["status"], ["validate"]])
def test_a_warehouse_under_a_regular_file_is_one_line(tmp_path, command):
    (tmp_path / "file").write_text("not a folder")
    done = _cli(*command, "--warehouse", str(tmp_path / "file" / "wh"))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        f"greenwire: error: setup: the warehouse folder {tmp_path / 'file' / 'wh'} cannot be "
        f"created: {tmp_path / 'file'} is a file, not a folder; pass --warehouse DIR (or "
        "GREENWIRE_WAREHOUSE) naming a folder\n"
    )


def test_an_unavailable_prefect_api_is_one_line(tmp_path):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = f"http://127.0.0.1:{port}/api"
    done = _cli("run", "--warehouse", str(tmp_path / "wh"), PREFECT_API_URL=api)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(
        f"greenwire: error: setup: no Prefect server answers at PREFECT_API_URL={api} (ConnectError); start one with "
    )
    assert not (tmp_path / "wh").exists()


@pytest.mark.parametrize(
    "error, line",
    [
        (
            OSError(28, "No space left on device", "/srv/wh/greenwire.duckdb"),
            "No space left on device: /srv/wh/greenwire.duckdb (free some space, then run again)",
        ),
        (PermissionError(13, "Permission denied", "/srv/wh/runs"), "Permission denied: /srv/wh/runs"),
        (NotADirectoryError(20, "Not a directory", "/srv/file/wh"), "Not a directory: /srv/file/wh"),
        (
            duckdb.IOException('IO Error: Could not write file "/srv/wh/x.wal": No space left on device\nmore'),
            'IO Error: Could not write file "/srv/wh/x.wal": No space left on device (free some space, then run again)',
        ),
        (RuntimeError(""), "RuntimeError"),
    ],
)
def test_a_failure_is_described_in_one_line_with_its_path(error, line):
    from flows.ops.runlog import describe

    assert describe(error) == line


def test_the_run_summary_lists_at_most_twenty_files_per_status(tmp_path):
    """A folder with thousands of quarantined files prints twenty of them and says where the rest are."""
    import polars as pl

    from flows.app.cli import _file_notes

    files = pl.DataFrame(
        {
            "source_file": [f"bad{i:03}.txt" for i in range(25)] + ["a.txt", "a.txt.meta.json"],
            "status": ["quarantined"] * 25 + ["processed", "skipped"],
            "reason": ["undecodable"] * 25 + [None, "metadata sidecar of a.txt"],
        }
    )
    lines = _file_notes(files, tmp_path)
    assert lines[:20] == [f"    quarantined bad{i:03}.txt: undecodable" for i in range(20)]
    assert lines[20:] == [
        f"    quarantined … and 5 more (every file: greenwire status --files --warehouse {tmp_path})",
        "    skipped     1 metadata sidecar (*.meta.json), each read with its article",
    ]
