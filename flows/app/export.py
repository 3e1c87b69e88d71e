"""`greenwire export`: every table of one published version as CSV, an Excel workbook or Parquet.

CSV is for spreadsheets: UTF-8 with a BOM (so Excel detects the encoding) and lists joined as
`a; b`. The workbook has one sheet per table with a frozen header row. Parquet is the published
files as they are, with dictionary.json beside them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl

FORMATS = ("csv", "xlsx", "parquet")
LIST_SEPARATOR = "; "
EXCEL_CELL_LIMIT = 32_767  # characters Excel keeps in one cell


class ExportError(RuntimeError):
    """The export cannot be written: the message is for the terminal."""


def tables(version: Path) -> dict[str, Path]:
    """{table: parquet file} of a published version, in the manifest's order."""
    manifest = version / "manifest.json"
    if not manifest.exists():
        raise ExportError(f"nothing published at {version}: run `greenwire run` first")
    entries = json.loads(manifest.read_text(encoding="utf-8"))["tables"]
    return {table: version / entry["file"] for table, entry in entries.items()}


def flat_frame(parquet: Path, cell_limit: int | None = None) -> pl.DataFrame:
    """The table with every list joined as text (["天津", "津门"] -> "天津; 津门"), optionally each text cut."""
    with duckdb.connect() as con:
        relation = con.sql(f"select * from read_parquet('{parquet.as_posix()}')")
        columns = []
        for name, dtype in zip(relation.columns, relation.types):
            quoted = '"' + name.replace('"', '""') + '"'
            expression = f"array_to_string({quoted}, '{LIST_SEPARATOR}')" if str(dtype).endswith("[]") else quoted
            if cell_limit and (str(dtype) == "VARCHAR" or str(dtype).endswith("[]")):
                expression = f"left({expression}, {cell_limit})"
            columns.append(f"{expression} as {quoted}")
        frame: pl.DataFrame = relation.select(", ".join(columns)).pl()
        return frame


def export(version: Path, fmt: str, output: Path) -> list[Path]:
    """Write every table of `version`; returns the files written.

    csv and parquet: `output` is a folder (created), one <table>.csv / .parquet each;
    xlsx: `output` is the workbook, e.g. export(current, "xlsx", Path("greenwire.xlsx")).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    sources = tables(version)
    try:
        if fmt == "xlsx":
            return [_xlsx(sources, output)]
        output.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            written = [Path(shutil.copyfile(path, output / path.name)) for path in sources.values()]
            if (version / "dictionary.json").exists():
                written.append(Path(shutil.copyfile(version / "dictionary.json", output / "dictionary.json")))
            return written
        written = []
        for table, path in sources.items():
            target = output / f"{table}.csv"
            flat_frame(path).write_csv(target, include_bom=True)
            written.append(target)
        return written
    except OSError as exc:
        raise ExportError(f"cannot write {output}: {exc.strerror or exc}") from exc


def _xlsx(sources: dict[str, Path], output: Path) -> Path:
    """One sheet per table, header row frozen, columns sized to their content."""
    from xlsxwriter import Workbook

    if output.is_dir():
        raise ExportError(f"{output} is a folder: for xlsx give the workbook's file name, e.g. {output}/greenwire.xlsx")
    output.parent.mkdir(parents=True, exist_ok=True)
    with Workbook(str(output)) as workbook:
        for table, path in sources.items():
            frame = flat_frame(path, cell_limit=EXCEL_CELL_LIMIT)
            # Long text columns would make autofit columns as wide as an article: cap the width.
            frame.write_excel(
                workbook,
                worksheet=table,
                freeze_panes=(1, 0),
                autofit=True,
                autofilter=True,
                column_widths={
                    c: 60 for c, t in frame.schema.items() if t == pl.String and (frame[c].str.len_chars() > 60).any()
                },
            )
    return output
