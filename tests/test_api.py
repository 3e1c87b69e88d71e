"""Prefect's temporary API as `greenwire run` starts it (flows/ops/api.py): a real server process."""

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import prefect

from flows.ops.api import LOG_NAME, TemporaryAPI
from flows.settings import ROOT

GREENWIRE = Path(sys.executable).with_name("greenwire")

SCRIPT = """
import sys, urllib.request
from pathlib import Path
from flows.ops.api import TemporaryAPI
api = TemporaryAPI.start(Path(sys.argv[1]))
if api is None:
    print("none")
    raise SystemExit
url = api.url(600)
print(url, url == api.api_url)
with urllib.request.urlopen(url + "/health") as response:
    print(response.status)
api.stop()
print(api.process.poll() is not None)
"""


def _clean_env(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GREENWIRE_"))}, **extra}


def _python(home: Path, **extra: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(home)],
        env=_clean_env(PREFECT_HOME=str(home), **extra),
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    return done.stdout.split()


def _quietly(command: list[str]) -> subprocess.CompletedProcess[str]:
    """The command run to its end without Prefect's or greenwire's settings of this process."""
    return subprocess.run(
        command, env=_clean_env(), capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL
    )


def _servers_of(home: Path) -> list[int]:
    """Processes still running with PREFECT_HOME=home."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"PREFECT_HOME={home}".encode() in environ:
            found.append(int(entry.name))
    return found


def test_the_temporary_api_answers_then_stops(tmp_path):
    url, same, status, stopped = _python(tmp_path)
    assert url.startswith("http://127.0.0.1:") and url.endswith("/api") and same == "True"
    assert status == "200" and stopped == "True"
    assert (tmp_path / "prefect.db").exists()  # the server's database is in PREFECT_HOME
    assert not _servers_of(tmp_path)


def _tables(database: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(database)) as con:
        names = [row[0] for row in con.execute("select name from sqlite_master where type = 'table'")]
        return {name: con.execute(f'select count(*) from "{name}"').fetchone()[0] for name in names}


def test_a_new_prefect_home_starts_from_the_empty_database_the_first_one_left_in_the_cache(tmp_path):
    cache = tmp_path / "cache"
    first, second, third = tmp_path / "first", tmp_path / "second", tmp_path / "third"
    for home in (first, second, third):
        home.mkdir()  # as the CLI's preflight does
    assert _python(first, GREENWIRE_CACHE=str(cache))[2] == "200"  # no copy yet: Prefect migrates
    (template,) = cache.glob("prefect-*-api.db")
    assert template.name == f"prefect-{prefect.__version__}-api.db"
    kept = _tables(template)
    assert kept["alembic_version"] == 1 and kept["flow_run"] == 0
    assert kept["block_type"] == 0  # the temporary API registers no block types (api.SERVER_ENV): not needed
    with contextlib.closing(sqlite3.connect(template)) as con:  # a mark only a copy of this file can carry
        con.execute("create table copied_from_the_cache (x int)")
        con.commit()
    before = template.read_bytes()
    assert _python(second, GREENWIRE_CACHE=str(cache))[2] == "200"
    assert "copied_from_the_cache" in _tables(second / "prefect.db")
    assert template.read_bytes() == before  # a copy is not kept again
    other = tmp_path / "named" / "other.db"
    other.parent.mkdir()
    url = f"sqlite+aiosqlite:///{other}"
    named = {"GREENWIRE_CACHE": str(tmp_path / "unused"), "PREFECT_API_DATABASE_CONNECTION_URL": url}
    assert _python(third, **named)[2] == "200"
    assert other.exists() and not (third / "prefect.db").exists() and not (tmp_path / "unused").exists()


KILLED = """
import os, signal, sys
from pathlib import Path
from flows.ops.api import TemporaryAPI
api = TemporaryAPI.start(Path(sys.argv[1]))
api.url(600)
print(api.process.pid, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no exit handler runs
"""


def test_the_temporary_api_ends_when_its_run_is_killed(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(tmp_path)],
        env=_clean_env(PREFECT_HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == -signal.SIGKILL
    server = int(done.stdout.split()[0])
    deadline = time.monotonic() + 30
    while _alive(server) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(server) and not _servers_of(tmp_path)


def _alive(pid: int) -> bool:
    """Running (a zombie, ended but not yet reaped by init, counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_no_temporary_api_when_a_server_is_named_or_prefect_is_already_imported(tmp_path):
    assert _python(tmp_path, PREFECT_API_URL="http://127.0.0.1:9/api") == ["none"]
    assert prefect.__version__  # imported here: its settings were read without the URL
    assert TemporaryAPI.start(tmp_path) is None


def test_a_run_starts_its_api_early_and_leaves_no_server_behind(tmp_path):
    """A run with work uses the API started as the CLI starts (its run log names it); an unchanged
    rerun stops it unused."""
    warehouse_dir = tmp_path / "wh"
    home = warehouse_dir / ".prefect"
    outputs = []
    for _ in range(2):
        done = _quietly(
            [str(GREENWIRE), "run", "--input", str(ROOT / "seeds" / "raw"), "--warehouse", str(warehouse_dir)]
        )
        assert done.returncode == 0, done.stderr
        assert (home / LOG_NAME).exists() and not _servers_of(home)
        outputs.append(done.stdout)
    starts = [
        json.loads(log.read_text(encoding="utf-8").splitlines()[0]) for log in (warehouse_dir / "runs").glob("*.jsonl")
    ]
    [flow_run] = [s for s in starts if "prefect_api" in s]  # the unchanged rerun's log has no flow
    assert flow_run["event"] == "started" and flow_run["prefect_api"].startswith("http://127.0.0.1:")
    assert "published" in outputs[0] and "unchanged" in outputs[1]


DEAD_API = """
import os, subprocess, sys
from pathlib import Path
from flows.app.cli import _parser, _run_flow
from flows.ops.api import TemporaryAPI
ended = subprocess.Popen([sys.executable, "-c", "pass"])
ended.wait()
dead = TemporaryAPI(ended, 9, Path(sys.argv[2]) / "api.log")  # a server process that ended at once
args = _parser().parse_args(["run", "--input", sys.argv[1], "--warehouse", sys.argv[2]])
print(_run_flow(args, dead), os.environ.get("PREFECT_API_URL"))
"""


def test_a_run_whose_api_never_comes_up_runs_on_prefects_own(tmp_path):
    """The run's process imports Prefect while its API starts; if that server then dies, the flow still
    runs, on the temporary API Prefect starts itself, not on the dead server's address."""
    warehouse_dir = tmp_path / "wh"
    done = _quietly([sys.executable, "-c", DEAD_API, str(ROOT / "seeds" / "raw"), str(warehouse_dir)])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 None"
    [log] = (warehouse_dir / "runs").glob("*.jsonl")
    start = json.loads(log.read_text(encoding="utf-8").splitlines()[0])
    assert start["event"] == "started" and start["prefect_api"] is None  # None: Prefect's own temporary API
    assert (warehouse_dir / "publish" / "current" / "events.parquet").exists()
