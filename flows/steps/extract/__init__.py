"""Extraction: clean articles in, per-document regions, parties, events and metrics out."""
from __future__ import annotations

import polars as pl

from flows.steps.extract.events import find_events
from flows.steps.extract.metrics import find_metrics
from flows.steps.extract.parties import find_parties
from flows.steps.extract.regions import find_regions


def extract(documents: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Every raw fact table for these documents (see flows.schema.RAW_SCHEMAS)."""
    events, event_parties = find_events(documents)
    return {
        "region_mentions": find_regions(documents),
        "party_mentions": find_parties(documents),
        "events": events,
        "event_parties": event_parties,
        "metrics": find_metrics(documents),
    }
