"""Metrics: every quantity stated with a number, with unit, qualifier, indicator, subject and period.

Grammar of one metric, in order (see METRIC below):
    [qualifier] number [多|余] [unit or classifier] [以上|左右|以内|…]
A number needs a unit or a measure word right after it, so years (2024年), dates (5月12日),
ordinals (第三), numbers inside names (2023临江…论坛, “五位一体”, 《…2024-2035》) and phone,
ICP or house numbers are never metrics.
"""

from __future__ import annotations

import re
from typing import TypedDict

from flows.steps.constants import COMMON_HAN, HAN
from flows.steps.extract.numbers import CN_NUMERAL, MULTIPLIERS, NUMBER, parse_number
from flows.steps.extract.text import matches_from

# unit word -> (unit code, factor applied to the number)
UNITS: dict[str, tuple[str, float]] = {
    "万亿元": ("CNY", 1e12),
    "亿元": ("CNY", 1e8),
    "万元": ("CNY", 1e4),
    "千元": ("CNY", 1e3),
    "元": ("CNY", 1),
    "元人民币": ("CNY", 1),
    "人民币": ("CNY", 1),
    "美元": ("USD", 1),
    "欧元": ("EUR", 1),
    "英镑": ("GBP", 1),
    "日元": ("JPY", 1),
    "港元": ("HKD", 1),
    "港币": ("HKD", 1),
    "韩元": ("KRW", 1),
    "卢布": ("RUB", 1),
    "%": ("percent", 1),
    "％": ("percent", 1),
    "个百分点": ("percent", 1),
    "亩": ("mu", 1),
    "公顷": ("hectare", 1),
    "平方公里": ("km2", 1),
    "平方千米": ("km2", 1),
    "平方米": ("m2", 1),
    "公里": ("km", 1),
    "千米": ("km", 1),
    "米": ("km", 0.001),
    "吨标准煤": ("tce", 1),
    "吨标煤": ("tce", 1),
    "吨": ("t", 1),
    "公斤": ("t", 0.001),
    "千克": ("t", 0.001),
    "千瓦时": ("kWh", 1),
    "度": ("kWh", 1),
    "兆瓦时": ("kWh", 1e3),
    "千瓦": ("kW", 1),
    "兆瓦": ("MW", 1),
    "吉瓦": ("GW", 1),
    "GW": ("GW", 1),
    "MW": ("MW", 1),
    "kW": ("kW", 1),
    "PFlops": ("PFLOPS", 1),
    "PFLOPS": ("PFLOPS", 1),
    "EFlops": ("PFLOPS", 1e3),
    "EFLOPS": ("PFLOPS", 1e3),
    "周年": ("year", 1),
    "年": ("year", 1),
    "个月": ("month", 1),
    "天": ("day", 1),
    "倍": ("other", 1),
    "立方米": ("other", 1),
    "小时": ("other", 1),
    "毫米": ("other", 1),
    "厘米": ("other", 1),
    "m2": ("m2", 1),
    "m²": ("m2", 1),
    "km2": ("km2", 1),
    "km²": ("km2", 1),
    "km": ("km", 1),
    "kWh": ("kWh", 1),
    "MWh": ("kWh", 1e3),
    "GWh": ("kWh", 1e6),
    "万千瓦时": ("kWh", 1e4),
    "亿千瓦时": ("kWh", 1e8),
    # Volumes, concentrations and temperatures have no contract code of their own.
    "标准立方米": ("other", 1),
    "标立方": ("other", 1),
    "标方": ("other", 1),
    "方": ("other", 1),
    "m3": ("other", 1),
    "m³": ("other", 1),
    "微克/立方米": ("other", 1),
    "微克每立方米": ("other", 1),
    "毫克/立方米": ("other", 1),
    "毫克每立方米": ("other", 1),
    "μg/m3": ("other", 1),
    "μg/m³": ("other", 1),
    "mg/m3": ("other", 1),
    "mg/L": ("other", 1),
    "毫克/升": ("other", 1),
    "℃": ("other", 1),
    "摄氏度": ("other", 1),
    "°C": ("other", 1),
    "分贝": ("other", 1),
    "瓦时/千克": ("other", 1),
    "Wh/kg": ("other", 1),
}
CLASSIFIERS = [
    "家",
    "个",
    "项",
    "位",
    "名",
    "人次",
    "人",
    "所",
    "张",
    "场",
    "台",
    "座",
    "件",
    "条",
    "次",
    "批",
    "户",
    "辆",
    "架",
    "艘",
    "处",
    "套",
    "种",
    "类",
    "款",
    "份",
    "篇",
    "届",
    "轮",
    "只",
    "株",
    "棵",
    "间",
    "栋",
    "趟",
    "支",
    "队",
    "组",
    "方面",
    "期",
    "块",
    "台套",
    "套",
]
# "4大版块": a count of the noun after 大.
BIG_NOUNS = [
    "版块",
    "板块",
    "集团",
    "行动",
    "领域",
    "方向",
    "产业",
    "载体",
    "工程",
    "任务",
    "举措",
    "平台",
    "体系",
    "基地",
    "功能",
    "能力",
    "环节",
    "类",
    "方面",
    "片区",
    "园区",
    "赛道",
    "产业链",
]
QUALIFIERS = {
    "不超过": "at_most",
    "以内": "at_most",
    "之内": "at_most",
    "内": "at_most",
    "不少于": "at_least",
    "不低于": "at_least",
    "至少": "at_least",
    "超过": "more_than",
    "突破": "more_than",
    "多达": "more_than",
    "超": "more_than",
    "逾": "more_than",
    "多": "more_than",
    "余": "more_than",
    "以上": "more_than",
    "将近": "nearly",
    "接近": "nearly",
    "近": "nearly",
    "约": "about",
    "大约": "about",
    "左右": "about",
    "上下": "about",
}
_PRE = "不超过|不少于|不低于|将近|接近|大约|至少|超过|突破|多达|超|逾|近|约"
# 方 is a unit (cubic metres) only where it is no word of its own (方面, 方案, 三方).
_UNIT_WORDS = "|".join(
    re.escape(u) + ("(?![面案式向法针位言])" if u == "方" else "") for u in sorted(UNITS, key=len, reverse=True)
)
_CLASSIFIER_WORDS = "|".join(sorted(CLASSIFIERS, key=len, reverse=True))
_BIG = "|".join(sorted(BIG_NOUNS, key=len, reverse=True))
_GAP = "[ \u2009\u202f]?"  # HTML-to-text often leaves a space between a number and its unit (15.6 万亩)
# What a metric can start with (a qualifier's first character, a digit, a Chinese numeral): checked first, so
# the engine rejects most positions at once instead of trying every qualifier there.
_METRIC_START = "".join(sorted({word[0] for word in _PRE.split("|")})) + CN_NUMERAL
METRIC = re.compile(
    rf"(?=[\d{_METRIC_START}])(?P<pre>{_PRE})?(?P<num>{NUMBER}){_GAP}(?P<post>多|余)?(?P<mult>万亿|亿|万|千)?{_GAP}"
    rf"(?:(?P<unit>{_UNIT_WORDS})|大(?P<big>{_BIG}|[{COMMON_HAN}]{{2}})|(?P<cls>{_CLASSIFIER_WORDS}))"
    rf"(?P<tail>以上|左右|以内|之内|上下|内(?![部容外涵蒙地]))?"
)
_METRIC_FIRST = re.compile(rf"[\d{_METRIC_START}]")  # where a match can begin (matches_from)
# Measure words that, after a bare 一, mean "a" rather than the number one (一个目标, 一批制度).
_INDEFINITE = set(CLASSIFIERS) | {"大"}
_DURATION_TAIL = re.compile(r"(?:来|以来|内|之内|以内|前|后|间|期间|里)")


