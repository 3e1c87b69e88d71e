"""HTML pages to article text and page metadata, whatever the file is called.

Scrapers save pages, not articles. A file whose content is HTML (a doctype or <html> at the
start, or closing block tags such as </p> and </div>) is reduced to its main text with
trafilatura, which drops navigation, scripts, styles, sidebars and footers; its paragraphs
become lines, so words on either side of `</p><p>` never run together (docs/cleaning.md says
why trafilatura and not resiliparse or readability).

The metadata is read here, from the page's own tags, in one pass: trafilatura's metadata
search took over half its time on long pages, and its date search guessed from any year on
the page (a footer's © 2025 became 2025-01-01). The date comes from meta tags or a <time>
element, then a labelled stamp in the visible text (`时间：2025-09-20`), then the canonical URL
(`/2025/09/20/`, `t20250920_1.html`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.html import HtmlElement

_DOCUMENT_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_CLOSING_BLOCK = re.compile(r"</(?:p|div|td|li|h[1-6]|table|section|article|span)\s*>", re.I)
_DATE = r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})"
_LABELLED_DATE = re.compile(rf"(?:发布|发表|更新)?(?:时间|日期)\s*[:：]\s*{_DATE}")
_URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/]?(0[1-9]|1[0-2])[-/]?(0[1-9]|[12]\d|3[01])(?!\d)")
_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish_date",
    "publication_date",
    "dc.date.issued",
    "dc.date",
    "date",
    "ptime",
)
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—|\s-\s)\s*")
# Characters XML cannot hold (control characters, U+FFFE/U+FFFF): trafilatura builds XML and
# fails on them. Removed from the markup, and from the parsed text (numeric references).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Text characters a page may hold and still be read as one news page; trafilatura's time grows
# faster than linearly with the number of paragraphs (20,000 paragraphs, 740,000 characters: ~10 s).
MAX_PAGE_TEXT = 500_000


class PageRefused(ValueError):
    """The page cannot be read as one article; the message says why."""


@dataclass(frozen=True)
class Page:
    text: str  # the title, a blank line, then one paragraph a line; "" when the page has no main text
    title: str | None
    published_on: date | None
    url: str | None
    site_name: str | None


def is_html(text: str) -> bool:
    """Content sniffing: `is_html("<!DOCTYPE html><html>…")` -> True, `is_html("临江日报 5月12日")` -> False."""
    head = text[:65536]
    return bool(_DOCUMENT_START.match(head)) or len(_CLOSING_BLOCK.findall(head)) >= 3


def read_page(markup: str) -> Page:
    """Main text and metadata of a page: `<h1>论坛举办</h1><p>天津…</p>` -> Page("论坛举办\\n\\n天津…", "论坛举办", …).

    Raises PageRefused for a page far larger than a news page.
    """
    import lxml.html
    import trafilatura  # 1 s to import; only runs that meet a page pay it
    from trafilatura.settings import Document

    markup = _NOT_XML.sub("", markup)
    try:
        tree = lxml.html.fromstring(markup.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (ValueError, lxml.etree.ParserError):
        return Page("", None, None, None, None)
    meta = _meta_tags(tree)
    title = _title(tree, meta)
    url = _clean(_first(tree, "//link[@rel='canonical']/@href") or meta.get("og:url"))
    site = _clean(meta.get("og:site_name") or meta.get("application-name"))
    for node in tree.iter():
        if node.text and _NOT_XML.search(node.text):
            node.text = _NOT_XML.sub("", node.text)
        if node.tail and _NOT_XML.search(node.tail):
            node.tail = _NOT_XML.sub("", node.tail)
    for node in tree.xpath("//script|//style|//noscript"):
        node.drop_tree()
    visible = tree.text_content()
    if len(visible) > MAX_PAGE_TEXT:
        raise PageRefused(
            f"HTML page with {len(visible):,} characters of text, over the {MAX_PAGE_TEXT:,} a news page holds"
        )
    published = _meta_date(tree, meta) or _date_in(_LABELLED_DATE, visible) or _date_in(_URL_DATE, url or "")
    doc = trafilatura.bare_extraction(
        tree,
        with_metadata=False,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
        fast=True,
    )
    text = doc.text if isinstance(doc, Document) else None  # (a dict only when asked for one)
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return Page("", title, published, url, site)
    if title and lines[0] == title:  # the <h1> is often kept as the first paragraph too
        lines = lines[1:]
    body = "\n".join(lines)
    return Page(f"{title}\n\n{body}" if title else body, title, published, url, site)


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    """<meta property|name|itemprop=… content=…>, keys lowercased; the first of each wins."""
    found: dict[str, str] = {}
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").strip().lower()
        if key and node.get("content") and key not in found:
            found[key] = node.get("content")
    return found


def _title(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    """og:title, else the page's only <h1>, else <title> without its site suffix (`标题_新闻中心_某网`)."""
    if meta.get("og:title"):
        return _clean(meta["og:title"])
    headings = [_clean(h.text_content()) for h in tree.iter("h1")]
    headings = [h for h in headings if h]
    if len(headings) == 1:
        return headings[0]
    full = _clean(_first(tree, "//title/text()"))
    return _clean(_TITLE_SEPARATORS.split(full)[0]) if full else None


def _meta_date(tree: HtmlElement, meta: dict[str, str]) -> date | None:
    for key in _DATE_META:
        if key in meta and (day := _date_in(re.compile(_DATE), meta[key])):
            return day
    return _date_in(re.compile(_DATE), _first(tree, "//time/@datetime") or "")


def _date_in(pattern: re.Pattern[str], text: str) -> date | None:
    match = pattern.search(text)
    try:
        return date(*map(int, match.groups())) if match else None
    except ValueError:
        return None


def _first(tree: HtmlElement, xpath: str) -> str | None:
    found = tree.xpath(xpath)
    return str(found[0]) if found else None


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None
