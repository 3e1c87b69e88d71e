"""Read the input folder: every entry becomes one row with its fate, nothing is skipped silently.

Two passes, so that memory does not grow with the corpus: `list_files` stats and hashes every
entry (sha256 streamed in a thread pool; sidecars parsed) without keeping any text, and
`read_batch` then reads and decodes one batch of files at a time. `scan` does both for a whole
folder at once (tests, small folders). This module touches the disk; the decoding itself is the
pure step flows.steps.decode.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path, PurePath
from typing import Any

import polars as pl
from polars.datatypes import DataTypeClass

from flows.ops import sidecar
from flows.steps.decode import decode
from flows.steps.html import PageRefused, is_html, read_page

SIDECAR_SUFFIX = ".meta.json"

Row = dict[str, Any]  # one entry of the listing: INVENTORY_SCHEMA's columns, plus private "_" keys while listing
Hashes = dict[tuple[str, int, datetime], str]  # (source_file, size_bytes, modified_at) -> sha256

# Folders that hold a tool's state, not input: never scanned (listed as skipped). Hidden
# folders (.git, .prefect, .venv, ...) are skipped too.
TOOL_FOLDERS = {"__pycache__", "node_modules"}

INVENTORY_SCHEMA: dict[str, pl.DataType | DataTypeClass] = {
    "source_file": pl.String,
    "size_bytes": pl.Int64,
    "sha256": pl.String,
    "modified_at": pl.Datetime("us", "UTC"),
    "status": pl.String,  # processed | quarantined | skipped
    "reason": pl.String,
    "encoding": pl.String,
    "decode_errors": pl.Int32,  # invalid bytes replaced by U+FFFD while decoding
    "format": pl.String,  # text | html (detected by content)
    "text": pl.String,
    "meta_published_on": pl.Date,
    "meta_url": pl.String,
    "meta_source": pl.String,
    "sidecar_sha256": pl.String,  # of `<file>.meta.json`, when there is one
}


class FolderConflict(ValueError):
    """The input folder and the warehouse overlap: a run would read its own output."""


def check_folders(input_dir: Path, warehouse_dir: Path) -> None:
    """Refuse overlapping folders: `check_folders(Path("in"), Path("in/warehouse"))` raises FolderConflict."""
    source, target = Path(os.path.realpath(input_dir)), Path(os.path.realpath(warehouse_dir))
    if source == target:
        raise FolderConflict(
            f"the input folder and the warehouse are the same folder ({source}); "
            "give the warehouse a folder of its own (--warehouse)"
        )
    if target.is_relative_to(source):
        raise FolderConflict(
            f"the input folder {source} contains the warehouse {target}: a run would read its "
            "own output; put the warehouse outside the input folder (--warehouse)"
        )
    if source.is_relative_to(target):
        raise FolderConflict(
            f"the warehouse {target} contains the input folder {source}; "
            "put the input folder outside the warehouse (--input)"
        )


def scan(input_dir: Path, max_file_bytes: int, today: date | None = None) -> pl.DataFrame:
    """One row per entry under input_dir, every file decoded: `scan(Path("seeds/raw"), 20_000_000)`
    -> 5 processed rows. Holds every text at once: the flow reads in batches instead."""
    listing = list_files(input_dir, max_file_bytes, today)
    return settle_sidecars(read_batch(listing, input_dir.resolve()))


def list_files(
    input_dir: Path, max_file_bytes: int, today: date | None = None, known: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Every entry under input_dir with its size, sha256 and sidecar metadata, but no text: a file
    that could be read is `processed` here until read_batch decodes it (and may quarantine it).
    `today` (default: the system date) bounds plausible dates in sidecars. `known` (source_file,
    size_bytes, modified_at, sha256 of an earlier listing) spares reading a file whose size and
    modification time are unchanged: it keeps its known hash. With `known`, a file that is new (a
    name it lacks) or of another size is changed whatever its bytes: it is not hashed here but when its
    batch reads it (read_batch), so a first run reads each file once (sha256 null until then).

    `list_files(Path("seeds/raw"), 20_000_000)` -> 5 rows, status processed, text null.
    """
    if not input_dir.is_dir():
        raise FileNotFoundError(f"input folder {input_dir} does not exist or is not a folder")
    today = today or date.today()
    root = input_dir.resolve()
    hashes: Hashes = (
        {}
        if known is None
        else {
            (name, size, modified): sha
            for name, size, modified, sha in known.filter(pl.col("sha256").is_not_null())
            .select("source_file", "size_bytes", "modified_at", "sha256")
            .iter_rows()
        }
    )
    # One thread: the work per file is mostly Python (stat, names), so threads only fought over the
    # GIL (120,000 files: 38 s with 8 threads, 25 s with one, before the fast path below).
    sizes = None if known is None else dict(known.select("source_file", "size_bytes").iter_rows())
    rows = [_inspect(path, root, max_file_bytes, hashes, sizes) for path in _walk(root)]
    sidecars = {r["source_file"]: r for r in rows if r.pop("_sidecar", False)}
    for row in rows:
        side = sidecars.get(row["source_file"] + SIDECAR_SUFFIX)
        if side is not None and row["status"] == "processed":
            _apply_sidecar(row, side, today)
    names = {r["source_file"] for r in rows}
    for name, side in sidecars.items():
        if side["status"] == "sidecar":  # its file is missing, quarantined or skipped
            owner = name.removesuffix(SIDECAR_SUFFIX)
            side.update(
                status="skipped",
                text=None,
                reason=f"metadata sidecar of {owner}, which is not processed (see its own row)"
                if owner in names
                else f"metadata sidecar without its file ({owner} is not in the input folder)",
            )
    for side in sidecars.values():
        side.pop("_bytes", None)
    return pl.DataFrame(rows, schema=INVENTORY_SCHEMA, orient="row").sort("source_file")


