"""Raw decoded files to clean article text: normalized, Simplified, junk lines dropped.

Every function here is pure: a Polars frame in, a new frame out.
"""
from __future__ import annotations

import re
import unicodedata

import opencc
import polars as pl

_T2S = opencc.OpenCC("t2s")

# Full-width ASCII letters and digits (and the signs that live inside numbers) become
# ASCII; Chinese punctuation (，。：；（）“”) is kept as written.
_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH |= {chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)}  # Ａ-Ｚ
_FULLWIDTH |= {chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)}  # ａ-ｚ
_FULLWIDTH |= {"％": "%", "．": ".", "＋": "+", "－": "-", "＝": "=", "＠": "@", "＃": "#",
               "\u3000": " ", "\u00a0": " ", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": ""}

TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_SYLLABLE = rf"[a-zü]*[{TONE_VOWELS}][a-zü]*"
# `發(fā)`: a tone-marked pinyin syllable in brackets right after the character it reads.
PINYIN_ANNOTATION = rf"[(（]{_SYLLABLE}(?:\s{_SYLLABLE})*[)）]"
# `?yàn)I` / `?dòng)浾?`: the annotation's bracket and its character were lost as `?`,
# leaving a pinyin tail and at most a stray letter or a character plus a second `?`.
GARBLED_PINYIN = rf"[?？]{_SYLLABLE}[)）](?:[A-Za-z]([\u4e00-\u9fff])|[^\s?？]?[?？])?"
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
    """Every CJK character that t2s changes, as one regex class body (computed once)."""
    chars = (chr(c) for c in range(0x4E00, 0xA000))
    return "".join(ch for ch in chars if _T2S.convert(ch) != ch)


TRADITIONAL_CLASS = f"[{_traditional_chars()}]"


def script_of(original: pl.Expr) -> pl.Expr:
    """`traditional` when over 5% of the Chinese characters are Traditional-only, `mixed` when any are."""
    cjk = original.str.count_matches(r"[\u4e00-\u9fff]")
    share = original.str.count_matches(TRADITIONAL_CLASS) / pl.max_horizontal(cjk, pl.lit(1))
    return (
        pl.when(share > 0.05).then(pl.lit("traditional"))
        .when(share > 0).then(pl.lit("mixed"))
        .otherwise(pl.lit("simplified"))
    )


# Lines that are never article text. Each rule is general web / newspaper furniture.
JUNK_RULES: dict[str, str] = {
    # `国产在线精品视频_亚洲日韩…`: SEO keyword strings glued with underscores.
    "seo_spam": r"^[^,，。;；!！?？]{2,40}(?:_[^,，。;；!！?？_]{2,40}){2,}$",
    # `赫章县| 华阴市| 台州市|…`: a keyword list of place names.
    "place_list": r"^(?:[^|｜,，。]{1,10}[|｜]\s*){4,}[^|｜,，。]{0,10}$",
    "footer": r"(?i)(?:^(?:地址|电话|传真|邮编|邮箱|e-?mail)\s*[:：])|copyright|copy\s*@|©|版权所有|icp[备证]|公网安备|技术支持\s*[:：]|^主办单位\s*[:：]|^承办单位\s*[:：]",
    "share_bar": r"^(?:分享到|扫一扫|扫描二维码|责任编辑|返回顶部|上一篇|下一篇|打印本页|关闭窗口|【打印】|【关闭】)",
    "breadcrumb": r"^(?:当前位置|您的位置|您现在的位置|首页\s*[>›»/])",
    "no_text": r"^[^\p{Han}A-Za-z0-9]*$",
}
STAMP = r"^(?:发布)?(?:时间|日期)\s*[:：]\s*(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})"
AUTHOR = r"作者\s*[:：]\s*(\S+)"


def _doc_id(source_file: str, article_index: int) -> str:
    import hashlib

    return "d" + hashlib.sha256(f"{source_file}#{article_index}".encode()).hexdigest()[:15]


def lines_of(files: pl.DataFrame) -> pl.DataFrame:
    """One row per line of every processed file, cleaned and classified (`kind`)."""
    cleaned = files.select(
        "source_file", "meta_published_on", "meta_url", "meta_source",
        original_script=script_of(pl.col("text")),
        text=to_simplified(strip_pinyin(normalize(pl.col("text")))),
    )
    lines = (
        cleaned.with_columns(line=pl.col("text").str.split("\n"))
        .drop("text")
        .explode("line")
        .with_columns(line_no=pl.int_range(pl.len()).over("source_file"), line=pl.col("line").str.strip_chars())
    )
    kind = pl.when(pl.col("line") == "").then(pl.lit("blank"))
    for name, pattern in JUNK_RULES.items():
        kind = kind.when(pl.col("line").str.contains(pattern)).then(pl.lit(name))
    kind = kind.when(pl.col("line").str.contains(STAMP)).then(pl.lit("stamp")).otherwise(pl.lit("text"))
    return lines.with_columns(kind=kind)


def articles_of(lines: pl.DataFrame) -> pl.DataFrame:
    """Text lines grouped into articles: one article per file until issue 3's splitter lands."""
    stamps = (
        lines.filter(pl.col("kind") == "stamp")
        .group_by("source_file")
        .agg(
            stamp_date=pl.col("line").first().str.extract_groups(STAMP),
            author=pl.col("line").first().str.extract(AUTHOR, 1),
        )
        .with_columns(
            stamp_date=pl.date(
                pl.col("stamp_date").struct["1"].cast(pl.Int32),
                pl.col("stamp_date").struct["2"].cast(pl.Int32),
                pl.col("stamp_date").struct["3"].cast(pl.Int32),
            )
        )
    )
    body = lines.filter(pl.col("kind") == "text").with_columns(article_index=pl.lit(0, pl.Int32))
    articles = (
        body.group_by("source_file", "article_index", maintain_order=True)
        .agg(
            pl.col("line").str.join("\n").alias("text"),
            pl.col("line").first().alias("first_line"),
            pl.col("meta_published_on", "meta_url", "meta_source", "original_script").first(),
        )
        .join(stamps, on="source_file", how="left")
        .with_columns(
            title=pl.when(_looks_like_headline(pl.col("first_line"))).then(pl.col("first_line")),
            published_on=pl.coalesce("meta_published_on", "stamp_date"),
        )
    )
    return articles.with_columns(
        doc_id=pl.struct("source_file", "article_index").map_elements(
            lambda r: _doc_id(r["source_file"], r["article_index"]), return_dtype=pl.String
        )
    ).select(
        "doc_id", "source_file", "article_index", "title", "published_on", "text", "original_script",
        pl.col("author").alias("byline"), pl.col("meta_source").alias("publisher"), pl.col("meta_url").alias("url"),
    ).sort("source_file", "article_index")


def _looks_like_headline(line: pl.Expr) -> pl.Expr:
    """Short and not ending like a sentence: `"工信部:60家国家高新区创建了国家级绿色工业园区"`."""
    return (line.str.len_chars() <= 40) & ~line.str.contains(r"[。;；!！?？…]$|\.\.\.$")


def clean(files: pl.DataFrame) -> pl.DataFrame:
    """Inventory rows -> one row per article, shaped as raw.documents (flows.schema)."""
    from flows.schema import conform
    from flows.steps.dedup import signatures
    from flows.steps.relevance import relevance

    processed = files.filter(pl.col("status") == "processed")
    articles = articles_of(lines_of(processed))
    documents = (
        articles.join(relevance(articles), on="doc_id", how="left")
        .join(signatures(articles), on="doc_id", how="left")
        .with_columns(reference_date=pl.col("published_on"))
    )
    return conform("documents", documents)
