"""Cleaned lines to articles: junk dropped, a newspaper page split into its stories.

Lines are classified with vectorized regexes (`classify`); the page is then read once,
top to bottom, by `segment`, because where a story starts depends on what came before:

- A story starts at a headline block (one or more short lines with no sentence
  punctuation, at most one blank line apart) when the block has two or more lines, or is
  followed by a byline (`■ 记者 …`), a `本报讯` lead or an `(上接第N版)` continuation, or
  when nothing has started yet. A lone short line followed by body text is a subheading
  and stays in the story.
- A body line that ends mid-sentence is joined to the next body line with no break
  (`科` + `学技术` -> `科学技术`), across any photo caption in between.
- Photo captions (a line with `图为`, or a line before a `记者 … 摄` credit) stay with the
  story they sit in, after its text; credits and bylines go to the byline.
- Fragments a page layout moved away from their story (a paragraph that opens
  mid-sentence after a complete ending) are given to a story that needs text: one that
  ends mid-sentence (best bigram overlap first), else one that has only a headline.
- Teasers (runs of short paragraphs with at least one ending in `...`/`…`, and whatever
  follows a `相关报道` header) and site chrome are dropped; a `时间:` stamp and a
  closing `(某某报 记者名)` are kept as metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from flows.steps.constants import HAN

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

# One classified line of a file, as a record: line, kind, line_no, gap_before and the flags classify() adds.
Line = dict[str, Any]

# Sentence punctuation: a line with any of these is prose, not a footer.
CHROME_STOPS = "。！？；!?"

JUNK_RULES: dict[str, str] = {
    # `国产在线精品视频_亚洲日韩…`: SEO keyword strings glued with underscores.
    "seo_spam": r"^[^,，。;；!！?？]{2,40}(?:_[^,，。;；!！?？_]{2,40}){2,}$",
    # `临江县| 石门市| 白沙市|…` or `关于我们 | 联系我们 | 网站地图`: a keyword or link list.
    "place_list": r"^(?:[^|｜,，。]{1,10}[|｜]\s*){3,}[^|｜,，。]{0,10}$",
    # Footer chrome has a shape: a short line that starts with a contact label or a copyright
    # mark, or that carries a copyright/ICP mark and no sentence punctuation. A paragraph that
    # mentions 版权所有 or ICP备 in a sentence, or a whole page on one line, is not a footer.
    "footer": r"(?i)^(?:地址|电话|传真|邮编|邮箱|e-?mail|联系我们|举报电话|主办单位|承办单位)\s*[:：].{0,80}$"
    r"|^(?:copyright|copy\s*@|©|版权所有|网站地图|免责声明).{0,100}$"
    rf"|^[^{CHROME_STOPS}]{{0,80}}(?:copyright|copy\s*@|©|版权所有|icp[备证]|公网安备|技术支持\s*[:：])"
    rf"[^{CHROME_STOPS}]{{0,80}}$",
    "share_bar": r"^[（(【\[]?(?:分享到|分享至|扫一扫|扫描二维码|责任编辑|编辑|返回顶部|上一篇|下一篇|打印本页|关闭窗口"
    r"|打印|关闭|点击排行|发表评论|我要评论|网友评论|评论)"
    r"[）)】\]]?(?:[:：]|$)",
    # `扫码关注…公众号`: a prompt to follow the site's account (short, not a sentence: 扫码乘车… is news).
    "follow_prompt": rf"^(?:扫码|扫描二维码|长按(?:识别)?二维码)[^{CHROME_STOPS}]{{0,40}}$",
    "breadcrumb": r"^(?:当前位置|您的位置|您现在的位置|首页\s*[>›»/])",
    "page_label": r"^第\s*[A-Z]?\d{1,3}\s*版(?:\s*[:：].{0,10})?$|^(?:发布者|浏览次数|阅读量|阅读|点击数)\s*[:：]",
    # `01`, `0`: a section number or a view counter alone on its line.
    "counter": r"^\d{1,3}$",
    # `— 广告 —`: a label set between dashes (an advertisement slot), not text.
    "dash_label": r"^[—\-]{1,3}\s*[^—\-]{1,30}\s*[—\-]{1,3}$",
    "no_text": rf"^[^{HAN}A-Za-z0-9]*$",
}
JUNK_KINDS = frozenset(JUNK_RULES)
# A date stamp line: 时间:2022-11-08 作者:admin, 2021-03-09 10:30 来源:…, or a masthead 2021年3月9日 星期二.
STAMP = (
    r"^(?:(?:发布)?(?:时间|日期)\s*[:：]\s*)?(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})日?"
    r"(?:\s*(?:星期|周)[一二三四五六日天])?(?:[\s作来编].*)?$"
)
AUTHOR = r"作者\s*[:：]\s*(\S+)"
# `来源:临江发布`: the credit line naming where a story was taken from.
SOURCE = r"^(?:信息|文章|新闻|稿件)?来源\s*[:：]\s*([^|｜\s]{2,30})\s*$"
# Front matter of a Markdown page: `title: …` / `date: …` lines at the top, between `---` fences or not.
FRONT_MATTER_KEY = (
    r"^(title|date|author|categories|category|tags|layout|slug|description|keywords|draft|summary|url|"
    r"source|updated|lastmod|excerpt|permalink|comments|toc|thumbnail|cover|id)\s*:\s*(.*)$"
)
FENCE = r"^(?:-{3,}|\+{3,})$"
# `三、实施重点工程`, `(一)重点行业…`, `1. 总体要求`: a numbered section heading of a document.
SECTION_HEADING = (
    r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十\d]{1,3}[)）]"
    r"|\d{1,2}[、.．](?!\d))"
)
# A newspaper's name alone on a line (临江晚报): the publisher, not a headline.
MASTHEAD = rf"^[{HAN}]{{2,8}}(?:日报|晚报|早报|时报|商报|都市报|青年报)$"
_NAME = rf"[{HAN}·]{{2,5}}"
PHOTO_CREDIT = rf"^(?:本报)?(?:记者|通讯员|实习生|摄影)?\s*(?:{_NAME}\s*)+摄$"
_ROLE = r"(?:(?:本报|特约)?(?:摄影\s*)?(?:记者|通讯员|实习生|编辑|责任编辑|撰稿|摄影)\s*[/:：]?|(?:文|图)\s*[/:：])"
BYLINE = rf"^[■▲●◆]?\s*(?:{_ROLE}\s*(?:{_NAME}\s*)+)+$"
RELATED_HEADER = r"^[【\[]?(?:相关报道|相关阅读|延伸阅读|推荐阅读|相关新闻|热点推荐|猜你喜欢)[】\]]?\s*[:：]?$"
DATELINE = r"^本报(?:讯|电)\s*[(（]([^)）]{0,30})[)）]\s*"
CONTINUED = r"^[(（]\s*上接第?\s*[0-9一二三四五六七八九十]+\s*版\s*[)）]\s*"
CLOSING_BYLINE = (
    rf"\s*[(（]\s*(?P<publisher>[{HAN}]{{2,10}}?(?:报|社|网|台|杂志|新闻))?\s*(?:记者|通讯员)?\s*"
    rf"(?P<names>[{HAN}·]{{2,4}}(?:\s+[{HAN}·]{{2,4}})*)\s*[)）]$"
)
TERMINAL = "。！？!?；;…”’」』)）"
FUNCTION_WORDS = "的了于以在和与及对为把被向从将是并或而之其"
# Openers that start a paragraph normally even though their first clause is short.
OPENERS = (
    "目前",
    "近日",
    "此外",
    "同时",
    "其中",
    "据悉",
    "另外",
    "为此",
    "对此",
    "随后",
    "会上",
    "会前",
    "会后",
    "当天",
    "当日",
    "昨天",
    "昨日",
    "今天",
    "今日",
    "今年",
    "去年",
    "明年",
    "近年",
    "此前",
    "首先",
    "其次",
    "最后",
    "因此",
    "然而",
    "但是",
    "不过",
    "而且",
    "同期",
    "截至",
    "一是",
    "二是",
    "三是",
    "四是",
    "记者",
    "据了解",
    "据介绍",
    "与此同时",
    "总体来看",
    "他说",
    "她说",
    "他表示",
    "她表示",
    "答",
    "问",
)


def classify(lines: pl.DataFrame) -> pl.DataFrame:
    """Add `kind` and the flags segmentation reads; `line` is one stripped line of cleaned text."""
    line = pl.col("line")
    junk: Then | ChainedThen = pl.when(line == "").then(pl.lit("blank"))
    for name, pattern in JUNK_RULES.items():
        junk = junk.when(line.str.contains(pattern)).then(pl.lit(name))
    kind = (
        junk.when(line.str.contains(STAMP) & (line.str.len_chars() <= 60))
        .then(pl.lit("stamp"))
        .when(line.str.contains(MASTHEAD))
        .then(pl.lit("masthead"))
        .when(line.str.contains(RELATED_HEADER))
        .then(pl.lit("related_header"))
        .when(line.str.contains(SOURCE))
        .then(pl.lit("source"))
        .when(line.str.contains(PHOTO_CREDIT))
        .then(pl.lit("photo_credit"))
        .when(line.str.contains(BYLINE))
        .then(pl.lit("byline"))
        .otherwise(pl.lit("text"))
    )
    length = line.str.len_chars()
    headline = (
        (length <= 48)
        & ~line.str.contains(r"[。！？!?；;,，]")
        & ~line.str.contains(rf"[、：:（(“{FUNCTION_WORDS}]$")
        & ~line.str.contains(r"\.\.\.$|…$")
    )
    continued = line.str.contains(CONTINUED)
    return lines.with_columns(kind=kind).with_columns(
        is_headline=(pl.col("kind") == "text") & headline & ~continued,
        ends_sentence=line.str.contains(rf"[{TERMINAL}]$"),
        is_caption=line.str.contains("图为") & (length <= 120),
        # `…` or a lead-in whose quotation was cut off (`他指出——`): a truncated summary.
        is_teaser=line.str.contains(r"(?:\.\.\.|…|——)$") & (length <= 200),
        dateline=line.str.extract(DATELINE, 1),
        continued=continued,
    )


@dataclass
class Paragraph:
    text: str
    subhead: bool = False  # a subheading is complete although it has no full stop

    @property
    def complete(self) -> bool:
        return self.subhead or self.text.endswith(tuple(TERMINAL))


@dataclass
class Article:
    headline: list[str] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    publisher: str | None = None
    continued: bool = False

    @property
    def title(self) -> str | None:
        return " / ".join(self.headline) or None

    @property
    def dangling(self) -> bool:
        return bool(self.paragraphs) and not self.paragraphs[-1].complete

    @property
    def text(self) -> str:
        return "\n".join([*self.headline, *(p.text for p in self.paragraphs), *self.captions])

    def add(self, text: str) -> Paragraph:
        """Append a body line: joined to the last paragraph when that one stops mid-sentence."""
        if self.dangling:
            self.paragraphs[-1].text += text
            return self.paragraphs[-1]
        self.paragraphs.append(Paragraph(text))
        return self.paragraphs[-1]


def _opens_mid_sentence(line: str) -> bool:
    """`专线,实现…` or `名代表参会。` may open mid-sentence; `目前,…` and `2024年,…` do not."""
    clause = re.split(r"[,，。；;：:！？!?、]", line, maxsplit=1)[0]
    return 0 < len(clause) <= 5 and not clause.startswith(OPENERS) and not re.match(r"[0-9“《(（]", clause)


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _overlap(part: str, whole: str) -> float:
    """Share of `part`'s character bigrams that also occur in `whole`."""
    bigrams = _bigrams(part)
    return len(bigrams & _bigrams(whole)) / max(len(bigrams), 1)


