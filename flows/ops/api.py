"""Prefect's temporary API, started by `greenwire run` as it starts instead of by Prefect when the flow
starts.

Without PREFECT_API_URL, Prefect's client starts a temporary API for a flow run: it imports Prefect's
server (about 3 s, 80 MB in the run's process) and then waits while a `uvicorn` process imports it
again, opens its database and answers (4-6 s, more on a new warehouse, whose database is created and
migrated). Started here as the CLI starts, the same server process (the command Prefect runs, pinned
with Prefect) gets ready on the other core while the run lists and hashes the input folder, and the
run's process never imports the server: the flow finds PREFECT_API_URL set to it.

A new PREFECT_HOME (a new warehouse) has no database yet: the server creates it and runs Prefect's
migrations, 10-11 s of the 16-18 s it then takes to answer. The first such database is copied, empty
(migrated, no run yet), to greenwire's cache (settings.cache_dir, one file per Prefect version) as
soon as the API answers; a later new PREFECT_HOME starts from a copy of it (the API then answers in
4-5 s, as on an existing warehouse). Any error there only means
Prefect migrates as usual.

`start` does nothing when PREFECT_API_URL is set (a server someone runs) or Prefect is already
imported (its settings are read at import: a test calling the CLI in-process); `url` waits for the
API and answers None when it did not come up, in which case the flow falls back to Prefect's own
temporary API. The process is stopped at interpreter exit, after Prefect's exit handlers have sent
their last log lines and events to it (handlers run in reverse order of registration, and this one
is registered before Prefect is imported), or at once when the run needs no flow.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib.metadata
import importlib.util
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flows.settings import cache_dir

# What Prefect's SubprocessASGIServer sets for the server it starts (prefect 3.8.8), and no registration of
# block types as it starts: the check whether it is due imports every installed Prefect collection
# (prefect-dask imports distributed) and hashes their blocks, 1.0-1.5 s of the 5-6 s the API took to
# answer, which the run waited for. The flow runs of this API use no blocks (no result storage, no
# credentials); a server someone runs (PREFECT_API_URL) registers them as usual.
SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}
LOG_NAME = "temporary-api.log"
DATABASE = "prefect.db"  # in PREFECT_HOME, unless PREFECT_API_DATABASE_CONNECTION_URL names another


class TemporaryAPI:
    """A `uvicorn` process serving Prefect's API on 127.0.0.1 for one run, its output in PREFECT_HOME."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path, keep_as: Path | None = None):
        self.process, self.port, self.log = process, port, log
        self._url: str | None = None
        self._keep_as = keep_as  # a new database, to copy there (the cache) once the API answers

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @classmethod
    def start(cls, home: Path) -> TemporaryAPI | None:
        """The server process, started now; None when PREFECT_API_URL is set, Prefect is already imported,
        or the process cannot be started (Prefect then starts its own as usual)."""
        if os.environ.get("PREFECT_API_URL") or "prefect" in sys.modules:
            return None
        spec = importlib.util.find_spec("prefect")  # finds the package without importing it
        if spec is None or not spec.submodule_search_locations:
            return None
        app_dir = Path(next(iter(spec.submodule_search_locations))).parent
        port = _free_port()
        log = home / LOG_NAME
        keep_as = _seed_database(home)
        try:
            with log.open("ab") as out:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "--app-dir",
                        str(app_dir),
                        "--factory",
                        "prefect.server.api.server:create_app",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--log-level",
                        "error",
                        "--lifespan",
                        "on",
                    ],
                    env={**os.environ, **SERVER_ENV},
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_end_with_parent,  # safe: no other thread runs yet (Prefect is not imported)
                )
        except OSError:
            return None
        api = cls(process, port, log, keep_as)
        atexit.register(api.stop)
        return api

    def url(self, timeout: float) -> str | None:
        """The API's URL once it answers /health, or None if the process ended or `timeout` seconds passed."""
        if self._url is not None:
            return self._url
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            with (
                contextlib.suppress(OSError),  # not listening yet (URLError is an OSError)
                urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response,
            ):
                if response.status == 200:
                    self._url = self.api_url
                    if self._keep_as is not None:
                        _keep_empty_database(self.log.parent / DATABASE, self._keep_as)
                    return self._url
            time.sleep(0.1)
        self.stop()
        return None

    def stop(self) -> None:
        """End the server process (at once if it is still starting); idempotent."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _template() -> Path | None:
    """The cached empty database for this Prefect version; None when the API uses another database."""
    if os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL"):
        return None
    try:
        version = importlib.metadata.version("prefect")
    except importlib.metadata.PackageNotFoundError:
        return None
    return cache_dir() / f"prefect-{version}-api.db"


def _seed_database(home: Path) -> Path | None:
    """Give a new PREFECT_HOME a copy of the cached empty database; returns where to keep the database the
    server is about to create when there is none to copy (else None)."""
    template, database = _template(), home / DATABASE
    if template is None or database.exists():
        return None
    if not template.is_file():
        return template
    partial = home / f".{DATABASE}.{os.getpid()}.partial"
    try:
        shutil.copyfile(template, partial)
        os.replace(partial, database)
    except OSError:
        partial.unlink(missing_ok=True)
    return None


def _keep_empty_database(database: Path, template: Path) -> None:
    """Copy the server's new database, before any run is in it, to the cache (SQLite's online backup: a
    consistent copy while the server has it open); kept only when it is migrated and holds no run."""
    partial = template.with_name(f".{template.name}.{os.getpid()}.partial")
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        with (
            contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as source,
            contextlib.closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
            migrated = copy.execute("select count(*) from alembic_version").fetchone()[0] == 1
            empty = copy.execute("select count(*) from flow_run").fetchone()[0] == 0
        if migrated and empty:
            os.replace(partial, template)
    except (OSError, sqlite3.Error):
        pass
    finally:
        partial.unlink(missing_ok=True)


def _end_with_parent() -> None:
    """In the server's process before it runs uvicorn: Linux sends it SIGTERM when the run's process dies,
    however it dies (a SIGKILL skips the exit handler), so no server outlives its run. Elsewhere a no-op."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _free_port() -> int:
    """A port nothing listens on now (the server binds it a moment later, as Prefect's own does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