# `(%)`, `(±%)`, `(万吨)`: a table column's unit in its header; the bare numbers after it are in that unit.
_COLUMN_UNIT = re.compile(rf"[(（][±+\-]?\s*({_UNIT_WORDS})\s*[)）]")
_CELL = re.compile(r"(?<!\S)[-+−]?\d+(?:\.\d+)?(?!\S)")
# `综合指数2.74`: an index stated as a bare number.
_INDEX = re.compile(r"(?:指数|系数)(?:为|是|达到|达|仅为|仅)?(?P<num>\d+\.\d+|\d+)(?![\d.%％])")
# `贷款6.5亿,`: a sum of money without 元, told by a money word before it in the clause.
_BARE_MONEY = re.compile(
    rf"(?P<pre>{_PRE})?(?P<num>\d+(?:\.\d+)?)(?P<post>多|余)?(?P<mult>万亿|亿|万)"
    r"(?=[,，。;；、)）\s]|\Z)"
)
_MONEY_WORDS = re.compile("投资|融资|贷款|资金|产值|收入|营收|利税|利润|税收|总额|金额|销售额|交易额|成交额|补贴|补助")
# `二十大精神`: a party congress, not twenty of something.
_NOT_BIG = {
    "精神",
    "报告",
    "以来",
    "代表",
    "召开",
    "胜利",
    "提出",
    "部署",
    "强调",
    "期间",
    "会议",
    "决策",
    "开幕",
    "闭幕",
}
_RANGE = re.compile(r"[至到~～\-—－]{1,2}")
_CLAUSE_BREAK = re.compile(r"[,，。;；、]")
_NUMBER_END = re.compile(r"[\dA-Za-z.]\Z")
_HAN_CHAR = re.compile(f"[{HAN}]")


