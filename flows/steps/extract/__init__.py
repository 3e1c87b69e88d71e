"""Extraction: clean articles in, per-document regions, parties, events and metrics out, each with its evidence.

How each extractor works and its limits: docs/extraction.md. Gazetteer and lexicon matching
run for the whole batch first (an Aho-Corasick automaton per list of names, text.find_all); the
decisions that depend on neighbouring words run per document in Python (the rows of one
article: flows/steps/extract/assemble.py).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from flows.steps.constants import EVENT_HORIZON
from flows.steps.extract import parties as party_step
from flows.steps.extract import regions as region_step
from flows.steps.extract.assemble import PIECE_CHARS, Evidence, Rows, document, long_document, pieces
from flows.steps.extract.lexicon import Reference
from flows.steps.schema import RAW_SCHEMAS, conform

__all__ = ["PIECE_CHARS", "Evidence", "extract", "pieces"]


def extract(
    documents: pl.DataFrame, ref: Reference, today: date, piece_chars: int = PIECE_CHARS
) -> dict[str, pl.DataFrame]:
    """Every raw fact table for these documents (see flows.steps.schema.RAW_SCHEMAS); `today` (the
    caller's, a step reads no clock) bounds plausible event dates; articles over `piece_chars`
    characters are extracted piece by piece (see PIECE_CHARS)."""
    latest_event = today + EVENT_HORIZON
    rows: Rows = {name: [] for name in RAW_SCHEMAS if name != "documents"}
    if documents.height:
        gazetteer = region_step.gazetteer_hits(documents, ref)
        lexicon = party_step.lexicon_hits(documents, ref)
        for doc in documents.iter_rows(named=True):
            hits = gazetteer.get(doc["doc_id"], []), lexicon.get(doc["doc_id"], [])
            if len(doc["text"] or "") > piece_chars:
                long_document(doc, *hits, ref, rows, latest_event, piece_chars)
            else:
                document(doc, *hits, ref, rows, latest_event)
    # Typed by RAW_SCHEMAS, not inferred: a column that is null in the first rows is still a date.
    return {
        name: conform(name, pl.DataFrame(found, schema=RAW_SCHEMAS[name]) if found else pl.DataFrame())
        for name, found in rows.items()
    }
