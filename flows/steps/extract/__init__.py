"""Extraction: clean articles in, per-document regions, parties, events and metrics out, each with its evidence.

How each extractor works and its limits: docs/extraction.md. Gazetteer and lexicon matching
run vectorized over all documents at once (Polars `str.find_many`, Aho-Corasick); the
decisions that depend on neighbouring words run per document in Python.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import polars as pl

from flows.schema import RAW_SCHEMAS, conform
from flows.steps.extract import events as event_step
from flows.steps.extract import metrics as metric_step
from flows.steps.extract import parties as party_step
from flows.steps.extract import regions as region_step
from flows.steps.extract.dates import period
from flows.steps.extract.lexicon import HAN, Reference
from flows.steps.extract.text import Sentence, sentences

# An event is dated between 1900 and five years from today (plans announce events a few years
# ahead); a date outside is a misread or garbled number and is dropped (expectations/events.json
# checks the same window).
EARLIEST_EVENT = date(1900, 1, 1)
EVENT_HORIZON = timedelta(days=5 * 365)

BRAND_TYPES = {"enterprise", "media", "other", "research_education", "association"}


def extract(documents: pl.DataFrame, ref: Reference, today: date | None = None) -> dict[str, pl.DataFrame]:
    """Every raw fact table for these documents (see flows.schema.RAW_SCHEMAS); `today`
    (default: the system date) bounds plausible event dates."""
    latest_event = (today or date.today()) + EVENT_HORIZON
    rows: dict[str, list[dict]] = {"region_mentions": [], "party_mentions": [], "events": [], "event_parties": [],
                                   "metrics": []}
    if documents.height:
        gazetteer = region_step.gazetteer_hits(documents, ref)
        lexicon = party_step.lexicon_hits(documents, ref)
        for doc in documents.iter_rows(named=True):
            _document(doc, gazetteer.get(doc["doc_id"], []), lexicon.get(doc["doc_id"], []), ref, rows, latest_event)
    # Typed by RAW_SCHEMAS, not inferred: a column that is null in the first rows is still a date.
    return {name: conform(name, pl.DataFrame(found, schema=RAW_SCHEMAS[name]) if found else pl.DataFrame())
            for name, found in rows.items()}


def _document(doc: dict, gazetteer: list, lexicon: list, ref: Reference, rows: dict[str, list[dict]],
              latest_event: date) -> None:
    doc_id, text = doc["doc_id"], doc["text"] or ""
    sents = sentences(text)
    entries = party_step.lexicon(ref)
    blocked = [(s, e, "international" if entries[w]["party_type"] == "international_org" else "brand")
               for s, e, w in lexicon if entries[w]["party_type"] in BRAND_TYPES | {"international_org"}]
    places = region_step.find(text, gazetteer, blocked, ref)
    parties = party_step.find(text, lexicon, places, ref)
    title = doc.get("title")
    headline_end = len(title.replace(" / ", "\n")) if title and text.startswith(title.split(" / ")[0]) else 0
    happenings = event_step.find(text, sents, parties, places, doc.get("reference_date"), doc.get("context_year"),
                                 headline_end)
    evidence = _evidence(sents, text)
    for m in places:
        r = m.region
        rows["region_mentions"].append({
            "doc_id": doc_id, "char_start": m.start, "char_end": m.end, "evidence": evidence(m.start, m.end),
            "surface": m.surface, "region_key": r.region_key, "name": r.name or m.surface, "level": r.level,
            "parent_key": r.parent_key, "country_code": r.country_code, "admin_code": r.admin_code,
            "longitude": r.longitude, "latitude": r.latitude,
        })
    for p in parties:
        rows["party_mentions"].append({
            "doc_id": doc_id, "char_start": p.start, "char_end": p.end, "evidence": evidence(p.start, p.end),
            "surface": p.surface, "name": p.name or p.surface, "party_type": p.party_type, "title": p.title,
            "affiliation": p.affiliation if isinstance(p.affiliation, str) else None,
            "country_code": p.country_code, "region_key": p.region_key, "parent": p.parent,
        })
    for ev in happenings:
        when = ev.event_date if ev.event_date and EARLIEST_EVENT <= ev.event_date <= latest_event else None
        for start, end, surface in ev.mentions:
            rows["events"].append({
                "doc_id": doc_id, "event_key": ev.key, "event_type": ev.event_type, "name": ev.name,
                "surface": text[start:end],
                "event_date": when, "date_precision": ev.precision if when else "unknown",
                "region_key": ev.region_key, "subject": ev.subject, "char_start": start, "char_end": end,
                "evidence": evidence(start, end),
            })
        rows["event_parties"] += [{"doc_id": doc_id, "event_key": ev.key, "party_name": name, "role": role}
                                  for name, role in ev.parties]
    rows["metrics"] += _metrics(doc_id, sents, parties, places, happenings, doc.get("context_year"))


def _evidence(sents: list[Sentence], text: str):
    """The sentence that holds a span (or the text around it when a span crosses sentences)."""
    def of(start: int, end: int) -> str:
        for s in sents:
            if s.start <= start and end <= s.end:
                return s.text
        return text[max(0, start - 40):end + 40]
    return of


def _metrics(doc_id, sents, parties, places, happenings, year) -> list[dict]:
    out = []
    for s in sents:
        for found in metric_step.find(s.text):
            start, end = s.start + found["start"], s.start + found["end"]
            subject = _subject(start, s, parties, places)
            event = next((e for e in happenings if any(s.start <= a < s.end for a, _, _ in e.mentions)), None)
            out.append({
                "doc_id": doc_id, "char_start": start, "char_end": end, "evidence": s.text,
                "raw_text": found["raw_text"], "value": found["value"], "unit": found["unit"],
                "classifier": found["classifier"], "qualifier": found["qualifier"],
                "indicator": indicator(s.text, found["start"], found["end"], found["unit"]),
                "subject_party": subject.name if isinstance(subject, party_step.PartyMention) else None,
                "subject_region_key": subject.region.region_key if isinstance(subject, region_step.RegionMention)
                else None,
                "event_key": event.key if event else None,
                "period": period(s.text[:found["end"]], year),
            })
    return out


def _subject(at: int, s: Sentence, parties, places):
    """Whose figure it is: the nearest organization or place named before it in the sentence."""
    before = [p for p in parties if s.start <= p.start and p.end <= at and p.party_type != "person"]
    before += [r for r in places if s.start <= r.start and r.end <= at]
    return max(before, key=lambda x: x.end) if before else None


_LEAD = re.compile(r"^(?:\d{4}年(?:\d{1,2}[—\-至到]?\d{0,2}月)?|今年|去年|截至\S{0,6}年|其中|目前|同时|此外)?[,，]?")
_TRAIL = re.compile(r"(?:达到|达|为|是|约|近|超过|超|突破|共有|共|有|已|新增|累计|总计|合计|完成|实现|增加|较|比)+\Z")


def indicator(sentence: str, start: int, end: int, unit: str) -> str | None:
    """What a figure measures, in a few words of its sentence: "生产总值达到8.6万亿元" -> 生产总值."""
    if unit == "count":
        after = re.match(rf"[{HAN}A-Za-z]{{1,10}}", sentence[end:])
        if after:
            return re.split("(?:的|在|于|和|与|注册|落户)", after.group())[0] or None
    clause = re.split(r"[,，;；。、]", sentence[:start])[-1]
    clause = _TRAIL.sub("", _LEAD.sub("", clause))
    if unit == "percent" and clause.endswith(("增长", "下降", "提高", "降低", "增加", "减少")):
        clause += "幅度"
    return clause[-12:] or None


def extract_parallel(documents: pl.DataFrame, ref_loader, workers: int) -> dict[str, pl.DataFrame]:
    """extract() over chunks of documents in `workers` processes (the per-document rules are
    pure-Python CPU work, so threads would not help); results concatenated in input order."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    if workers <= 1 or documents.height < 2 * workers:
        return extract(documents, ref_loader())
    size = -(-documents.height // workers)
    chunks = [documents.slice(i, size) for i in range(0, documents.height, size)]
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        parts = list(pool.map(_extract_chunk, chunks, [ref_loader] * len(chunks)))
    return {name: pl.concat([p[name] for p in parts]) for name in parts[0]}


def _extract_chunk(documents: pl.DataFrame, ref_loader) -> dict[str, pl.DataFrame]:
    return extract(documents, ref_loader())
