"""Time expressions: absolute and relative dates, the year a text is set in, periods."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from flows.steps.extract.text import matches_around

# A time expression: (its date, None when it cannot be resolved; "day", "month", "year" or "unknown"; where it starts).
TimeHit = tuple[date | None, str, int]

FULL_DATE = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
MONTH_DAY = re.compile(r"(?<![\d年])(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
YEAR_MONTH = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?!\d{0,2}日)")
REL_YEAR_MONTH = re.compile(r"(?P<rel>今年|去年|明年)(?P<m>\d{1,2})月(?!\d{0,2}日)")
DAY_ONLY = re.compile(
    r"(?<![\d月年号])(?P<d>[1-9]|[12]\d|3[01])日"
    r"(?:凌晨|上午|中午|下午|晚|夜间|\d{1,2}时|在|于|[,，])"
)
_DAY = re.compile("日")  # one or two characters after where DAY_ONLY begins: the starts tried
# 2022年度 is the period a report or an award covers, not when something happened.
YEAR = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})年(?!度)(?![\d—\-~～至到]*\d{1,2}月)")
REL_DAY = {"前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "明天": 1}
# Days that point back at the last date the text named, not at the publication date.
SAME_DAY = ("当天", "当日", "同日", "同一天", "当晚")
REL_YEAR = {"去年": -1, "今年": 0, "明年": 1}
_REL_YEAR_RES = [(word, re.compile(word + r"(?!\d{1,2}月)")) for word in REL_YEAR]
_RECENT = re.compile("近日|日前|近期|不久前")
_SAME_MONTH = re.compile("当月|同月")
_TITLED = re.compile(r"《[^》]*》")
# A year that names a plan or target is not the year the text is set in (临江2035绿色发展蓝图).
_FUTURE_NOUNS = "蓝图|规划|愿景|目标|远景|计划|战略|议程|路线图|行动方案|实施方案|达到|实现|达峰|峰值"
# A four-digit number before a measure word is a quantity (3000余株, 3000万元), not a year.
_COUNT_AFTER = "余多万亿千百个家项株棵吨元米亩人台辆座处条位件次名户套所只头公千瓦兆"
_CONTEXT_YEAR = re.compile(
    rf"(?<![\d到至在.])((?:19|20)\d{{2}})(?![\d.{_COUNT_AFTER}])(?!年?[^，。,;；\d]{{0,12}}(?:{_FUTURE_NOUNS}))"
)


_FUTURE_BEFORE = re.compile(r"(?:计划于|计划在|预计|预计于|将于|力争|争取|有望|确保|到|至)\Z")


def context_year(text: str) -> int | None:
    """The latest year a text speaks of as present or past: "2022年…2023临江绿色发展论坛…2035蓝图" -> 2023."""
    cleaned = re.sub(r"《[^》]*》", "", text)
    years = [
        int(m.group(1))
        for m in _CONTEXT_YEAR.finditer(cleaned)
        if not _FUTURE_BEFORE.search(cleaned[max(0, m.start() - 4) : m.start()])
        and not re.match(r"年?底?前", cleaned[m.end() : m.end() + 3])
    ]
    return max(years) if years else None


_PAGE_STAMP = re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日\s*(?:星期|周)[一二三四五六日天]")


def infer_reference(text: str, year: int | None) -> date | None:
    """Publication date of a page that gives none, or None.

    A newspaper page stamped with a date and its weekday (2019年03月12日 星期二) is of that day.
    A page that says 昨天/昨日 and names explicit days (5月12日) reports yesterday's news:
    the latest day it names, plus one. Needs the year the page is set in.
    """
    stamp = _PAGE_STAMP.search(text[:500])
    if stamp:  # a newspaper page's own date: 临江日报 2019年03月12日 星期二
        return _safe(int(stamp["y"]), int(stamp["m"]), int(stamp["d"]))
    if year is None or not re.search("昨天|昨日", text):
        return None
    days = [_safe(year, int(m["m"]), int(m["d"])) for m in MONTH_DAY.finditer(text)]
    days += [_safe(int(m["y"]), int(m["m"]), int(m["d"])) for m in FULL_DATE.finditer(text)]
    known = [d for d in days if d is not None]
    return max(known) + timedelta(days=1) if known else None


def _safe(y: int, m: int, d: int | None = None) -> date | None:
    try:
        return date(y, m, d or 1)
    except ValueError:
        return None


def resolve(text: str, reference: date | None, year: int | None, last_named: date | None = None) -> TimeHit | None:
    """The first time expression in `text`: (date, precision, position), or None.

    `resolve("昨天上午,论坛举行", date(2025, 9, 19), 2025)` -> (date(2025, 9, 18), "day", 0).
    A relative expression that cannot be resolved gives (None, "unknown", position).
    """
    found = expressions(text, reference, year, last_named)
    return min(found, key=lambda f: (f[2], -len(f[1]))) if found else None


def last(text: str, reference: date | None, year: int | None, last_named: date | None = None) -> TimeHit | None:
    """The last time expression in `text` (the one nearest to what follows it)."""
    blanked = _TITLED.sub(lambda m: " " * len(m.group()), text) if "《" in text else text
    found = expressions(blanked, reference, year, last_named)
    if not found:
        return None
    position = max(f[2] for f in found)
    return min((f for f in found if f[2] == position), key=lambda f: ("day", "month", "year", "unknown").index(f[1]))


def expressions(text: str, reference: date | None, year: int | None, last_named: date | None = None) -> list[TimeHit]:
    """Every time expression in `text` as (date or None, precision, position).

    当天/同日 resolve to `last_named`, the last date the text named before; 今年/去年 to the
    reference date's year, else to `year` (the year the text is set in).
    """
    if not _TIME_CHAR.search(text):
        return []  # (every expression below holds one of these characters)
    found: list[TimeHit] = []
    for m in FULL_DATE.finditer(text):
        found.append((_safe(int(m["y"]), int(m["m"]), int(m["d"])), "day", m.start()))
    for m in MONTH_DAY.finditer(text):
        found.append((_safe(year, int(m["m"]), int(m["d"])) if year else None, "day", m.start()))
    for m in YEAR_MONTH.finditer(text):
        found.append((_safe(int(m["y"]), int(m["m"])), "month", m.start()))
    for m in REL_YEAR_MONTH.finditer(text):
        base = reference.year if reference else year
        found.append((_safe(base + REL_YEAR[m["rel"]], int(m["m"])) if base else None, "month", m.start()))
    for word, offset in REL_DAY.items():
        for m in re.finditer(word, text) if word in text else ():
            found.append((reference + timedelta(days=offset) if reference else None, "day", m.start()))
    for m in YEAR.finditer(text):
        found.append((_safe(int(m["y"]), 1), "year", m.start()))
    for word, pattern in _REL_YEAR_RES:
        offset = REL_YEAR[word]
        for m in pattern.finditer(text) if word in text else ():
            base = reference.year if reference else year
            found.append((_safe(base + offset, 1) if base else None, "year", m.start()))
    for m in _RECENT.finditer(text):
        found.append((_recent_month(reference), "month", m.start()))
    found += _anaphoric(text, found, reference, last_named)
    return [
        (value, precision if value else "unknown", position)
        for value, precision, position in found
        if not _RANGE_END_OR_BASELINE.search(text[max(0, position - 3) : position])
    ]


# A character every time expression of `expressions` holds (年, 月, 日, 天, 晚 of 当晚, 期 of 近期, 前 of 不久前).
_TIME_CHAR = re.compile("[年月日天晚期前]")

# The end of a range (10月8日至10月20日), a target (到2030年) or a baseline (较2021年, 比2020年下降)
# is not when something happened.
_RANGE_END_OR_BASELINE = re.compile(r"(?:[至到—\-~～]|较|比|相比|同比|比上年|较上年)\Z")


# Every word _anaphoric resolves against the last date named (当天, 同日, 当月, 17日…) holds one of these.
_POINTS_BACK = re.compile("日|当天|同一天|当晚|当月|同月")


def refers_back(text: str) -> bool:
    """Whether `text` may hold a time word that needs the last date named before it (expressions'
    `last_named`): refers_back("当天下午") -> True, refers_back("2023年10月") -> False."""
    return _POINTS_BACK.search(text) is not None


def _recent_month(reference: date | None) -> date | None:
    """近日/日前 said on `reference`: its month, unless the month has just begun (the days may be last month's)."""
    return reference.replace(day=1) if reference and reference.day > 7 else None


def _anaphoric(text: str, found: list[TimeHit], reference: date | None, last_named: date | None) -> list[TimeHit]:
    """当天/同日/当月/17日: they point at the latest date named before them (in this text, else
    `last_named`), not at the publication date."""

    def before(position: int, precisions: tuple[str, ...]) -> date | None:
        earlier = [(p, d) for d, precision, p in found if d and precision in precisions and p < position]
        return max(earlier)[1] if earlier else last_named

    out: list[TimeHit] = []
    for word in SAME_DAY:
        for m in re.finditer(word, text) if word in text else ():
            out.append((before(m.start(), ("day",)), "day", m.start()))
    for m in _SAME_MONTH.finditer(text):
        anchor = before(m.start(), ("day", "month"))
        out.append((anchor.replace(day=1) if anchor else None, "month", m.start()))
    for m in matches_around(DAY_ONLY, _DAY, (1, 2), text):  # 23日凌晨: a day of the month the text is in
        base = before(m.start(), ("day", "month")) or reference
        day = _safe(base.year, base.month, int(m["d"])) if base else None
        if day and base and reference and day > reference:  # 27日 in a page of the 25th: last month's 27th
            previous = base.replace(day=1) - timedelta(days=1)
            day = _safe(previous.year, previous.month, int(m["d"]))
        out.append((day, "day", m.start()))
    return out


PERIOD_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str], int | None], str | None]]] = [
    (
        re.compile(r"(\d{4})年(\d{1,2})[—\-~～至到](\d{1,2})月"),  # a reversed or impossible range is a misread
        lambda m, y: f"{m[1]}-{int(m[2]):02d}/{m[1]}-{int(m[3]):02d}" if 1 <= int(m[2]) <= int(m[3]) <= 12 else None,
    ),
    (re.compile(r"(\d{4})年上半年"), lambda m, y: f"{m[1]}-H1"),
    (re.compile(r"(\d{4})年下半年"), lambda m, y: f"{m[1]}-H2"),
    (re.compile(r"今年上半年"), lambda m, y: f"{y}-H1" if y else None),
    (re.compile(r"今年下半年"), lambda m, y: f"{y}-H2" if y else None),
    (re.compile(r"(\d{4})年前三季度"), lambda m, y: f"{m[1]}-01/{m[1]}-09"),
    (re.compile(r"“十四五”|十四五"), lambda m, y: "2021/2025"),
    (re.compile(r"“十五五”|十五五"), lambda m, y: "2026/2030"),
    (re.compile(r"截至(\d{4})年"), lambda m, y: m[1]),
    (re.compile(r"(?<!\d)(\d{4})年(?!\d{1,2}月)"), lambda m, y: m[1]),
    (re.compile(r"今年|年内"), lambda m, y: str(y) if y else None),
    (re.compile(r"去年"), lambda m, y: str(y - 1) if y else None),
]


# A character each PERIOD_PATTERNS entry needs (in order): a sentence without it skips that pattern's scan.
_PERIOD_GATES = ("月", "半", "半", "半", "半", "季", "四", "五", "截", "年", "年", "去")
_FOUR_DIGITS = re.compile(r"\d{4}")

# Years a period can be in; outside, the number is a misread (a code, a garbled digit), not a period.
PERIOD_YEARS = range(1900, 2101)


def period(sentence: str, year: int | None) -> str | None:
    """The time a figure covers: "2022年1—6月,园区生产总值…" -> "2022-01/2022-06"."""
    if "年" not in sentence and "五" not in sentence:
        return None  # (every PERIOD_PATTERNS entry holds one of them: most figures' sentences skip the scans)
    for (pattern, fmt), gate in zip(PERIOD_PATTERNS, _PERIOD_GATES, strict=True):
        m = pattern.search(sentence) if gate in sentence else None
        if m:
            value = fmt(m, year)
            if value and all(int(y) in PERIOD_YEARS for y in _FOUR_DIGITS.findall(value)):
                return value
    return None