def read_batch(rows: pl.DataFrame, root: Path) -> pl.DataFrame:
    """The rows with their files read and decoded: `text` and `encoding` filled, or the row
    quarantined with its reason. Only rows `processed` by list_files are read; the sha256 is of
    the bytes actually decoded (a file rewritten since it was listed keeps its new hash)."""

    def read(row: Row) -> Row:
        if row["status"] != "processed":
            return row
        try:
            data = (root / row["source_file"]).read_bytes()
        except FileNotFoundError:
            return {**row, "status": "quarantined", "reason": "disappeared before it could be read"}
        except OSError as exc:
            return {**row, "status": "quarantined", "reason": f"unreadable: {exc.strerror or exc}"}
        row = {**row, "size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        decoded = decode(data)
        if not decoded.ok or decoded.text is None:
            return {**row, "status": "quarantined", "reason": decoded.reason}
        row = {**row, "encoding": decoded.encoding, "decode_errors": decoded.errors}
        if not is_html(decoded.text):
            return {**row, "format": "text", "text": decoded.text}
        return _page_row({**row, "format": "html"}, decoded.text)

    return pl.DataFrame([read(row) for row in rows.iter_rows(named=True)], schema=INVENTORY_SCHEMA, orient="row")


def _page_row(row: Row, markup: str) -> Row:
    """A page's main text, and its metadata where the sidecar gave none; or the row quarantined."""
    try:
        page = read_page(markup)
    except PageRefused as exc:
        return {**row, "status": "quarantined", "reason": str(exc)}
    except Exception as exc:  # a parser error on one hostile page must not stop the run
        return {
            **row,
            "status": "quarantined",
            "reason": f"HTML page that could not be parsed ({type(exc).__name__}: {str(exc)[:200]})",
        }
    if not page.text:
        return {
            **row,
            "status": "quarantined",
            "reason": "HTML page without main text (only navigation, scripts or boilerplate)",
        }
    return {
        **row,
        "text": page.text,
        "meta_published_on": row["meta_published_on"] or page.published_on,
        "meta_url": row["meta_url"] or page.url,
        "meta_source": row["meta_source"] or page.site_name,
    }


def settle_sidecars(inventory: pl.DataFrame) -> pl.DataFrame:
    """Once every file is decoded: the sidecar of a file that decoding quarantined is skipped (as
    when list_files saw its file unprocessed), and only processed files keep sidecar metadata."""
    owner = pl.col("source_file").str.strip_suffix(SIDECAR_SUFFIX)
    unprocessed = inventory.filter(pl.col("status") != "processed")["source_file"]
    orphaned = pl.col("source_file").str.ends_with(SIDECAR_SUFFIX) & owner.is_in(unprocessed.implode())
    processed = pl.col("status") == "processed"
    return inventory.with_columns(
        status=pl.when(orphaned).then(pl.lit("skipped")).otherwise("status"),
        reason=pl.when(orphaned)
        .then(pl.format("metadata sidecar of {}, which is not processed (see its own row)", owner))
        .otherwise("reason"),
        **{
            column: pl.when(processed).then(column)
            for column in ("meta_published_on", "meta_url", "meta_source", "sidecar_sha256")
        },
    )


def _walk(input_dir: Path) -> Iterator[str]:
    """Every entry, depth first, sorted, as a path string (a Path per entry cost ~1.7 s of listing 120,000
    files); symlinked folders are not followed (they could loop)."""
    for dirpath, dirnames, filenames in os.walk(input_dir, followlinks=False):
        dirnames.sort()
        for name in [d for d in dirnames if _tool_folder(d)]:
            dirnames.remove(name)  # not descended into
            yield os.path.join(dirpath, name)
        for name in dirnames:
            # Symlinked folders, and folders named like files ("story.txt/"), get a row of their own.
            if os.path.islink(os.path.join(dirpath, name)) or PurePath(name).suffix:
                yield os.path.join(dirpath, name)
        for name in sorted(filenames):
            yield os.path.join(dirpath, name)


def _tool_folder(name: str) -> bool:
    return name.startswith(".") or name in TOOL_FOLDERS


def _relative(path: Path, input_dir: Path) -> str:
    rel = path.relative_to(input_dir) if path.is_relative_to(input_dir) else Path(path.name)
    # Names that are not valid UTF-8 still need a printable, stable spelling.
    return os.fsencode(rel.as_posix()).decode("utf-8", errors="backslashreplace")


def _row(source_file: str, **values: Any) -> Row:
    row = dict.fromkeys(INVENTORY_SCHEMA)
    row.update(source_file=source_file, **values)
    return row


def _inspect(
    entry: str, root: Path, max_file_bytes: int, hashes: Hashes | None = None, sizes: dict[str, int] | None = None
) -> Row:
    regular = _regular_file(entry, str(root) + os.sep, max_file_bytes, hashes or {}, sizes)
    if regular is not None:
        return regular
    path = Path(entry)
    name = _relative(path, root) if path.is_absolute() else _relative(path.absolute(), root)
    if _tool_folder(path.name) and path.is_dir() and not path.is_symlink():
        return _row(name, status="skipped", reason="hidden or tool folder: not scanned")
    if path.is_symlink():
        target = Path(os.path.realpath(path))
        if not target.exists():
            return _row(name, status="quarantined", reason=f"broken symlink (points to {os.readlink(path)})")
        if not target.is_relative_to(root):
            return _row(name, status="quarantined", reason=f"symlink points outside the input folder ({target})")
        if target.is_dir():
            return _row(name, status="skipped", reason="symlink to a folder inside the input folder (scanned there)")
    elif path.is_dir():
        return _row(name, status="skipped", reason="a folder named like a file; the files inside it are scanned")
    try:
        info = path.stat()
        if not path.is_file():
            return _row(name, status="skipped", reason="not a regular file (device, socket or pipe)")
        modified = datetime.fromtimestamp(info.st_mtime, tz=UTC)
        if info.st_size > max_file_bytes:
            return _row(
                name,
                size_bytes=info.st_size,
                modified_at=modified,
                status="quarantined",
                reason=f"too large: {info.st_size:,} bytes, over the {max_file_bytes:,}-byte limit "
                "(GREENWIRE_MAX_FILE_BYTES)",
            )
        if name.endswith(SIDECAR_SUFFIX):
            data = path.read_bytes()
        else:  # only the hash is kept: the text is read again, batch by batch
            with open(path, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
    except FileNotFoundError:
        return _row(name, status="quarantined", reason="disappeared before it could be read")
    except PermissionError:
        return _row(name, status="quarantined", reason="unreadable: permission denied")
    except IsADirectoryError:
        return _row(name, status="skipped", reason="a folder, not a file")
    except OSError as exc:
        return _row(name, status="quarantined", reason=f"unreadable: {exc.strerror or exc}")
    if name.endswith(SIDECAR_SUFFIX):
        return _sidecar_row(name, data, modified)
    base = {"size_bytes": info.st_size, "sha256": digest, "modified_at": modified}
    return _row(name, status="processed", **base)  # decoded later, one batch at a time (read_batch)


def _sidecar_row(name: str, data: bytes, modified: datetime) -> Row:
    """A metadata sidecar's row: its bytes kept for the file it describes (settle_sidecars)."""
    return _row(
        name,
        status="sidecar",
        reason=None,
        encoding="json",
        _sidecar=True,
        _bytes=data,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        modified_at=modified,
    )


def _regular_file(
    entry: str, prefix: str, max_file_bytes: int, hashes: Hashes, sizes: dict[str, int] | None = None
) -> Row | None:
    """The row of a plain file under the folder `prefix` (its absolute path and a separator) in one lstat
    (the common case, and the hot path of a 100,000-file folder); None for anything else (symlink,
    folder, tool folder, oversize, a file that cannot be stat-ed), which _inspect's general path handles.
    `sizes` (source_file -> size recorded): a file not of its recorded size is left unhashed (list_files)."""
    if not entry.startswith(prefix) or _tool_folder(entry.rpartition(os.sep)[2]):
        return None
    try:
        info = os.lstat(entry)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_file_bytes:
        return None
    name = os.fsencode(entry[len(prefix) :]).decode("utf-8", errors="backslashreplace")
    if os.sep != "/":
        name = name.replace(os.sep, "/")
    modified = datetime.fromtimestamp(info.st_mtime, tz=UTC)
    digest = None if name.endswith(SIDECAR_SUFFIX) else hashes.get((name, info.st_size, modified))
    if digest is not None or (
        sizes is not None and not name.endswith(SIDECAR_SUFFIX) and sizes.get(name) != info.st_size
    ):
        return _row(name, status="processed", size_bytes=info.st_size, sha256=digest, modified_at=modified)
    try:
        if name.endswith(SIDECAR_SUFFIX):
            with open(entry, "rb") as fh:
                return _sidecar_row(name, fh.read(), modified)
        with open(entry, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None  # vanished or unreadable since the lstat: the general path says which
    return _row(name, status="processed", size_bytes=info.st_size, sha256=digest, modified_at=modified)


def _apply_sidecar(row: Row, side: Row, today: date) -> None:
    """Fill meta_* from `<file>.meta.json` (its values win over the page's); a sidecar that fails
    its checks is quarantined with the reason and its file processed without it."""
    row["sidecar_sha256"] = side["sha256"]  # a changed sidecar changes the file's rows
    try:
        meta = sidecar.parse(side.pop("_bytes"), today)
    except sidecar.SidecarRefused as exc:
        side.update(
            status="quarantined", reason=f"invalid metadata sidecar ({row['source_file']} processed without it): {exc}"
        )
        return
    row.update(meta_published_on=meta.published_on, meta_url=meta.url, meta_source=meta.source)
    side.update(status="skipped", reason="; ".join([f"metadata sidecar of {row['source_file']}", *meta.notes]))