class Figure(TypedDict):
    """One metric found in a sentence, offsets inside the sentence."""

    start: int
    end: int
    raw_text: str
    value: float
    unit: str  # a contract code: CNY, percent, t, kWh…, or count
    classifier: str | None  # the measure word of a count (家, 个, 项)
    qualifier: str  # exact, about, at_least, at_most, more_than, nearly


def find(sentence: str) -> list[Figure]:
    """Every metric in one sentence, with offsets inside it.

    `find("园区生产总值达到8.6万亿元")[0]` -> value 8.6e12, unit CNY, qualifier exact.
    """
    blocked = _blocked_spans(sentence)
    out = _table_cells(sentence)
    not_here = blocked + [(c["start"], c["end"]) for c in out]
    for m in matches_from(METRIC, _METRIC_FIRST, sentence):
        if (not_here and any(lo <= m.start("num") < hi for lo, hi in not_here)) or not _standalone(sentence, m):
            continue
        metric = _measure(m, sentence)
        if metric is not None:
            out.append(metric)
    out += _unitless(sentence, out, blocked)
    return _drop_range_ends(sorted(out, key=lambda x: x["start"]), sentence)


def _table_cells(sentence: str) -> list[Figure]:
    """A table flattened to text: bare numbers after a `(%)` column header are in that unit
    (`增速(%) 北 京 -9.18 -8.1` -> -9.18 percent, -8.1 percent)."""
    if "(" not in sentence and "（" not in sentence:
        return []  # (a column header is bracketed: most sentences skip the scan)
    headers = list(_COLUMN_UNIT.finditer(sentence))
    if not headers:
        return []
    cells = list(_CELL.finditer(sentence, headers[0].end()))
    if len(cells) < 3:  # a table, not a stray number after a bracket
        return []
    unit, factor = UNITS[headers[-1].group(1)]
    return [_metric(sentence, c.start(), c.end(), float(c.group().replace("−", "-")) * factor, unit) for c in cells]


def _metric(sentence: str, start: int, end: int, value: float, unit: str, qualifier: str = "exact") -> Figure:
    return {
        "start": start,
        "end": end,
        "raw_text": sentence[start:end],
        "value": value,
        "unit": unit,
        "classifier": None,
        "qualifier": qualifier,
    }


def _unitless(sentence: str, found: list[Figure], blocked: list[tuple[int, int]]) -> list[Figure]:
    """Figures whose unit is not written after them: an index value (综合指数2.74), a sum in
    亿/万 after a money word (融资贷款6.5亿)."""
    taken = [(f["start"], f["end"]) for f in found] + blocked
    out: list[Figure] = []

    def free(lo: int, hi: int) -> bool:
        return not any(a < hi and lo < b for a, b in taken + [(o["start"], o["end"]) for o in out])

    for m in _INDEX.finditer(sentence) if "数" in sentence else ():  # (指数, 系数: skip the scan without them)
        if free(m.start("num"), m.end("num")):
            out.append(_metric(sentence, m.start("num"), m.end("num"), float(m["num"]), "other"))
    for m in _BARE_MONEY.finditer(sentence) if "万" in sentence or "亿" in sentence else ():
        clause = _CLAUSE_BREAK.split(sentence[: m.start()])[-1]
        if free(m.start(), m.end()) and _MONEY_WORDS.search(clause) and not _NUMBER_END.search(clause):
            value = float(m["num"]) * MULTIPLIERS[m["mult"]]
            qualifier = QUALIFIERS.get(m["pre"] or m["post"] or "", "exact")
            out.append(_metric(sentence, m.start(), m.end(), value, "CNY", qualifier))
    return out


def _drop_range_ends(found: list[Figure], sentence: str) -> list[Figure]:
    """3亿元至8亿元, 150台至300台: a range is one figure, stated by its lower bound."""
    out: list[Figure] = []
    for metric in found:
        last = out[-1] if out else None
        if (
            last is not None
            and last["unit"] == metric["unit"]
            and _RANGE.fullmatch(sentence[last["end"] : metric["start"]] or "x")
        ):
            continue
        out.append(metric)
    return out