class _Page:
    """The reading state over one file's lines."""

    def __init__(self) -> None:
        self.articles: list[Article] = []

    @property
    def current(self) -> Article:
        if not self.articles:
            self.articles.append(Article())
        return self.articles[-1]

    def start(self, headline: list[str]) -> None:
        self.articles.append(Article(headline=list(headline)))

    def subhead(self, text: str) -> None:
        self.current.paragraphs.append(Paragraph(text, subhead=True))

    def body(self, text: str) -> None:
        self.current.add(text)


def _tail_runs(article: Article) -> list[tuple[int, int]]:
    """[start, end) slices at the end of a story that may be text the layout moved there.

    A run starts at a paragraph that opens mid-sentence after a complete paragraph and
    lasts to the next such start or the story's end; none crosses a subheading.
    """
    starts = []
    for i in range(len(article.paragraphs) - 1, 0, -1):
        paragraph, before = article.paragraphs[i], article.paragraphs[i - 1]
        if paragraph.subhead:
            break
        if before.complete and _opens_mid_sentence(paragraph.text):
            starts.append(i)
    starts.reverse()
    return list(zip(starts, [*starts[1:], len(article.paragraphs)]))


def _reunite(articles: list[Article]) -> None:
    """Put text the layout moved back: a story that stops mid-sentence, then a story that is
    only a headline, takes the tail run (of another story) that fits it better than the
    story it sits in, by character-bigram overlap."""
    runs = [(a, lo, hi) for a in articles for lo, hi in _tail_runs(a)]
    # A story whose dangling end lies in a run of its own is not needy: that text is what moves.
    own_tail = {id(host) for host, lo, hi in runs if hi == len(host.paragraphs)}
    needy = [a for a in articles if a.dangling and id(a) not in own_tail]
    needy += [a for a in articles if a.headline and not a.paragraphs]
    moves = []
    taken: set[int] = set()
    for target in needy:
        best = _best_run(target, runs, taken)
        if best is not None:
            taken.add(best)
            moves.append((target, *runs[best]))
    for target, host, lo, hi in sorted(moves, key=lambda m: -m[2]):  # cut from the end first
        moved = host.paragraphs[lo:hi]
        del host.paragraphs[lo:hi]
        for paragraph in moved:
            target.add(paragraph.text)


