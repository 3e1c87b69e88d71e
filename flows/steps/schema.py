"""Column schemas of the frames that extraction hands to the warehouse (DuckDB schema `raw`).

The published marts are defined by the SQL in sql/marts and described by flows/warehouse/dictionary.py;
these are the per-document facts they are built from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType  # a dtype class (pl.String) or instance (pl.List(pl.String))

SPAN: dict[str, PolarsDataType] = {
    "doc_id": pl.String,
    "char_start": pl.Int32,
    "char_end": pl.Int32,
    # The row's evidence (the sentence that holds the span): its text is the raw.evidence row of these offsets.
    "evidence_start": pl.Int32,
    "evidence_end": pl.Int32,
}

RAW_SCHEMAS: dict[str, dict[str, PolarsDataType]] = {
    "documents": {
        "doc_id": pl.String,
        "source_file": pl.String,
        "article_index": pl.Int32,
        "title": pl.String,
        "published_on": pl.Date,
        "reference_date": pl.Date,  # what relative dates resolve against; published_on or inferred
        "context_year": pl.Int32,  # the year the text is set in, for dates written without one
        "text": pl.String,
        "original_script": pl.String,
        "decode_errors": pl.Int32,  # invalid bytes of the file replaced by U+FFFD (flows.steps.decode)
        "byline": pl.String,
        "publisher": pl.String,
        "url": pl.String,
        "is_relevant": pl.Boolean,
        "topics": pl.List(pl.String),
        "signature": pl.List(pl.UInt32),  # one-permutation MinHash of character 5-grams, for near-duplicates
    },
    "region_mentions": {
        **SPAN,
        "surface": pl.String,
        "region_key": pl.String,
        "name": pl.String,
        "level": pl.String,
        "parent_key": pl.String,
        "country_code": pl.String,
        "admin_code": pl.String,
        "longitude": pl.Float64,
        "latitude": pl.Float64,
    },
    "party_mentions": {
        **SPAN,
        "surface": pl.String,
        "name": pl.String,  # canonical name within the document
        "party_type": pl.String,
        "title": pl.String,
        "affiliation": pl.String,  # canonical name of the organization a person holds `title` in
        "country_code": pl.String,
        "region_key": pl.String,
        "parent": pl.String,  # canonical name of the organization this one is a unit of
    },
    "events": {
        **SPAN,
        "event_key": pl.String,  # unique within the document
        "event_type": pl.String,
        "name": pl.String,
        "surface": pl.String,  # the text at [char_start, char_end)
        "event_date": pl.Date,
        "date_precision": pl.String,
        "region_key": pl.String,
        "subject": pl.String,  # canonical party name the event is about, if any
    },
    "event_parties": {
        "doc_id": pl.String,
        "event_key": pl.String,
        "party_name": pl.String,
        "role": pl.String,
    },
    "metrics": {
        **SPAN,
        "raw_text": pl.String,
        "value": pl.Float64,
        "unit": pl.String,
        "classifier": pl.String,
        "qualifier": pl.String,
        "indicator": pl.String,
        "subject_party": pl.String,
        "subject_region_key": pl.String,
        "event_key": pl.String,
        "period": pl.String,
    },
    # Each distinct evidence of a document once, text[evidence_start:evidence_end]: the fact rows above
    # refer to it by its offsets, and the marts join its text in (a sentence holds four mentions on average).
    "evidence": {
        "doc_id": pl.String,
        "evidence_start": pl.Int32,
        "evidence_end": pl.Int32,
        "evidence": pl.String,
    },
}

# Columns that raw tables of an older greenwire had and this one has not: dropped from a warehouse that
# still has them (its rows are extracted again anyway, the extraction code having changed).
RETIRED_COLUMNS: dict[str, tuple[str, ...]] = dict.fromkeys(
    ("region_mentions", "party_mentions", "events", "metrics"), ("evidence",)
)


def empty(table: str) -> pl.DataFrame:
    """An empty frame of a raw table: `empty("metrics").columns[0]` -> "doc_id"."""
    return pl.DataFrame(schema=RAW_SCHEMAS[table])


def conform(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with exactly the raw table's columns, in order and cast; missing columns are null."""
    schema = RAW_SCHEMAS[table]
    if frame.height == 0:
        return empty(table)
    return frame.select(
        [(pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c) for c, t in schema.items()]
    )
