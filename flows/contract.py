"""The published dataset contract v1 (../shared/CONTRACT.md) as data: table -> column -> DuckDB type.

These are the minimum columns; the marts may carry more. Tests check every publish against it.
"""
from __future__ import annotations

CONTRACT: dict[str, dict[str, str]] = {
    "documents": {
        "doc_id": "VARCHAR", "source_file": "VARCHAR", "article_index": "INTEGER", "title": "VARCHAR",
        "published_on": "DATE", "text": "VARCHAR", "is_relevant": "BOOLEAN", "duplicate_of": "VARCHAR",
    },
    "regions": {
        "region_id": "VARCHAR", "name": "VARCHAR", "level": "VARCHAR", "parent_region_id": "VARCHAR",
        "country_code": "VARCHAR", "admin_code": "VARCHAR",
    },
    "parties": {
        "party_id": "VARCHAR", "name": "VARCHAR", "party_type": "VARCHAR", "aliases": "VARCHAR[]",
        "title": "VARCHAR", "affiliation_party_id": "VARCHAR", "country_code": "VARCHAR", "region_id": "VARCHAR",
    },
    "events": {
        "event_id": "VARCHAR", "event_type": "VARCHAR", "name": "VARCHAR", "event_date": "DATE",
        "date_precision": "VARCHAR", "region_id": "VARCHAR", "num_documents": "BIGINT",
    },
    "event_parties": {"event_id": "VARCHAR", "party_id": "VARCHAR", "role": "VARCHAR"},
    "metrics": {
        "metric_id": "VARCHAR", "doc_id": "VARCHAR", "value": "DOUBLE", "unit": "VARCHAR", "classifier": "VARCHAR",
        "qualifier": "VARCHAR", "indicator": "VARCHAR", "subject_party_id": "VARCHAR",
        "subject_region_id": "VARCHAR", "event_id": "VARCHAR", "period": "VARCHAR", "raw_text": "VARCHAR",
    },
    "mentions": {
        "doc_id": "VARCHAR", "entity_kind": "VARCHAR", "entity_id": "VARCHAR", "char_start": "INTEGER",
        "char_end": "INTEGER", "evidence": "VARCHAR",
    },
}