def _best_run(target: Article, runs: list[tuple[Article, int, int]], taken: set[int]) -> int | None:
    best, margin = None, 0.0
    for n, (host, lo, hi) in enumerate(runs):
        if host is target or n in taken:
            continue
        run_text = "".join(p.text for p in host.paragraphs[lo:hi])
        rest = "\n".join([*host.headline, *(p.text for p in host.paragraphs[:lo])])
        gain = _overlap(run_text, target.text) - _overlap(run_text, rest)
        if gain > margin:
            best, margin = n, gain
    return best


def segment(lines: list[Line]) -> tuple[list[Article], dict[str, str]]:
    """One file's classified lines (in order) -> its articles and file metadata (stamp line)."""
    meta: dict[str, str] = {}
    lines = _front_matter(lines, meta)
    content = [ln for ln in lines if ln["kind"] not in JUNK_KINDS and ln["kind"] != "blank"]
    content = _drop_repeats(_drop_teasers(content))
    page = _Page()
    i = 0
    while i < len(content):
        ln = content[i]
        kind = ln["kind"]
        if kind == "stamp":
            meta.setdefault("stamp", ln["line"])
        elif kind == "masthead":
            meta.setdefault("masthead", ln["line"])
        elif kind == "source":
            source = re.search(SOURCE, ln["line"])  # (the pattern that gave the line its kind)
            if source:
                meta.setdefault("source", source.group(1))
        elif kind == "related_header":
            break  # everything after a "related reports" header is navigation
        elif kind in ("byline", "photo_credit"):
            page.current.bylines.append(ln["line"].lstrip("■▲●◆ "))
        elif ln["is_headline"]:
            block = _headline_block(content, i)
            i += len(block)
            _headline_or_subhead(page, block, content[i] if i < len(content) else None)
            continue
        elif ln["is_caption"] or (i + 1 < len(content) and content[i + 1]["kind"] == "photo_credit"):
            page.current.captions.append(ln["line"])
        else:
            _body_line(page, ln)
        i += 1
    found = [a for a in page.articles if a.headline or any(_has_sentence(p.text) for p in a.paragraphs)]
    _reunite(found)
    # Headlines with no sentence under them (a menu, `资讯搜索 / 推荐资讯`, a page's list of its
    # other stories) are chrome, unless the page has nothing else.
    told = [a for a in found if any(_has_sentence(t) for t in [*(p.text for p in a.paragraphs), *a.captions])]
    for article in told:
        while article.paragraphs and article.paragraphs[-1].subhead:
            article.paragraphs.pop()  # a heading with nothing under it ends no story
    return (told or found), meta


