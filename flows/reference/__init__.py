"""Region gazetteer loaders for seeds/reference (rebuilt by tools.build_reference; lexicons are in .lexicons)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import polars as pl

from flows.settings import REFERENCE_DIR

if TYPE_CHECKING:
    from flows.steps.extract.lexicon import Reference


def _read(name: str, floats: tuple[str, ...] = ()) -> pl.DataFrame:
    # Everything is read as text so codes such as 010000 or "001" keep their leading zeros.
    frame = pl.read_csv(REFERENCE_DIR / name, infer_schema=False)
    return frame.with_columns(pl.col(c).cast(pl.Float64) for c in floats)


@lru_cache(maxsize=1)
def divisions() -> pl.DataFrame:
    """Chinese divisions down to county level, e.g. the row with admin_code "320500" is 苏州市, short_name 苏州."""
    return _read("cn_divisions.csv", floats=("longitude", "latitude"))


@lru_cache(maxsize=1)
def countries() -> pl.DataFrame:
    """ISO 3166-1 countries, aliases as list[str], e.g. the KZ row has name_zh 哈萨克斯坦 and "哈萨克" in aliases."""
    return _read("countries.csv").with_columns(
        pl.col("aliases").fill_null("").str.split(";").list.eval(pl.element().filter(pl.element() != ""))
    )


@lru_cache(maxsize=1)
def foreign_subdivisions() -> pl.DataFrame:
    """First-level subdivisions of foreign countries, e.g. the row with code "US-CA" is 加利福尼亚州."""
    return _read("foreign_subdivisions.csv")


@lru_cache(maxsize=1)
def known_names() -> tuple[str, ...]:
    """Every place and organization name the reference tables know, e.g. "滨海新区" and "工信部"."""
    from flows.reference.lexicons import organizations

    div = divisions()
    ctry = countries()
    orgs = organizations()
    names = [
        *div["name"],
        *div["short_name"].drop_nulls(),
        *ctry["name_zh"],
        *ctry["aliases"].explode().drop_nulls(),
        *orgs["name"],
        *orgs["aliases"].explode().drop_nulls(),
    ]
    return tuple(sorted(set(names)))


@lru_cache(maxsize=1)
def load_all() -> Reference:
    """Every reference table, bundled for the pure extraction steps (flows.steps.extract.lexicon)."""
    from flows.reference.lexicons import organizations, surnames, titles
    from flows.steps.extract.lexicon import Reference

    return Reference(
        divisions=divisions(),
        countries=countries(),
        subdivisions=foreign_subdivisions(),
        organizations=organizations(),
        surnames=surnames(),
        titles=titles(),
    )
