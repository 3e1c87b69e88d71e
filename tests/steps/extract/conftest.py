"""Fixtures for extractor tests: the real reference tables and a one-call extractor."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from flows.reference import load_all
from flows.steps.extract import extract

TODAY = date(2026, 12, 1)  # a fixed day: which event dates are kept must not depend on when the tests run


@pytest.fixture(scope="session")
def ref():
    return load_all()


@pytest.fixture(scope="session")
def run(ref):
    """run(text, reference=None, year=None) -> the raw fact frames for one document."""

    def _run(text: str, reference: date | None = None, year: int | None = None) -> dict[str, pl.DataFrame]:
        docs = pl.DataFrame(
            {"doc_id": ["d"], "text": [text], "reference_date": [reference], "context_year": [year]},
            schema_overrides={"reference_date": pl.Date, "context_year": pl.Int32},
        )
        return extract(docs, ref, TODAY)

    return _run
