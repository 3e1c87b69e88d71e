"""The published contract v1 as {table: {column: DuckDB type}}, derived from flows/warehouse/dictionary.py.

These are the minimum columns, never renamed or dropped; the marts carry more (all in the dictionary).
"""

from __future__ import annotations

from flows.warehouse.dictionary import contract

CONTRACT: dict[str, dict[str, str]] = contract()
