"""`greenwire run --cluster` against a real Dask cluster: a `dask scheduler` and two `dask worker`
processes on 127.0.0.1, started and cleaned up here. The published tables must equal a local
run's byte for byte, also when a worker is killed in the middle of the run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from processes import descendants, kill_tree

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RUN_TIMEOUT = 900


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PREFECT_HOME": str(home / "prefect"),
        "PYTHONPATH": str(ROOT),
        "DASK_DISTRIBUTED__WORKER__DAEMON": "False",
        **extra,
    }
    env.pop("PREFECT_API_URL", None)
    return env


class Cluster:
    """A scheduler and `workers` worker processes (no nanny: a killed worker stays dead)."""

    def __init__(self, home: Path, workers: int = 2):
        self.port, self.dashboard = _free_port(), _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.env = _env(home)
        self.logs = home / "dask-logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.scheduler = self._start(
            "scheduler",
            [
                str(BIN / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dashboard-address",
                f"127.0.0.1:{self.dashboard}",
            ],
        )
        self.workers = [
            self._start(
                f"worker{i}",
                [
                    str(BIN / "dask"),
                    "worker",
                    self.address,
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--name",
                    f"w{i}",
                    "--memory-limit",
                    "2GiB",
                ],
            )
            for i in range(workers)
        ]
        self.wait_for_workers(workers)

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen:
        with open(self.logs / f"{name}.log", "wb") as log:  # the child keeps its own copy of the descriptor
            return subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=30, set_as_default=False)

    def wait_for_workers(self, n: int, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with self.client() as client:
                    if len(client.scheduler_info()["workers"]) >= n:
                        return
            except OSError:
                pass
            time.sleep(1)
        raise AssertionError(f"the Dask cluster did not get {n} workers in {timeout} s: see {self.logs}")

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                kill_tree(proc)


@pytest.fixture
def cluster(tmp_path):
    started = Cluster(tmp_path)
    yield started
    started.stop()


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "greenwire"), "run", *args], env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=ROOT
    )


def _tables(warehouse: Path) -> dict:
    return json.loads((warehouse / "publish" / "current" / "manifest.json").read_text())["tables"]


def _corpus(folder: Path, copies: int) -> Path:
    """`copies` of every seed file under new names: enough batches for a run to last a while."""
    folder.mkdir()
    for i in range(copies):
        for seed in sorted((ROOT / "seeds" / "raw").iterdir()):
            shutil.copyfile(seed, folder / f"{i:03d}_{seed.name}")
    return folder


def _cluster_run(corpus: Path, warehouse: Path, cluster: Cluster, env: dict[str, str]) -> subprocess.Popen:
    """`greenwire run` on the cluster, started and left running, its output piped."""
    return subprocess.Popen(
        [
            str(BIN / "greenwire"),
            "run",
            "--input",
            str(corpus),
            "--warehouse",
            str(warehouse),
            "--cluster",
            cluster.address,
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _mid_run(run: subprocess.Popen, cluster: Cluster, act) -> tuple[object, str, str]:
    """Call act(client) every 50 ms while the run runs, until it returns something truthy; then the
    run's output. Returns what act returned last (falsy: it never acted), stdout, stderr."""
    acted = None
    try:
        with cluster.client() as client:
            deadline = time.monotonic() + RUN_TIMEOUT
            while not acted and time.monotonic() < deadline and run.poll() is None:
                acted = act(client)
                time.sleep(0.05)
        stdout, stderr = run.communicate(timeout=RUN_TIMEOUT)
    finally:
        if run.poll() is None:
            kill_tree(run)
    return acted, stdout, stderr


def test_a_cluster_run_publishes_the_same_tables_as_a_local_run(cluster, tmp_path):
    env = _env(tmp_path, GREENWIRE_BATCH_FILES="2")
    local = _run("--warehouse", str(tmp_path / "local"), env=env)
    assert local.returncode == 0, local.stderr
    remote = _run("--warehouse", str(tmp_path / "remote"), "--cluster", cluster.address, env=env)
    assert remote.returncode == 0, remote.stderr

    assert _tables(tmp_path / "remote") == _tables(tmp_path / "local")
    assert f"{cluster.address}: 2 workers; dashboard http://127.0.0.1:{cluster.dashboard}/status" in remote.stdout
    assert "  cluster   3 batches on " in remote.stdout
    with cluster.client() as client:  # the scheduler ran greenwire's batch tasks
        prefixes = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert any(p.startswith("process-batch") or p.startswith("process_batch") for p in prefixes), prefixes
    assert not (tmp_path / "remote" / "staging").exists() or not any((tmp_path / "remote" / "staging").iterdir())


