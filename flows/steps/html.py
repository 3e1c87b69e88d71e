"""HTML pages to article text and page metadata, whatever the file is called.

Scrapers save pages, not articles. A file whose content is HTML (a doctype or <html> at the
start, or closing block tags such as </p> and </div>) is reduced to its main text with
trafilatura, which drops navigation, scripts, styles, sidebars and footers; its paragraphs
become lines, so words on either side of `</p><p>` never run together. The page's title,
canonical URL, site name and publication date come along (docs/cleaning.md says why
trafilatura and not resiliparse or readability).

Dates: trafilatura's own search guesses from any year on the page (a footer's © 2025
became 2025-01-01), so only its structured sources are used (meta tags, <time>, the URL),
then a labelled stamp in the page text (`时间：2025-09-20`, `发布日期：2025年9月20日`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_DOCUMENT_START = re.compile(r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
_CLOSING_BLOCK = re.compile(r"</(?:p|div|td|li|h[1-6]|table|section|article|span)\s*>", re.I)
_LABELLED_DATE = re.compile(
    r"(?:发布|发表|更新)?(?:时间|日期)\s*[:：]\s*(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})")


@dataclass(frozen=True)
class Page:
    text: str  # the title, a blank line, then one paragraph a line; "" when the page has no main text
    title: str | None
    published_on: date | None
    url: str | None
    site_name: str | None


def is_html(text: str) -> bool:
    """Content sniffing: `is_html("<!DOCTYPE html><html>…")` -> True, `is_html("天津日报 9月18日")` -> False."""
    head = text[:65536]
    return bool(_DOCUMENT_START.match(head)) or len(_CLOSING_BLOCK.findall(head)) >= 3


def read_page(markup: str, today: date) -> Page:
    """Main text and metadata of a page: `<h1>论坛举办</h1><p>天津…</p>` -> Page("论坛举办\\n\\n天津…", "论坛举办", …).

    `today` bounds the dates trafilatura accepts (the step reads no clock).
    """
    import trafilatura  # 1 s to import; only runs that meet a page pay it

    doc = trafilatura.bare_extraction(
        markup, with_metadata=True, favor_precision=True, include_comments=False, include_tables=True,
        include_images=False, deduplicate=False, fast=True,
        date_extraction_params={"extensive_search": False, "original_date": True, "max_date": today.isoformat()},
    )
    if doc is None or not (doc.text or "").strip():
        return Page("", _clean(doc.title) if doc else None, None, None, None)
    title = _clean(doc.title)
    body = "\n".join(line.strip() for line in doc.text.splitlines() if line.strip())
    if title and body.startswith(title):  # the <h1> is often kept as the first paragraph too
        body = body[len(title):].lstrip("\n")
    published = _iso_date(doc.date) or _stamped_date(markup)
    return Page(f"{title}\n\n{body}" if title else body, title, published, _clean(doc.url), _clean(doc.sitename))


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _stamped_date(markup: str) -> date | None:
    """The first labelled date in the page's visible text (scripts and styles removed)."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(markup)
    except (ValueError, lxml.etree.ParserError):
        return None
    for node in tree.xpath("//script|//style|//noscript"):
        node.drop_tree()
    match = _LABELLED_DATE.search(tree.text_content())
    if not match:
        return None
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        return None
