"""Every path and every environment setting greenwire reads, resolved in one place.

Paths default to folders of the project checkout; each can be moved with an
environment variable (or a CLI flag that sets it):

| variable                  | default                      |
|---------------------------|------------------------------|
| GREENWIRE_INPUT           | <root>/seeds/raw             |
| GREENWIRE_WAREHOUSE       | <root>/warehouse             |
| GREENWIRE_SCHEDULE        | "0 6 * * *" (daily, 06:00)   |
| GREENWIRE_MAX_FILE_BYTES  | 20000000                     |
| GREENWIRE_KEEP_VERSIONS   | 5                            |
| GREENWIRE_SQL_DIR         | <root>/sql                   |
| GREENWIRE_WORKERS         | CPU count, at most 4         |
| GREENWIRE_BATCH_FILES     | 2000 (files per batch)       |
| GREENWIRE_DUCKDB_MEMORY   | 1GB (DuckDB memory_limit; unset, loading uses 400MB and validating 300MB) |
| GREENWIRE_DUCKDB_THREADS  | CPU count, at most 4         |
| GREENWIRE_CLUSTER         | none (a Dask scheduler address: run batches there) |
| PREFECT_HOME              | <warehouse>/.prefect         |
| GREENWIRE_CACHE           | $XDG_CACHE_HOME/greenwire, else ~/.cache/greenwire (the temporary API's empty database) |

The libraries greenwire runs get their environment from here too (`library_environment`): the CLI,
the tests (tests/conftest.py) and `make bench` call it before Prefect or Great Expectations is imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = ROOT / "sql"
EXPECTATIONS_DIR = ROOT / "expectations"
REFERENCE_DIR = ROOT / "seeds" / "reference"
DEFAULT_INPUT = ROOT / "seeds" / "raw"
DEFAULT_WAREHOUSE = ROOT / "warehouse"

SCHEDULE = "0 6 * * *"  # daily, 06:00 in the deployment's time zone
MAX_FILE_BYTES = 20_000_000
KEEP_VERSIONS = 5
BATCH_FILES = 2000
DUCKDB_MEMORY = "1GB"
MAX_PROCESSES = 4  # default workers and DuckDB threads: the CPU count, at most this
PREFECT_STARTUP_SECONDS = 120  # Prefect's temporary API can take a minute on a busy 2-core machine

# Quiet and local: no telemetry from Prefect or Great Expectations, a patient temporary API.
LIBRARY_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(PREFECT_STARTUP_SECONDS),
}


@dataclass(frozen=True)
class Settings:
    input_dir: Path
    warehouse_dir: Path
    schedule: str = SCHEDULE
    max_file_bytes: int = MAX_FILE_BYTES
    keep_versions: int = KEEP_VERSIONS
    sql_dir: Path = SQL_DIR
    workers: int = 1  # processes for extraction of large batches
    batch_files: int = BATCH_FILES  # files read, cleaned, extracted and loaded together; bounds memory
    duckdb_memory: str = DUCKDB_MEMORY  # DuckDB's memory_limit: past it, joins and sorts spill to duckdb_temp
    duckdb_threads: int = 1
    cluster: str | None = None  # a Dask scheduler address (tcp://host:port): batches run there

    @property
    def database(self) -> Path:
        return self.warehouse_dir / "greenwire.duckdb"

    @property
    def publish_dir(self) -> Path:
        return self.warehouse_dir / "publish"

    @property
    def current(self) -> Path:
        return self.publish_dir / "current"

    @property
    def docs_dir(self) -> Path:
        return self.warehouse_dir / "docs"

    @property
    def quarantine_dir(self) -> Path:
        return self.warehouse_dir / "quarantine"

    @property
    def runs_dir(self) -> Path:
        return self.warehouse_dir / "runs"

    @property
    def duckdb_temp(self) -> Path:
        return self.warehouse_dir / ".duckdb-tmp"

    @property
    def lock_file(self) -> Path:
        return self.warehouse_dir / ".greenwire.lock"

    @property
    def prefect_home(self) -> Path:
        return Path(os.environ.get("PREFECT_HOME") or self.warehouse_dir / ".prefect")


def load(
    input_dir: str | Path | None = None, warehouse_dir: str | Path | None = None, cluster: str | None = None
) -> Settings:
    """Settings from explicit arguments, else the environment, else the defaults."""
    env = os.environ
    return Settings(
        input_dir=Path(input_dir or env.get("GREENWIRE_INPUT") or DEFAULT_INPUT).resolve(),
        warehouse_dir=Path(warehouse_dir or env.get("GREENWIRE_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve(),
        schedule=env.get("GREENWIRE_SCHEDULE", SCHEDULE),
        max_file_bytes=int(env.get("GREENWIRE_MAX_FILE_BYTES", MAX_FILE_BYTES)),
        keep_versions=int(env.get("GREENWIRE_KEEP_VERSIONS", KEEP_VERSIONS)),
        sql_dir=Path(env.get("GREENWIRE_SQL_DIR") or SQL_DIR).resolve(),
        workers=int(env.get("GREENWIRE_WORKERS") or min(os.cpu_count() or 1, MAX_PROCESSES)),
        batch_files=max(1, int(env.get("GREENWIRE_BATCH_FILES") or BATCH_FILES)),
        duckdb_memory=env.get("GREENWIRE_DUCKDB_MEMORY") or DUCKDB_MEMORY,
        duckdb_threads=int(env.get("GREENWIRE_DUCKDB_THREADS") or min(os.cpu_count() or 1, MAX_PROCESSES)),
        cluster=cluster or env.get("GREENWIRE_CLUSTER") or None,
    )


def library_environment(prefect_home: Path | str, console_level: str | None = None) -> None:
    """Set the libraries' defaults (LIBRARY_DEFAULTS, PREFECT_HOME, Prefect's console log level) where
    the environment does not already say otherwise; call it before Prefect or GX is imported.

    >>> library_environment("/tmp/wh/.prefect", console_level="CRITICAL")
    """
    os.environ.setdefault("PREFECT_HOME", str(prefect_home))
    for name, value in LIBRARY_DEFAULTS.items():
        os.environ.setdefault(name, value)
    if console_level:
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", console_level)


def cache_dir() -> Path:
    """Where greenwire keeps what any warehouse can reuse (a migrated, empty Prefect API database):
    GREENWIRE_CACHE, else $XDG_CACHE_HOME/greenwire, else ~/.cache/greenwire."""
    if os.environ.get("GREENWIRE_CACHE"):
        return Path(os.environ["GREENWIRE_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "greenwire"


def startup_seconds() -> int:
    """How long to wait for Prefect's temporary API: PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS."""
    return int(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", PREFECT_STARTUP_SECONDS))
