"""Scheduled deployment, for real: a Prefect server, prefect.yaml on a process worker, `greenwire serve`.

Everything runs in subprocesses with a throwaway PREFECT_HOME (SQLite); nothing is started by hand.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC
from pathlib import Path

import pytest
from processes import descendants, kill_tree

from flows import settings
from flows.app import deploy
from flows.warehouse.contract import CONTRACT

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv running pytest holds `prefect` and `greenwire`
SERVER_START_TIMEOUT = 120
RUN_TIMEOUT = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(prefect_home: Path, api_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GREENWIRE_"))}
    env.update(settings.LIBRARY_DEFAULTS, PREFECT_HOME=str(prefect_home), PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL="INFO")
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def _sigint_default() -> None:
    # A child of a shell background job inherits SIGINT ignored; Prefect's worker stops by sending
    # itself SIGINT, so it would then never stop gracefully.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Service:
    """A long-running command in its own process group, output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT):
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                args,
                env=env,
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_sigint_default,
            )

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, sig: int = signal.SIGINT, grace: float = 30) -> None:
        """Ask politely, then kill the group and every descendant, so nothing outlives the test."""
        # Prefect starts each flow run in a session of its own, out of reach of killpg: list them
        # while they are still known as descendants (they are reparented once their parent dies).
        below = descendants(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(grace)
        kill_tree(self.proc, below, wait=10)


def _cli(args: list[str], env: dict[str, str], timeout: float = 180) -> str:
    done = subprocess.run(
        [str(BIN / "prefect"), "--no-prompt", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real `prefect server start` on a free port; yields (api_url, env for its clients)."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = _env(home, api_url)
    service = Service(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        _env(home, None),
        home / "server.log",
    )
    try:
        _wait_for_health(api_url, service)
        yield api_url, env
    finally:
        service.stop(signal.SIGTERM)


def _wait_for_health(api_url: str, service: Service) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if service.proc.poll() is not None:
            pytest.fail(f"prefect server exited with {service.proc.returncode}:\n{service.tail()}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    pytest.fail(f"prefect server did not answer {api_url}/health within {SERVER_START_TIMEOUT} s:\n{service.tail()}")


@pytest.fixture
def client(server):
    """A Prefect client of the test server, in this process."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # temporary_settings also wins over the session's prefect_test_harness, if other tests started it.
    with temporary_settings(updates={PREFECT_API_URL: server[0]}), get_client(sync_client=True) as prefect_client:
        yield prefect_client


@pytest.fixture
def seeds_copy(tmp_path, seeds) -> Path:
    return Path(shutil.copytree(seeds, tmp_path / "raw"))


def _trigger_and_wait(client, name: str, parameters: dict, service: Service):
    from prefect.deployments import run_deployment

    flow_run = run_deployment(name, parameters=parameters, timeout=0)  # the sync form uses the settings' API URL
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        flow_run = client.read_flow_run(flow_run.id)
        if flow_run.state is not None and flow_run.state.is_final():
            break
        if service.proc.poll() is not None:
            pytest.fail(f"the process executing runs exited with {service.proc.returncode}:\n{service.tail()}")
        time.sleep(2)
    assert flow_run.state is not None and flow_run.state.is_completed(), (
        f"flow run {flow_run.id} ended as {flow_run.state!r} (or timed out after {RUN_TIMEOUT} s):\n{service.tail()}"
    )
    return flow_run


def _assert_published(warehouse: Path) -> None:
    manifest = json.loads((warehouse / "publish" / "current" / "manifest.json").read_text())
    assert sorted(manifest["tables"]) == sorted(CONTRACT) and len(manifest["tables"]) == 7


def _wait_for_scheduled_runs(client, deployment_id, timeout: float = 120) -> list:
    """The server's scheduler fills in upcoming runs a few seconds after a deployment changes."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))
        scheduled = [r for r in runs if r.auto_scheduled and r.state is not None and r.state.is_scheduled()]
        if scheduled:
            return scheduled
        time.sleep(2)
    pytest.fail(f"no scheduled runs appeared for deployment {deployment_id} within {timeout} s")


@pytest.mark.server
def test_worker_runs_the_prefect_yaml_deployment(server, client, seeds_copy, tmp_path):
    env = server[1]
    _cli(["work-pool", "create", deploy.WORK_POOL, "--type", "process"], env)
    _cli(["deploy", "--all"], env)

    deployment = client.read_deployment_by_name(deploy.full_name())
    assert deployment.work_pool_name == deploy.WORK_POOL
    assert deployment.parameters == {"input_dir": None, "warehouse_dir": None, "wait_seconds": deploy.WAIT_SECONDS}
    assert deployment.pull_steps == [{"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}]
    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == ("0 6 * * *", "UTC", True)
    upcoming = _wait_for_scheduled_runs(client, deployment.id)
    assert {(r.expected_start_time.astimezone(UTC).hour, r.expected_start_time.minute) for r in upcoming} == {(6, 0)}

    # Manual runs only from here: a 06:00 run with null parameters would write to the repo's warehouse/.
    client.pause_deployment(deployment.id)
    worker = Service(
        [str(BIN / "prefect"), "worker", "start", "--pool", deploy.WORK_POOL],
        env,
        tmp_path / "worker.log",
        cwd=tmp_path,
    )
    try:
        warehouse = tmp_path / "warehouse"
        _trigger_and_wait(
            client, deploy.full_name(), {"input_dir": str(seeds_copy), "warehouse_dir": str(warehouse)}, worker
        )
        _assert_published(warehouse)
    finally:
        worker.stop()


@pytest.mark.server
def test_greenwire_serve_registers_the_cron_and_runs(server, client, seeds_copy, tmp_path):
    env = server[1]
    name = "greenwire-serve-test"
    warehouse = tmp_path / "warehouse"
    served = Service(
        [
            str(BIN / "greenwire"),
            "serve",
            "--name",
            name,
            "--cron",
            "30 5 * * 1",
            "--input",
            str(seeds_copy),
            "--warehouse",
            str(warehouse),
        ],
        {**env, "PREFECT_HOME": str(tmp_path / "serve-home")},
        tmp_path / "serve.log",
        cwd=tmp_path,
    )
    try:
        deployment = _wait_for_deployment(client, deploy.full_name(name), served)
        [schedule] = deployment.schedules
        assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 5 * * 1", "UTC")
        assert deployment.parameters == {
            "input_dir": str(seeds_copy),
            "warehouse_dir": str(warehouse),
            "wait_seconds": deploy.WAIT_SECONDS,
        }
        _trigger_and_wait(client, deploy.full_name(name), {}, served)
        _assert_published(warehouse)
    finally:
        served.stop()
    assert served.proc.returncode == 0, served.tail()
    assert client.read_deployment_by_name(deploy.full_name(name)).paused  # stopping pauses the schedule


def _wait_for_deployment(client, name: str, served: Service, timeout: float = 120):
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.proc.poll() is not None:
            pytest.fail(f"greenwire serve exited with {served.proc.returncode}:\n{served.tail()}")
        try:
            return client.read_deployment_by_name(name)
        except ObjectNotFound:
            time.sleep(1)
    pytest.fail(f"greenwire serve registered no {name} within {timeout} s:\n{served.tail()}")


@pytest.mark.parametrize(
    "unset, says",
    [(True, "PREFECT_API_URL is not set"), (False, "no Prefect server answers at PREFECT_API_URL=")],
    ids=["no-api-url", "nobody-listening"],
)
def test_serve_without_a_server_is_a_one_line_error(tmp_path, unset, says):
    api_url = None if unset else f"http://127.0.0.1:{_free_port()}/api"
    done = subprocess.run(
        [str(BIN / "greenwire"), "serve", "--warehouse", str(tmp_path)],
        env=_env(tmp_path, api_url),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1
    assert done.stderr.startswith(f"greenwire: error: {says}") and done.stderr.count("\n") == 1, done.stderr
