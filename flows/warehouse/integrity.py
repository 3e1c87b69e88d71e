"""Is the warehouse file whole? A damaged greenwire.duckdb is found before anything writes to it.

DuckDB checksums every block it reads, so reading the raw tables (what a run carries over; every
other schema is rebuilt from them) finds flipped bytes, and the blocks in use, against the file's
size, find a truncated file without reading it. `greenwire rebuild` re-creates a damaged warehouse
from the input folder.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from flows import warehouse

HEADER_BYTES = 3 * 4096  # the file header and the two database headers that precede the first block

# What DuckDB says when the bytes under a table are not what it wrote.
DAMAGE_MARKERS = (
    "checksum",
    "corrupt",
    "could not read enough bytes",
    "not a valid duckdb database",
    "invalid metadata",
    "serialization error",
    "deserializ",
)


class WarehouseCorrupt(RuntimeError):
    """greenwire.duckdb is damaged: nothing was changed; `greenwire rebuild` re-creates it."""

    def __init__(self, path: Path, detail: str):
        self.path = path
        super().__init__(
            f"the warehouse file {path} is damaged ({detail}); nothing was changed and publish/current is as it "
            "was. Re-create it from the input folder with `greenwire rebuild` (the damaged file is kept beside it)"
        )


def damage(exc: BaseException, path: Path) -> WarehouseCorrupt | None:
    """The WarehouseCorrupt that a DuckDB error means, or None when it means something else.

    IOException('... does not match stored checksum ...') -> WarehouseCorrupt(path, ...)
    """
    text = str(exc).strip()
    if isinstance(exc, duckdb.Error) and any(marker in text.lower() for marker in DAMAGE_MARKERS):
        return WarehouseCorrupt(path, text.splitlines()[0] if text else type(exc).__name__)
    return None


# The warehouse file and its WAL as the last check() in this process found them whole. `greenwire run`
# checks before its quick answer and the flow checks again as it starts, in the same process and under
# the same hold of the lock: unless a byte was written in between, the second check is this comparison
# instead of reading every raw table again (0.8 s at 100,000 articles).
_verified: tuple[object, ...] | None = None


def check(path: Path) -> None:
    """Raise WarehouseCorrupt when the warehouse file at `path` is truncated or fails a checksum;
    a warehouse that does not exist yet passes. A file this process checked, unchanged since (size,
    modification time and inode of it and of its WAL), passes without being read again."""
    global _verified
    if not path.exists():
        return
    before = _state(path)
    if before == _verified:
        return
    try:
        con = warehouse.connect(path, read_only=True)
    except duckdb.Error as exc:
        found = damage(exc, path)
        if found is None:
            raise
        raise found from exc
    with con:
        verify(con, path)
    _verified = before if _state(path) == before else None


def _state(path: Path) -> tuple[object, ...]:
    def stat(file: Path) -> tuple[int, int, int] | None:
        try:
            found = file.stat()
        except FileNotFoundError:
            return None
        return found.st_size, found.st_mtime_ns, found.st_ino

    return str(path.resolve()), stat(path), stat(path.with_name(path.name + ".wal"))


def verify(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """check() on an open connection: the file's size against its header, then every raw table read
    once (what a run carries over as it is; the derived schemas are rebuilt from raw, or updated by an
    incremental build, which starts over in full if it cannot read them)."""
    try:
        _check_size(con, path)
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw' order by table_name"
        ).fetchall()
        for (table,) in tables:
            # hash() of every column makes DuckDB read (and checksum) every block of the table
            con.execute(f'select max(hash(columns(*))) from raw."{table}"').fetchall()
    except duckdb.Error as exc:
        found = damage(exc, path)
        if found is None:
            raise
        raise found from exc


def _check_size(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The file must hold every block in use. Its header may count more: free blocks at the end that
    DuckDB never wrote (a block allocated and freed before a checkpoint), which a healthy file lacks
    (seen on a warehouse after a few runs: one free block of 54 past the end, every table readable)."""
    block_size, used = con.execute("select block_size, used_blocks from pragma_database_size()").fetchall()[0]
    expected = HEADER_BYTES + block_size * used
    actual = path.stat().st_size
    if actual < expected:
        raise WarehouseCorrupt(
            path,
            f"the file is {actual} bytes but holds {used} blocks in use of {block_size} bytes: it was truncated",
        )
