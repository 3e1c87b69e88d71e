"""Raw fact rows as tests write them, with each row's evidence as text, in the shape extraction hands the
warehouse: offsets on the rows and each distinct evidence once in raw.evidence (flows.steps.schema)."""

from __future__ import annotations

from typing import Any

import polars as pl

from flows.steps.schema import conform


def raw_frames(documents: list[dict[str, Any]], **facts: list[dict[str, Any]]) -> dict[str, pl.DataFrame]:
    """{"documents": ..., <table>: ..., "evidence": ...} for warehouse.replace_documents. A row's
    evidence is placed where its document's text has it around the row's span, else where the text has
    it at all, else past the end of the text (a test may cite words its text lacks); a row without
    evidence cites none."""
    texts = {d["doc_id"]: d.get("text") or "" for d in documents}
    placed: dict[tuple[str, str], tuple[int, int]] = {}
    beyond = {doc: len(text) for doc, text in texts.items()}
    frames = {"documents": conform("documents", pl.DataFrame(documents))}
    for table, rows in facts.items():
        cited = []
        for row in rows:
            row = dict(row)
            words = row.pop("evidence", None)
            if words is not None:
                doc = row["doc_id"]
                if (doc, words) not in placed:
                    placed[doc, words] = _place(texts.get(doc, ""), words, row.get("char_start"), beyond, doc)
                row["evidence_start"], row["evidence_end"] = placed[doc, words]
            cited.append(row)
        frames[table] = conform(table, pl.DataFrame(cited))
    evidence = [
        {"doc_id": doc, "evidence_start": start, "evidence_end": end, "evidence": words}
        for (doc, words), (start, end) in placed.items()
    ]
    frames["evidence"] = conform("evidence", pl.DataFrame(evidence))
    return frames


def _place(text: str, words: str, at: int | None, beyond: dict[str, int], doc: str) -> tuple[int, int]:
    starts = [i for i in range(len(text)) if text.startswith(words, i)]
    around = [i for i in starts if at is not None and i <= at < i + len(words)]
    if around or starts:
        start = (around or starts)[0]
        return start, start + len(words)
    start = beyond.get(doc, 0)
    beyond[doc] = start + len(words)
    return start, start + len(words)