def _front_matter(lines: list[Line], meta: dict[str, str]) -> list[Line]:
    """A Markdown page's front matter (`---` / `title: …` / `date: …` / `---` at the top) gives
    the title, date and author and is no part of the text: its lines are left out."""
    filled = [i for i, ln in enumerate(lines) if ln["line"]]
    if not filled:
        return lines
    at = filled[0]
    fenced = re.match(FENCE, lines[at]["line"]) is not None
    fields: dict[str, str] = {}
    end, key = at + 1 if fenced else at, None
    while end < len(lines):
        line = lines[end]["line"]
        if fenced and re.match(FENCE, line):
            end += 1
            break
        field = re.match(FRONT_MATTER_KEY, line, re.IGNORECASE)
        if field:
            key = field.group(1).lower()
            fields.setdefault(key, field.group(2).strip().strip("\"'"))
        elif not (line == "" or (key and re.match(r"^-\s+\S", line))):  # blank, or a `- tag` list item
            if fenced:
                return lines  # an opening rule and prose: not front matter
            break
        end += 1
    if not ({"title", "date"} & set(fields)) or len(fields) < (1 if fenced else 2):
        return lines
    for key in ("title", "date", "author"):
        if fields.get(key):
            meta.setdefault("front_" + key, fields[key])
    return lines[end:]


