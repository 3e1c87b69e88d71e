"""Raw decoded files to clean article text: normalized, Simplified, junk lines dropped.

Every function here is pure: a Polars frame in, a new frame out.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from datetime import date

import numpy as np
import opencc
import polars as pl

from flows.steps import articles, codepoints
from flows.steps.constants import COMMON_HAN, EARLIEST_PUBLISHED, PUBLISHED_MARGIN
from flows.steps.dedup import signatures
from flows.steps.relevance import relevance
from flows.steps.schema import conform

_T2S = opencc.OpenCC("t2s")

# Full-width ASCII letters and digits (and the signs that live inside numbers) become
# ASCII; Chinese punctuation (，。：；（）“”) is kept as written.
_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH |= {chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)}  # Ａ-Ｚ
_FULLWIDTH |= {chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)}  # ａ-ｚ
_FULLWIDTH |= {
    "％": "%",
    "．": ".",
    "＋": "+",
    "－": "-",
    "＝": "=",
    "＠": "@",
    "＃": "#",
    "\u3000": " ",
    "\u00a0": " ",
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\ufeff": "",
}

TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_SYLLABLE = rf"[a-zü]*[{TONE_VOWELS}][a-zü]*"
# `發(fā)`: a tone-marked pinyin syllable in brackets right after the character it reads.
PINYIN_ANNOTATION = rf"[(（]{_SYLLABLE}(?:\s{_SYLLABLE})*[)）]"
# `?yàn)I` / `?dòng)浾?`: the annotation's bracket and its character were lost as `?`,
# leaving a pinyin tail and at most a stray letter or a character plus a second `?`.
GARBLED_PINYIN = rf"[?？]{_SYLLABLE}[)）](?:[A-Za-z]([{COMMON_HAN}])|[^\s?？]?[?？])?"
LOST_CHAR = "\ufffd"


def normalize(text: pl.Expr) -> pl.Expr:
    """Line breaks unified, full-width letters/digits to ASCII, zero-width marks gone, NFC."""
    return (
        text.str.replace_all("\r\n?", "\n")
        .str.replace_many(list(_FULLWIDTH), list(_FULLWIDTH.values()))
        .str.normalize("NFC")
    )


def strip_pinyin(text: pl.Expr) -> pl.Expr:
    """`"發(fā)展"` -> `"發展"`; a garbled annotation leaves one LOST_CHAR marker for repair."""
    return text.str.replace_all(PINYIN_ANNOTATION, "").str.replace_all(GARBLED_PINYIN, LOST_CHAR + "${1}")


def to_simplified(text: pl.Expr) -> pl.Expr:
    """OpenCC t2s over a column: `"綠色發展"` -> `"绿色发展"`."""
    return text.map_batches(
        lambda s: s.map_elements(_T2S.convert, return_dtype=pl.String, skip_nulls=True),
        return_dtype=pl.String,
    )


def _traditional_chars() -> str:
    """Every Unified Ideograph that t2s changes (its Traditional-only forms), as one string."""
    chars = (chr(c) for c in range(0x4E00, 0xA000))
    return "".join(ch for ch in chars if _T2S.convert(ch) != ch)


# Per code point up to the end of the Unified Ideographs (COMMON_HAN): 1 for a Chinese character, 2 for
# one that t2s changes (a Traditional-only form), 0 for anything else; the last entry (0) stands for every
# code point past the block.
_HAN_KIND = np.zeros(0xA001, dtype=np.int8)
_HAN_KIND[0x4E00:0xA000] = 1
_HAN_KIND[[ord(ch) for ch in _traditional_chars()]] = 2


def script_of(original: pl.Expr) -> pl.Expr:
    """`traditional` when over 5% of the Chinese characters are Traditional-only, `mixed` when any are."""
    return original.map_batches(_scripts, return_dtype=pl.String)


def _scripts(texts: pl.Series) -> pl.Series:
    """script_of over a column, counting code points in arrays (two regex counts of these character
    classes were 0.04 s of CPU in each batch of 2,000 files, 0.01 s this way); a null text is simplified."""
    lengths = texts.str.len_chars().fill_null(0).to_numpy().astype(np.int64)
    han = np.zeros(len(lengths), dtype=np.int64)
    traditional = np.zeros(len(lengths), dtype=np.int64)
    for first, last, points in codepoints.chunks(texts.fill_null("").to_list(), lengths):
        kind = _HAN_KIND[np.minimum(points, _HAN_KIND.size - 1)]
        ends = np.cumsum(lengths[first:last])
        for counts, counted in ((han, kind > 0), (traditional, kind == 2)):
            running = np.concatenate([[0], np.cumsum(counted)])
            counts[first:last] = running[ends] - running[ends - lengths[first:last]]
    share = traditional / np.maximum(han, 1)
    return pl.Series(np.where(share > 0.05, "traditional", np.where(share > 0, "mixed", "simplified")), dtype=pl.String)


def fill_index(names: list[str], context: int = 3) -> dict[tuple[str, str], set[str]]:
    """(left, right) -> the characters that complete a known name between them.

    `fill_index(["临江新区"])[("", "江新区")]` -> {"临"}. Only names of 4+ characters, so at
    least `context` known characters surround the gap.
    """
    index: dict[tuple[str, str], set[str]] = {}
    for name in names:
        if len(name) <= context:
            continue
        for i, ch in enumerate(name):
            index.setdefault((name[:i], name[i + 1 :]), set()).add(ch)
    return index


def repair_lost(text: str, index: dict[tuple[str, str], set[str]], reach: int = 6) -> str:
    """Put back a character lost in a garbled annotation when a known name fixes it, else drop the gap.

    `repair_lost("江南\ufffd江新区", fill_index(["临江新区"]))` -> "江南临江新区".
    """
    out, pos = [], 0
    while (gap := text.find(LOST_CHAR, pos)) != -1:
        left, right = text[max(0, gap - reach) : gap], text[gap + 1 : gap + 1 + reach]
        best: tuple[int, set[str]] = (0, set())
        for k in range(len(left) + 1):
            for m in range(len(right) + 1):
                chars = index.get((left[len(left) - k :], right[:m]))
                if chars and k + m > best[0]:
                    best = (k + m, chars)
                elif chars and k + m == best[0]:
                    best = (k + m, best[1] | chars)
        out.append(text[pos:gap])
        if len(best[1]) == 1:
            out.append(next(iter(best[1])))
        pos = gap + 1
    out.append(text[pos:])
    return "".join(out)


@functools.lru_cache(maxsize=2)
def _fill_index_of(names: tuple[str, ...]) -> dict[tuple[str, str], set[str]]:
    """fill_index, built once per set of names (a run cleans every batch with the same ~20,000 names:
    rebuilding the index took 0.3-0.5 s a batch)."""
    return fill_index(list(names))


def lines_of(files: pl.DataFrame, names: list[str] | None = None) -> pl.DataFrame:
    """One row per line of every processed file: cleaned text (`line`), `kind` and layout flags."""
    index = _fill_index_of(tuple(names or ()))
    cleaned = files.select(
        "source_file",
        "meta_published_on",
        "meta_url",
        "meta_source",
        original_script=script_of(pl.col("text")),
        text=to_simplified(strip_pinyin(normalize(pl.col("text")))),
    ).with_columns(
        text=pl.when(pl.col("text").str.contains(LOST_CHAR, literal=True))
        .then(pl.col("text").map_elements(lambda t: repair_lost(t, index), return_dtype=pl.String))
        .otherwise(pl.col("text"))
    )
    lines = (
        cleaned.with_columns(line=pl.col("text").str.split("\n"))
        .drop("text")
        .explode("line")
        .with_columns(line_no=pl.int_range(pl.len()).over("source_file"), line=pl.col("line").str.strip_chars())
    )
    return articles.classify(lines)


def _doc_id(source_file: str, article_index: int) -> str:
    return "d" + hashlib.sha256(f"{source_file}#{article_index}".encode()).hexdigest()[:15]


def articles_of(lines: pl.DataFrame) -> pl.DataFrame:
    """Classified lines -> one row per article, with title, byline, publisher and dates."""
    rows = []
    # Files in order of first appearance, each one's lines in order: one conversion to Python for all
    # files (iterating a group_by costs a gather per file, more than segmenting the file itself).
    ordered = (
        lines.with_row_index("_row")
        .with_columns(_first_row=pl.col("_row").min().over("source_file"))
        .sort("_first_row", "line_no")
        .drop("_row", "_first_row")
    )
    for source_file, group in itertools.groupby(ordered.to_dicts(), key=lambda record: record["source_file"]):
        records = _with_gaps(list(group))
        first = records[0]
        found, meta = articles.segment(records)
        stamp = re.search(articles.STAMP, meta.get("stamp") or meta.get("front_date", ""))
        credit = re.search(articles.AUTHOR, meta.get("stamp", ""))
        author = credit.group(1) if credit else meta.get("front_author")
        for index, article in enumerate(found):
            rows.append(
                {
                    "doc_id": _doc_id(source_file, index),
                    "source_file": source_file,
                    "article_index": index,
                    "title": article.title or (meta.get("front_title") if index == 0 else None),
                    "published_on": first["meta_published_on"] or (_date(*stamp.groups()) if stamp else None),
                    "text": article.text,
                    "original_script": first["original_script"],
                    "byline": "; ".join(dict.fromkeys(article.bylines)) or author,
                    "publisher": first["meta_source"]
                    or article.publisher
                    or meta.get("masthead")
                    or meta.get("source"),
                    "url": first["meta_url"],
                }
            )
    schema = {
        "doc_id": pl.String,
        "source_file": pl.String,
        "article_index": pl.Int32,
        "title": pl.String,
        "published_on": pl.Date,
        "text": pl.String,
        "original_script": pl.String,
        "byline": pl.String,
        "publisher": pl.String,
        "url": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _with_gaps(records: list[articles.Line]) -> list[articles.Line]:
    """Each line with `gap_before`: how many blank lines precede it (a layout signal)."""
    gap = 0
    for record in records:
        record["gap_before"] = gap
        gap = gap + 1 if record["kind"] == "blank" else 0
    return records


def _date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def clean(files: pl.DataFrame, names: list[str] | None = None, *, today: date) -> pl.DataFrame:
    """Inventory rows -> one row per article, shaped as raw.documents (flows.steps.schema).

    `names` (gazetteer and organization names) lets a character lost in a garbled pinyin
    annotation be put back; without it such gaps are simply closed. `today` (the caller's: a
    step reads no clock) bounds plausible publication dates.
    """
    latest = today + PUBLISHED_MARGIN  # the window expectations/documents.json checks too
    processed = files.filter(pl.col("status") == "processed")
    found = articles_of(lines_of(processed, names)).with_columns(
        published_on=pl.when(pl.col("published_on").is_between(EARLIEST_PUBLISHED, latest)).then(pl.col("published_on"))
    )
    documents = (
        found.join(relevance(found), on="doc_id", how="left")
        .join(signatures(found), on="doc_id", how="left")
        .join(time_context(found), on="source_file", how="left")
    )
    if "decode_errors" in processed.columns:  # invalid bytes are counted per file, published per article
        documents = documents.join(processed.select("source_file", "decode_errors"), on="source_file", how="left")
    return conform("documents", documents)


def time_context(articles: pl.DataFrame) -> pl.DataFrame:
    """Per file: the year its text is set in and the date its relative dates (昨天) count from.

    A stated publication date gives both. Otherwise the year is the latest present-or-past
    year the file mentions, and a page that says 昨天 next to explicit days is dated the day
    after the latest of them (flows.steps.extract.dates).
    """
    from flows.steps.extract.dates import context_year, infer_reference

    rows = []
    per_file = articles.group_by("source_file", maintain_order=True).agg(
        published=pl.col("published_on").drop_nulls().first(), text=pl.col("text").str.join("\n")
    )
    for source_file, published, text in per_file.iter_rows():
        if published is not None:
            rows.append((source_file, published, published.year))
        else:
            year = context_year(text)
            rows.append((source_file, infer_reference(text, year), year))
    return pl.DataFrame(
        rows, schema={"source_file": pl.String, "reference_date": pl.Date, "context_year": pl.Int32}, orient="row"
    )
