"""Loaders for the hand-compiled lexicons in seeds/reference (see LEXICONS.md there)."""

from __future__ import annotations

from functools import cache

import polars as pl

from flows.settings import REFERENCE_DIR


def _read(name: str) -> pl.DataFrame:
    # All text, blanks kept as "": an empty country_code or rank means "none", not a missing value to guess.
    return pl.read_csv(REFERENCE_DIR / name, infer_schema=False, empty_string_is_null=False)


@cache
def organizations() -> pl.DataFrame:
    """Organizations with aliases as list[str], e.g. the row named 工业和信息化部 has "工信部" in aliases."""
    return _read("organizations.csv").with_columns(
        pl.col("aliases").str.split(";").list.eval(pl.element().filter(pl.element() != "")),
    )


@cache
def surnames() -> pl.DataFrame:
    """Chinese surnames with a nullable Int32 rank, e.g. 王 has rank 1 and 欧阳 has is_compound True."""
    return _read("surnames.csv").with_columns(
        pl.col("is_compound") == "true",
        pl.when(pl.col("rank") != "").then(pl.col("rank")).cast(pl.Int32),
    )


@cache
def titles() -> pl.DataFrame:
    """Job titles as written in news with their kind, e.g. ("党委书记", "party")."""
    return _read("titles.csv")