def _most_apis(*args: str, env: dict[str, str], out: Path) -> tuple[int, int]:
    """Run greenwire; its exit code and the most Prefect API processes (`uvicorn`) below it at once."""
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [str(BIN / "greenwire"), "run", *args], env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT
        )
        most, deadline = 0, time.monotonic() + RUN_TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            apis = 0
            for pid in descendants(proc.pid):
                try:
                    apis += b"uvicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
            most = max(most, apis)
            time.sleep(0.1)
        return proc.wait(60), most


def test_a_cluster_run_starts_one_prefect_api(cluster, tmp_path):
    """The API started as the CLI starts is the one the flow and its workers use: probing the scheduler
    does not import Prefect before its address is set (a second API was started for the workers)."""
    env = _env(tmp_path, GREENWIRE_BATCH_FILES="2")
    code, most = _most_apis(
        "--warehouse", str(tmp_path / "wh"), "--cluster", cluster.address, env=env, out=tmp_path / "out"
    )
    assert code == 0, (tmp_path / "out").read_text()
    assert most == 1


def test_an_unreachable_scheduler_is_one_line_before_any_work(tmp_path):
    port = _free_port()  # nothing listens there
    result = _run(
        "--warehouse",
        str(tmp_path / "wh"),
        "--cluster",
        f"tcp://127.0.0.1:{port}",
        env=_env(tmp_path, GREENWIRE_CLUSTER=""),
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"greenwire: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "wh" / "greenwire.duckdb").exists()


def test_a_worker_killed_mid_run_has_its_batches_retried_and_the_output_is_identical(cluster, tmp_path):
    corpus = _corpus(tmp_path / "corpus", copies=6)  # 30 files, one per batch
    env = _env(tmp_path, GREENWIRE_BATCH_FILES="1")
    local = _run("--input", str(corpus), "--warehouse", str(tmp_path / "local"), env=env)
    assert local.returncode == 0, local.stderr

    run = _cluster_run(corpus, tmp_path / "remote", cluster, env)

    def kill_a_busy_worker(client) -> int | None:
        busy = [w for w, keys in client.processing().items() if keys]
        done = sum(len(keys) for keys in client.has_what().values())
        if busy and done >= 1:  # a batch is finished somewhere and another is running: kill that worker
            pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            return pid
        return None

    victim, stdout, stderr = _mid_run(run, cluster, kill_a_busy_worker)
    assert victim is not None, "no batch was running while the test watched: the run ended too soon"
    assert run.returncode == 0, stderr
    assert _tables(tmp_path / "remote") == _tables(tmp_path / "local")
    assert "batches on " in stdout
    assert sum(proc.poll() is not None for proc in cluster.workers) == 1  # the killed one stayed dead


def test_a_scheduler_lost_mid_run_is_one_line_and_its_traces_go_to_the_run_log(cluster, tmp_path):
    """distributed logs the lost scheduler (reconnect attempts, a CancelledError with its traceback):
    those records go to the run's log, and the terminal gets greenwire's one line."""
    corpus = _corpus(tmp_path / "corpus", copies=6)  # 30 files, one per batch
    env = _env(tmp_path, GREENWIRE_BATCH_FILES="1")
    env.pop("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", None)  # the tests' WARNING (conftest): the CLI's default
    warehouse = tmp_path / "wh"
    run = _cluster_run(corpus, warehouse, cluster, env)

    def kill_the_scheduler(client) -> bool:
        if sum(len(keys) for keys in client.has_what().values()) >= 1:  # batches are under way
            kill_tree(cluster.scheduler)
            return True
        return False

    killed, stdout, stderr = _mid_run(run, cluster, kill_the_scheduler)
    assert killed, "no batch had finished while the test watched: the run ended too soon"
    assert run.returncode == 1
    assert "Traceback" not in stdout + stderr, stdout + stderr
    [line] = stderr.strip().splitlines()
    assert line.startswith("greenwire: error: run failed at ") and "runs/" in line
    [log] = (warehouse / "runs").glob("*.jsonl")
    library = [r for r in map(json.loads, log.read_text(encoding="utf-8").splitlines()) if r["stage"] == "library"]
    assert library and all(r["logger"].startswith(("distributed", "tornado", "bokeh")) for r in library)