_TITLED = re.compile(r"《[^》]*》")
_SHORT_QUOTED = re.compile(r"[“\"‘'][^”\"’']{1,8}[”\"’']")


def _blocked_spans(sentence: str) -> list[tuple[int, int]]:
    """Book titles and short quoted names hold numbers that are names, not quantities."""
    spans = [m.span() for m in _TITLED.finditer(sentence)] if "《" in sentence else []
    spans += [m.span() for m in _SHORT_QUOTED.finditer(sentence)]
    return spans


_CODE_END = re.compile(r"[\dA-Za-z_{]\Z")
_BARE_MULTIPLIER = re.compile("[百千万亿]+")


def _standalone(sentence: str, m: re.Match[str]) -> bool:
    """Not part of a longer number, an ordinal (第三), a code or a version (PM2.5, 5G)."""
    before = sentence[: m.start()]
    num = m["num"]
    if before.endswith(("第", "初", "十", ".", "·")) or _CODE_END.search(before):
        return False
    if num[0] in CN_NUMERAL and before and before[-1] in CN_NUMERAL:
        return False
    # A bare 百/千/万/亿 is a number only after a qualifier (超千场, 近千万吨); 万元增加值 is a unit.
    return not (_BARE_MULTIPLIER.fullmatch(num) and not m["pre"])  # (a compound like 节约千万 stays out too)


# Words that end in a one-character qualifier without being one (节约0.8万吨: saves, not "about").
_NOT_QUALIFIER = {
    "节约",
    "制约",
    "签约",
    "预约",
    "履约",
    "条约",
    "合约",
    "违约",
    "公约",
    "特约",
    "最近",
    "附近",
    "邻近",
    "临近",
    "靠近",
    "亲近",
    "就近",
    "赶超",
    "高超",
}


def _measure(m: re.Match[str], sentence: str) -> Figure | None:
    num = m["num"]
    pre, start = m["pre"], m.start()
    if pre and len(pre) == 1 and sentence[max(0, start - 1) : start + 1] in _NOT_QUALIFIER:
        pre, start = None, m.start("num")
    value = parse_number(num)
    if value is None:
        return None
    if m["mult"]:  # 240余万亩: the qualifier sits before the multiplier
        value *= MULTIPLIERS[m["mult"]]
    unit_word, big, classifier = m["unit"], m["big"], m["cls"]
    if unit_word:
        if not _plausible_unit(unit_word, num, m, sentence):
            return None
        unit, factor = UNITS[unit_word]
        value *= factor
        classifier = None
        if unit == "t" and re.search(r"(?:标准煤|标煤)(?:约|近|超|共|为|达)?\Z", sentence[:start]):
            unit = "tce"  # 折合标准煤约42万吨
    else:
        if big and big not in BIG_NOUNS and big in _NOT_BIG:
            return None
        if num == "二" and classifier == "次" and _HAN_CHAR.match(sentence, m.end()):
            return None  # 二次创业, 二次污染: "secondary", not twice
        if num == "一" and not pre and not m["post"]:
            return None  # 一个目标, 一批制度: "a", not a figure
        if classifier == "期" and value < 10 and not pre and not m["post"]:
            return None  # 二期项目: a phase, not a count
        unit, classifier = "count", big or classifier
    qualifier = QUALIFIERS.get(pre or m["post"] or m["tail"] or "", "exact")
    return {
        "start": start,
        "end": m.end(),
        "raw_text": sentence[start : m.end()],
        "value": value,
        "unit": unit,
        "classifier": classifier,
        "qualifier": qualifier,
    }


def _plausible_unit(unit_word: str, num: str, m: re.Match[str], sentence: str) -> bool:
    after = sentence[m.end() : m.end() + 2]
    if unit_word == "年":
        if re.fullmatch(r"\d{4}", num) or re.fullmatch("[零〇一二三四五六七八九]{4}", num):
            return False  # 2024年 is a year
        if num == "一" and not (m["tail"] or _DURATION_TAIL.match(sentence[m.end() :])):
            return False  # 一年: only "within a year" style durations
        return not after.startswith(("级", "代", "度"))  # 三年级, 80年代, 年度
    if unit_word == "度":  # electricity only: 45亿度 / 度电
        return bool(re.search(r"万|亿", num)) or after.startswith("电")
    if unit_word == "米":
        return not sentence[m.end() - 2 : m.end() + 1].endswith(("平方米", "立方米"))
    if unit_word == "方":  # 52.4万方 (cubic metres); 三方 is three parties
        return bool(m["mult"] or re.search("[万亿]", num))
    if unit_word in ("天", "个月", "周年"):
        return True
    return True
