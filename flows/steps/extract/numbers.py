"""Numbers as Chinese news writes them: Arabic, Chinese numerals and mixes, with multipliers."""

from __future__ import annotations

import re

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
MULTIPLIERS = {
    "万亿": 1e12,
    "千亿": 1e11,
    "百亿": 1e10,
    "亿": 1e8,
    "千万": 1e7,
    "百万": 1e6,
    "十万": 1e5,
    "万": 1e4,
    "千": 1e3,
    "百": 1e2,
}
CN_NUMERAL = "零〇一二两三四五六七八九十百千万亿"
# Thousands may be grouped by commas or by (thin) spaces as typeset pages do: 1,460 / 1 460.
ARABIC = r"\d{1,3}(?:[ \u2009\u202f]\d{3})+(?![\d.])|\d+(?:,\d{3})*(?:\.\d+)?"
# An Arabic number with an optional Chinese multiplier, or a run of Chinese numerals.
NUMBER = rf"(?:(?:{ARABIC})(?:万亿|千亿|百亿|亿|千万|百万|十万|万|千|百)?|[{CN_NUMERAL}]+)"
_ARABIC_NUMBER = re.compile(rf"({ARABIC})(万亿|千亿|百亿|亿|千万|百万|十万|万|千|百)?")
_GROUPING = re.compile(r"[, \u2009\u202f]")


def parse_chinese(text: str) -> float | None:
    """A Chinese numeral: "一百二十" -> 120, "四十" -> 40, "千万" -> 1e7, "两千三百万" -> 2.3e7."""
    if not text or any(ch not in CN_DIGITS and ch not in CN_SMALL_UNITS and ch not in CN_BIG_UNITS for ch in text):
        return None
    total, section, digit = 0.0, 0.0, None
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch] if digit is None else digit * 10 + CN_DIGITS[ch]  # 二〇二四: digit by digit
        elif ch in CN_SMALL_UNITS:
            section += (1 if digit is None else digit) * CN_SMALL_UNITS[ch]
            digit = None
        else:
            section = (section + (digit or 0)) or 1
            total = (total + section) * CN_BIG_UNITS[ch] if ch == "亿" else total + section * CN_BIG_UNITS[ch]
            section, digit = 0.0, None
    return total + section + (digit or 0)


def parse_number(text: str) -> float | None:
    """Any number token: "8.6万亿" -> 8.6e12, "2万" -> 2e4, "1,400" and "1 400" -> 1400; "近千万" is given
    as "千万" -> 1e7."""
    m = _ARABIC_NUMBER.fullmatch(text)
    if m:
        return float(_GROUPING.sub("", m[1])) * MULTIPLIERS.get(m[2] or "", 1)
    return parse_chinese(text)
