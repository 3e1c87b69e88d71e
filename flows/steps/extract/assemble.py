"""The rows of one article: its regions, parties, events and metrics found by the extractors, each row
with its evidence (extract() in flows/steps/extract/__init__.py calls document() for each article).

A module of its own, not the package's __init__, so that it is compiled with the extractors
(flows/native.py): building the rows is a tenth of extraction's time.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from datetime import date
from typing import Any

from flows.steps.constants import EARLIEST_EVENT, EVIDENCE_CONTEXT, HAN
from flows.steps.extract import events as event_step
from flows.steps.extract import metrics as metric_step
from flows.steps.extract import parties as party_step
from flows.steps.extract import regions as region_step
from flows.steps.extract.dates import period
from flows.steps.extract.lexicon import Reference
from flows.steps.extract.text import Hit, Sentence, SpanIndex, sentences

BRAND_TYPES = {"enterprise", "media", "other", "research_education", "association"}
_BLOCKING_TYPES = BRAND_TYPES | {"international_org"}  # lexicon names whose places are not the news' places

# An article longer than this (in characters) is extracted in pieces of at most this size, cut at line
# breaks (else after a sentence end): names, aliases and events are then resolved within a piece, and the
# cost of one huge article stays linear in its length (docs/extraction.md, "Long articles").
PIECE_CHARS = 100_000

# Rows of the raw fact tables being built, by table (flows.steps.schema.RAW_SCHEMAS), one dict a row.
Rows = dict[str, list[dict[str, Any]]]


def document(
    doc: dict[str, Any], gazetteer: list[Hit], lexicon: list[Hit], ref: Reference, rows: Rows, latest_event: date
) -> None:
    doc_id, text = doc["doc_id"], doc["text"] or ""
    sents = sentences(text)
    entries = party_step.lexicon(ref)
    blocked = [
        (s, e, "international" if entries[w]["party_type"] == "international_org" else "brand")
        for s, e, w in lexicon
        if entries[w]["party_type"] in _BLOCKING_TYPES
    ]
    places = region_step.find(text, gazetteer, blocked, ref)
    near_places = SpanIndex(places)  # one index of each kind of mention for every step that reads them
    parties = party_step.find(text, lexicon, places, ref, near_places)
    near = SpanIndex(parties), near_places
    title = doc.get("title")
    headline_end = len(title.replace(" / ", "\n")) if title and text.startswith(title.split(" / ")[0]) else 0
    happenings = event_step.find(
        text, sents, parties, places, doc.get("reference_date"), doc.get("context_year"), headline_end, near
    )
    evidence = Evidence(sents, text)
    for m in places:
        r = m.region
        rows["region_mentions"].append(
            {
                "doc_id": doc_id,
                "char_start": m.start,
                "char_end": m.end,
                **evidence(m.start, m.end),
                "surface": m.surface,
                "region_key": r.region_key,
                "name": r.name or m.surface,
                "level": r.level,
                "parent_key": r.parent_key,
                "country_code": r.country_code,
                "admin_code": r.admin_code,
                "longitude": r.longitude,
                "latitude": r.latitude,
            }
        )
    for p in parties:
        rows["party_mentions"].append(
            {
                "doc_id": doc_id,
                "char_start": p.start,
                "char_end": p.end,
                **evidence(p.start, p.end),
                "surface": p.surface,
                "name": p.name or p.surface,
                "party_type": p.party_type,
                "title": p.title,
                "affiliation": p.affiliation if isinstance(p.affiliation, str) else None,
                "country_code": p.country_code,
                "region_key": p.region_key,
                "parent": p.parent,
            }
        )
    for ev in happenings:
        when = ev.event_date if ev.event_date and EARLIEST_EVENT <= ev.event_date <= latest_event else None
        for start, end, _surface in ev.mentions:
            rows["events"].append(
                {
                    "doc_id": doc_id,
                    "event_key": ev.key,
                    "event_type": ev.event_type,
                    "name": ev.name,
                    "surface": text[start:end],
                    "event_date": when,
                    "date_precision": ev.precision if when else "unknown",
                    "region_key": ev.region_key,
                    "subject": ev.subject,
                    "char_start": start,
                    "char_end": end,
                    **evidence(start, end),
                }
            )
        rows["event_parties"] += [
            {"doc_id": doc_id, "event_key": ev.key, "party_name": name, "role": role} for name, role in ev.parties
        ]
    rows["metrics"] += _metrics(doc_id, sents, near, happenings, doc.get("context_year"), evidence)
    rows["evidence"] += evidence.rows(doc_id)


def pieces(text: str, size: int) -> list[tuple[int, int]]:
    """[start, end) pieces of at most `size` characters, each ending after a line break where the
    window has one, else after a sentence end, else at `size`:
    pieces("甲。\n乙。\n丙。", 4) -> [(0, 3), (3, 6), (6, 8)]."""
    out, start = [], 0
    while len(text) - start > size:
        window_end = start + size
        cut = text.rfind("\n", start, window_end) + 1
        if cut <= start:
            cut = 1 + max(text.rfind(mark, start, window_end) for mark in "。！？!?；;")
        if cut <= start:
            cut = window_end
        out.append((start, cut))
        start = cut
    out.append((start, len(text)))
    return out


def long_document(
    doc: dict[str, Any],
    gazetteer: list[Hit],
    lexicon: list[Hit],
    ref: Reference,
    rows: Rows,
    latest_event: date,
    size: int,
) -> None:
    """document() over each piece of a long article, spans shifted back to the article and event keys
    numbered on across pieces (e0… of the first piece, then the next piece's, …)."""
    text, keys = doc["text"], 0
    for start, end in pieces(text, size):
        piece = {**doc, "text": text[start:end], "title": doc.get("title") if start == 0 else None}
        found: Rows = {name: [] for name in rows}
        places_in, names_in = (
            [(s - start, e - start, w) for s, e, w in hits if start <= s and e <= end] for hits in (gazetteer, lexicon)
        )
        document(piece, places_in, names_in, ref, found, latest_event)
        used = {int(r["event_key"][1:]) for r in found["events"]}
        for name, piece_rows in found.items():
            for r in piece_rows:
                for offset in _OFFSETS.intersection(r):
                    r[offset] += start
                if r.get("event_key") is not None:
                    r["event_key"] = f"e{keys + int(r['event_key'][1:])}"
            rows[name] += piece_rows
        keys += max(used, default=-1) + 1


# The columns of a row that are offsets into the text (shifted from a piece to its article).
_OFFSETS = frozenset({"char_start", "char_end", "evidence_start", "evidence_end"})


class Evidence:
    """The evidence of a document's spans: the sentence that holds a span, or the text around it when
    a span crosses sentences. A row refers to its evidence by offsets (evidence_start, evidence_end);
    the text of each distinct evidence is one row of raw.evidence (rows()), not a copy on every row
    (100,000 articles: 637,000 evidence rows for 2.66 million mentions, 123 MB of text against 602)."""

    def __init__(self, sents: list[Sentence], text: str) -> None:
        self.sents, self.text = sents, text
        self.starts = [s.start for s in sents]  # disjoint and in order: the last one starting at or before
        self.used: dict[tuple[int, int], str] = {}

    def __call__(self, start: int, end: int) -> dict[str, int]:
        """The evidence columns of a row spanning [start, end)."""
        i = bisect_right(self.starts, start) - 1
        if i >= 0 and self.sents[i].start <= start and end <= self.sents[i].end:
            return self.of(self.sents[i])
        low, high = max(0, start - EVIDENCE_CONTEXT), min(len(self.text), end + EVIDENCE_CONTEXT)
        self.used.setdefault((low, high), self.text[low:high])
        return {"evidence_start": low, "evidence_end": high}

    def of(self, sentence: Sentence) -> dict[str, int]:
        """The evidence columns of a row whose evidence is this sentence."""
        self.used.setdefault((sentence.start, sentence.end), sentence.text)
        return {"evidence_start": sentence.start, "evidence_end": sentence.end}

    def rows(self, doc_id: str) -> list[dict[str, Any]]:
        """raw.evidence rows: each evidence given so far, in the order first given."""
        return [
            {"doc_id": doc_id, "evidence_start": a, "evidence_end": b, "evidence": words}
            for (a, b), words in self.used.items()
        ]


def _metrics(
    doc_id: str,
    sents: list[Sentence],
    near: tuple[SpanIndex[party_step.PartyMention], SpanIndex[region_step.RegionMention]],
    happenings: list[event_step.Event],
    year: int | None,
    evidence: Evidence,
) -> list[dict[str, Any]]:
    """Metric rows of one document; `near`: SpanIndexes of its parties and its places."""
    out = []
    starts = [s.start for s in sents]
    first_event: dict[int, event_step.Event] = {}  # sentence index -> the first event (in order) mentioned in it
    for e in happenings:
        for a, _, _ in e.mentions:
            i = bisect_right(starts, a) - 1
            if i >= 0 and a < sents[i].end:
                first_event.setdefault(i, e)
    for i, s in enumerate(sents):
        found_here = metric_step.find(s.text)
        if found_here:
            in_parties, in_places = near[0].touching(s.start, s.end), near[1].touching(s.start, s.end)
        for found in found_here:
            start, end = s.start + found["start"], s.start + found["end"]
            subject = _subject(start, s, in_parties, in_places)
            event = first_event.get(i)
            out.append(
                {
                    "doc_id": doc_id,
                    "char_start": start,
                    "char_end": end,
                    **evidence.of(s),
                    "raw_text": found["raw_text"],
                    "value": found["value"],
                    "unit": found["unit"],
                    "classifier": found["classifier"],
                    "qualifier": found["qualifier"],
                    "indicator": indicator(s.text, found["start"], found["end"], found["unit"]),
                    "subject_party": subject.name if isinstance(subject, party_step.PartyMention) else None,
                    "subject_region_key": subject.region.region_key
                    if isinstance(subject, region_step.RegionMention)
                    else None,
                    "event_key": event.key if event else None,
                    "period": period(s.text[: found["end"]], year),
                }
            )
    return out


def _subject(
    at: int, s: Sentence, parties: list[party_step.PartyMention], places: list[region_step.RegionMention]
) -> party_step.PartyMention | region_step.RegionMention | None:
    """Whose figure it is: the nearest organization or place named before it in the sentence."""
    before: list[party_step.PartyMention | region_step.RegionMention] = [
        p for p in parties if s.start <= p.start and p.end <= at and p.party_type != "person"
    ]
    before += [r for r in places if s.start <= r.start and r.end <= at]
    return max(before, key=lambda x: x.end) if before else None


_LEAD = re.compile(r"^(?:\d{4}年(?:\d{1,2}[—\-至到]?\d{0,2}月)?|今年|去年|截至\S{0,6}年|其中|目前|同时|此外)?[,，]?")
_WORDS_AFTER = re.compile(rf"[{HAN}A-Za-z]{{1,10}}")
_COUNT_NOUN_END = re.compile("(?:的|在|于|和|与|注册|落户)")
_CLAUSE_MARKS = ",，;；。、"
_TRAIL = re.compile(r"(?:达到|达|为|是|约|近|超过|超|突破|共有|共|有|已|新增|累计|总计|合计|完成|实现|增加|较|比)+\Z")


def indicator(sentence: str, start: int, end: int, unit: str) -> str | None:
    """What a figure measures, in a few words of its sentence: "生产总值达到8.6万亿元" -> 生产总值."""
    if unit == "count":
        after = _WORDS_AFTER.match(sentence, end)
        if after:
            return _COUNT_NOUN_END.split(after.group())[0] or None
    # The clause before the figure: after the last break before it (found from the right, not by splitting).
    clause = sentence[max(sentence.rfind(mark, 0, start) for mark in _CLAUSE_MARKS) + 1 : start]
    clause = _TRAIL.sub("", _LEAD.sub("", clause))
    if unit == "percent" and clause.endswith(("增长", "下降", "提高", "降低", "增加", "减少")):
        clause += "幅度"
    return clause[-12:] or None
