"""Events (v0): a trigger word in a sentence makes an event of the trigger's type."""
from __future__ import annotations

import re
from datetime import date

import polars as pl

from flows.schema import conform
from flows.steps.extract.text import sentences

TRIGGERS = {
    "press_conference": ["新闻发布会"],
    "signing": ["签署", "签订", "签约"],
    "forum_conference": ["论坛", "大会", "会议", "峰会", "推介会"],
    "launch": ["揭牌", "成立", "启动", "落户"],
    "release": ["发布"],
    "exhibition": ["展会", "展示会", "成就展", "博览会"],
    "approval": ["批复", "批准", "认定"],
    "visit": ["调研", "考察"],
}
_DATE = re.compile(r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日")


def find_events(documents: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events and their parties: "9月18日,论坛在天津举办" -> forum_conference on 09-18."""
    rows = []
    for doc_id, text, published in documents.select("doc_id", "text", "reference_date").iter_rows():
        for sent in sentences(text):
            for event_type, words in TRIGGERS.items():
                hit = next((w for w in words if w in sent.text), None)
                if hit is None:
                    continue
                at = sent.text.index(hit)
                raw = sent.text[max(0, at - 20):at + len(hit)]
                name = raw.lstrip("，,。；;、 ")
                start = sent.start + max(0, at - 20) + len(raw) - len(name)
                event_date, precision = _date_in(sent.text, published)
                rows.append({"doc_id": doc_id, "event_key": str(sent.start), "event_type": event_type,
                             "name": name, "event_date": event_date, "date_precision": precision,
                             "char_start": start, "char_end": start + len(name), "evidence": sent.text})
                break
    return conform("events", pl.DataFrame(rows)), conform("event_parties", pl.DataFrame())


def _date_in(sentence: str, reference: date | None) -> tuple[date | None, str]:
    m = _DATE.search(sentence)
    if not m:
        return None, "unknown"
    year = int(m["y"]) if m["y"] else (reference.year if reference else None)
    if year is None:
        return None, "unknown"
    try:
        return date(year, int(m["m"]), int(m["d"])), "day"
    except ValueError:
        return None, "unknown"
