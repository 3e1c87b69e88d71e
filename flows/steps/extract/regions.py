"""Regions: gazetteer names found in the text (v0: full names, short names of provinces and prefectures)."""
from __future__ import annotations

from functools import lru_cache

import polars as pl

from flows.reference import countries, divisions
from flows.schema import conform
from flows.steps.extract.text import char_offsets, sentences


@lru_cache(maxsize=1)
def lexicon() -> pl.DataFrame:
    """surface -> region attributes, longest surface first (the matcher takes the first that fits)."""
    div = divisions().with_columns(
        region_key="CN-" + pl.col("admin_code"),
        parent_key=pl.when(pl.col("parent_code").fill_null("") == "").then(pl.lit("ISO-CN"))
        .otherwise("CN-" + pl.col("parent_code")),
        country_code=pl.lit("CN"),
        longitude=pl.col("longitude").cast(pl.Float64, strict=False),
        latitude=pl.col("latitude").cast(pl.Float64, strict=False),
    )
    attrs = ["region_key", "name", "level", "parent_key", "country_code", "admin_code", "longitude", "latitude"]
    full = div.select(pl.col("name").alias("surface"), *attrs)
    short = div.filter(pl.col("level").is_in(["province", "prefecture"]) & (pl.col("short_name").str.len_chars() >= 2))
    short = short.select(pl.col("short_name").alias("surface"), *attrs)
    ctry = countries().with_columns(
        region_key="ISO-" + pl.col("iso2"), name=pl.col("name_zh"), level=pl.lit("country"),
        parent_key=pl.lit(None, pl.String), country_code=pl.col("iso2"), admin_code=pl.lit(None, pl.String),
        longitude=pl.lit(None, pl.Float64), latitude=pl.lit(None, pl.Float64),
    )
    ctry_names = pl.concat([
        ctry.select(pl.col("name_zh").alias("surface"), *attrs),
        ctry.explode("aliases").filter(pl.col("aliases").is_not_null())
        .select(pl.col("aliases").alias("surface"), *attrs),
    ])
    lex = pl.concat([full, short, ctry_names]).filter(pl.col("surface").str.len_chars() >= 2)
    # A surface shared by several regions (two counties both called 东区) is ambiguous: left out.
    lex = lex.filter(pl.col("region_key").n_unique().over("surface") == 1).unique("surface")
    return lex.sort(pl.col("surface").str.len_chars(), "surface", descending=[True, False])


def find_regions(documents: pl.DataFrame) -> pl.DataFrame:
    """Region mentions with offsets: "在天津市举行" -> one mention of 天津市 (CN-120000) at 1..4."""
    lex = lexicon()
    surfaces = lex["surface"].to_list()
    hits = documents.select(
        "doc_id", "text",
        starts=pl.col("text").str.find_many(surfaces, leftmost=True),
        found=pl.col("text").str.extract_many(surfaces, leftmost=True),
    )
    by_surface = {row["surface"]: row for row in lex.iter_rows(named=True)}
    rows = []
    for doc_id, text, starts, found in hits.iter_rows():
        sents = sentences(text)
        for start, surface in zip(char_offsets(text, starts), found):
            end = start + len(surface)
            evidence = next((s.text for s in sents if s.start <= start and end <= s.end), text[start:end])
            rows.append({**by_surface[surface], "doc_id": doc_id, "char_start": start, "char_end": end,
                         "surface": surface, "evidence": evidence})
    return conform("region_mentions", pl.DataFrame(rows))
