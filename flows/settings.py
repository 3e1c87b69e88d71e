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
| GREENWIRE_DUCKDB_MEMORY   | 1GB (DuckDB memory_limit)    |
| GREENWIRE_DUCKDB_THREADS  | CPU count, at most 4         |
| GREENWIRE_CLUSTER         | none (a Dask scheduler address: run batches there) |
| PREFECT_HOME              | <warehouse>/.prefect         |
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


@dataclass(frozen=True)
class Settings:
    input_dir: Path
    warehouse_dir: Path
    schedule: str = "0 6 * * *"
    max_file_bytes: int = 20_000_000
    keep_versions: int = 5
    sql_dir: Path = SQL_DIR
    workers: int = 1  # processes for extraction of large batches
    batch_files: int = 2000  # files read, cleaned, extracted and loaded together; bounds memory
    duckdb_memory: str = "1GB"  # DuckDB's memory_limit: past it, joins and sorts spill to duckdb_temp
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


def load(input_dir: str | Path | None = None, warehouse_dir: str | Path | None = None,
         cluster: str | None = None) -> Settings:
    """Settings from explicit arguments, else the environment, else the defaults."""
    env = os.environ
    return Settings(
        input_dir=Path(input_dir or env.get("GREENWIRE_INPUT") or DEFAULT_INPUT).resolve(),
        warehouse_dir=Path(warehouse_dir or env.get("GREENWIRE_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve(),
        schedule=env.get("GREENWIRE_SCHEDULE", "0 6 * * *"),
        max_file_bytes=int(env.get("GREENWIRE_MAX_FILE_BYTES", 20_000_000)),
        keep_versions=int(env.get("GREENWIRE_KEEP_VERSIONS", 5)),
        sql_dir=Path(env.get("GREENWIRE_SQL_DIR") or SQL_DIR).resolve(),
        workers=int(env.get("GREENWIRE_WORKERS") or min(os.cpu_count() or 1, 4)),
        batch_files=max(1, int(env.get("GREENWIRE_BATCH_FILES") or 2000)),
        duckdb_memory=env.get("GREENWIRE_DUCKDB_MEMORY") or "1GB",
        duckdb_threads=int(env.get("GREENWIRE_DUCKDB_THREADS") or min(os.cpu_count() or 1, 4)),
        cluster=cluster or env.get("GREENWIRE_CLUSTER") or None,
    )