def _drop_repeats(content: list[Line]) -> list[Line]:
    """A line that repeats the opening of an earlier, longer line (a page's share snippet of its own
    lead) is not new text. A story printed twice in full stays: dedup marks the copy."""
    seen: dict[str, list[str]] = {}  # first 12 characters -> lines seen
    out = []
    for ln in content:
        line = ln["line"]
        if (
            ln["kind"] == "text"
            and not ln["is_headline"]
            and len(line) >= 12
            and any(len(s) > len(line) and s.startswith(line) for s in seen.get(line[:12], []))
        ):
            continue
        seen.setdefault(line[:12], []).append(line)
        out.append(ln)
    return out


SENTENCE_START = re.compile(rf"[{HAN}A-Za-z0-9]")
SENTENCE_END = re.compile(rf"[{TERMINAL}]")


def _has_sentence(text: str) -> bool:
    """Site slogans and menu fragments (`我们专注于`) have no sentence; article text does: a line
    with a word character and, after it, a terminal mark. `_has_sentence("我们专注于") -> False`.

    Two linear searches per line: the single pattern `[字].*[。]` backtracked from every word
    character of a long line with no terminal mark (a 250 KB CSV took 5 minutes)."""
    for line in text.split("\n"):
        start = SENTENCE_START.search(line)
        if start is not None and SENTENCE_END.search(line, start.end()) is not None:
            return True
    return False


def _headline_block(content: list[Line], start: int) -> list[Line]:
    block = [content[start]]
    for ln in content[start + 1 :]:
        if not ln["is_headline"] or ln["gap_before"] > 1:
            break
        block.append(ln)
    return block


def _headline_or_subhead(page: _Page, block: list[Line], following: Line | None) -> None:
    """A block starts a story, or is a subheading, or is a broken body line."""
    opens_story = following is not None and (
        following["kind"] in ("byline", "stamp") or following["dateline"] is not None or following["continued"]
    )
    if page.articles and all(re.match(SECTION_HEADING, ln["line"]) for ln in block):
        for ln in block:  # 三、重点工程 / (一)节能改造: sections of the same document
            page.subhead(ln["line"])
    elif not page.articles or len(block) >= 2 or opens_story:
        page.start([ln["line"] for ln in block])
    elif page.current.dangling or (
        following is not None and following["kind"] == "text" and _opens_mid_sentence(following["line"])
    ):
        page.body(block[0]["line"])  # the line is part of a sentence cut by the layout
    else:
        page.subhead(block[0]["line"])


def _body_line(page: _Page, ln: Line) -> None:
    line = ln["line"]
    if ln["dateline"] is not None:
        page.current.bylines.append(ln["dateline"].strip())
        line = re.sub(DATELINE, "", line)
    if ln["continued"]:
        page.current.continued = True
        line = re.sub(CONTINUED, "", line)
    closing = re.search(CLOSING_BYLINE, line)
    if closing and len(line) > len(closing.group()):
        page.current.publisher = page.current.publisher or closing["publisher"]
        page.current.bylines.append(closing["names"])
        line = line[: closing.start()]
    if line:
        page.body(line)


def _drop_teasers(content: list[Line]) -> list[Line]:
    """Remove runs of short paragraphs that contain a truncated summary (`…`/`...`)."""
    drop: set[int] = set()
    for i, ln in enumerate(content):
        if not ln["is_teaser"] or i in drop:
            continue
        lo = hi = i
        while lo > 0 and _teaser_neighbour(content[lo - 1]):
            lo -= 1
        while hi + 1 < len(content) and _teaser_neighbour(content[hi + 1]):
            hi += 1
        drop.update(range(lo, hi + 1))
    return [ln for i, ln in enumerate(content) if i not in drop]


def _teaser_neighbour(ln: Line) -> bool:
    line = ln["line"]
    return (
        ln["kind"] == "text" and len(line) <= 200 and not ln["is_headline"] and re.search(CLOSING_BYLINE, line) is None
    )
