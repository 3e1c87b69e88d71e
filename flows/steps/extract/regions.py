"""Regions: gazetteer places, development zones by name pattern, province abbreviations.

- Gazetteer: every Chinese division (full name; short name for provinces and prefectures),
  every country (name and aliases), and foreign first-level subdivisions when their country
  is named in the same sentence. A name several divisions share (鼓楼区) is resolved by the
  other places the document names, else kept without a code rather than guessed.
- Zones: a name ending in a zone word (经济技术开发区, 高新区, 生态城, 产业园, 特别经济区,
  农业公园…) whose own part is specific (holds a place name, or words that are not
  generic modifiers like 国家级/绿色/零碳); its parent is the most specific place inside its
  name or just before it. A short form (生态城, 南沙经开区, 合肥高新区) of a zone named in full in
  the same document is an alias of it.
- Province abbreviations only in tight patterns: 在津, 来沪, 赴京, 津门, 京津冀.
- Not regions: a place inside an international body's name (上海合作组织), a short place
  name that is part of a company brand (阿里巴巴), a place before 协定/公约/宣言.
"""

from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import polars as pl

from flows.steps.constants import (
    HAN,
    LEVEL_RANK,
    NAME_CACHE_SIZE,
    TOWNSHIP_NAME_REACH,
    UNRANKED_LEVEL,
    ZONE_NAME_CHARS,
    ZONE_NAME_REACH,
    ZONE_PLACES_REACH,
    ZONE_SHORT_FORM_CONTEXT,
)
from flows.steps.extract.lexicon import (
    PROVINCE_ABBREVIATIONS,
    Reference,
    left_cut,
    longest_word_matcher,
    longest_word_pattern,
    place_spans,
    prefecture_core,
    strip_generic,
)
from flows.steps.extract.text import Hit, SpanIndex, literal_spans, matches_around, matches_from

ZONE_SUFFIXES = sorted(
    [
        "经济技术开发区",
        "高新技术产业开发区",
        "高新技术开发区",
        "经济开发区",
        "技术开发区",
        "开发区",
        "高新区",
        "经开区",
        "综合保税区",
        "保税区",
        "自由贸易试验区",
        "自贸试验区",
        "自贸区",
        "自由贸易区",
        "特别经济区",
        "经济特区",
        "经济合作区",
        "合作区",
        "示范区",
        "试验区",
        "生态城",
        "科学城",
        "产业新城",
        "新城",
        "产业园区",
        "工业园区",
        "产业园",
        "工业园",
        "科技园",
        "科创园",
        "创新园",
        "软件园",
        "物流园",
        "农业园",
        "都市农业公园",
        "农业公园",
        "高教园",
        "经济区",
        "片区",
        "港区",
        "新区",
        "园",
        "能源基地",
        "化工基地",
        "工业城",
        "新片区",
    ],
    key=len,
    reverse=True,
)
# Expansions of short zone words, so 南沙经开区 is recognised as 广州南沙经济技术开发区.
ZONE_ABBREVIATIONS = {"经开区": "经济技术开发区", "高新区": "高新技术产业开发区", "自贸区": "自由贸易试验区"}
NOT_ZONES = {
    "幼儿园",
    "公园",
    "家园",
    "花园",
    "校园",
    "乐园",
    "动物园",
    "植物园",
    "庄园",
    "果园",
    "菜园",
    "田园",
    "陵园",
    "游乐园",
    "新城新区",
    "城区",
    "园区",
    "新区",
    "新城",
}
MACRO_REGIONS = {
    "京津冀": "CN",
    "长三角": "CN",
    "长江三角洲": "CN",
    "珠三角": "CN",
    "珠江三角洲": "CN",
    "粤港澳大湾区": "CN",
    "成渝地区双城经济圈": "CN",
}
# County names without 区/县 that are ordinary words (合作, 和平): no sign that a zone name is specific.
COMMON_COUNTY_CORES = {
    "合作",
    "和平",
    "友好",
    "前进",
    "解放",
    "振兴",
    "复兴",
    "新兴",
    "兴隆",
    "光明",
    "向阳",
    "吉利",
    "富民",
    "爱民",
    "安定",
    "平安",
    "安宁",
    "太平",
    "工农",
    "新华",
    "红旗",
    "东方",
    "东风",
    "长安",
    "站前",
    "平原",
    "中原",
    "城关",
    "开发",
    "新城",
    "市中",
}
# 中新青岛生态城: two-country prefixes (中国+新加坡) that start zone names before a place.
COUNTRY_PAIR = re.compile("^中[新德法意日韩俄美英欧哈白以马泰越印巴埃澳加瑞荷比奥芬丹挪]\\Z")
NOT_PLACE_AFTER = re.compile(r"^(?:协定|公约|议定书|宣言|共识|精神|原则|会议|峰会|论坛|大会|倡议|行动计划)")
# Short place names that are everyday words far more often than places.
COMMON_WORD_SHORT_NAMES = {
    "大同",
    "安康",
    "长治",
    "黄山",
    "白山",
    "永安",
    "和平",
    "太平",
    "新余",
    "中山",
    "通化",
    "平安",
    "阿里",
}
# Zone words that also name ordinary things (新城新区建设, 园区): such a zone needs a place in its name.
WEAK_ZONE_SUFFIXES = {"新城", "新区", "园区", "片区", "园", "示范区", "试验区", "合作区", "港区", "经济区"}
ORG_WORDS = re.compile("大学|学院|集团|公司|中心|研究院|协会|商会|联盟|管委会|政府")
_NAME_RUN_REVERSED = re.compile(rf"{ZONE_NAME_CHARS}*")
_PROVINCE_PAIR = re.compile(f"[{''.join(PROVINCE_ABBREVIATIONS)}]{{2,3}}")  # 沪苏产业新城
_ZONE_SUFFIX_RE = longest_word_pattern(ZONE_SUFFIXES)
_ZONE_SUFFIX_MATCHER = longest_word_matcher(ZONE_SUFFIXES)  # _ZONE_SUFFIX_RE's spans, one pass over a whole text
# What a zone name cannot run back across (_zone_cut): a quantity, a conjunction, another zone or organization word.
_ZONE_CUTS = (
    re.compile(r"[0-9零一二两三四五六七八九十百千万多余]+(?:[个家项位年批种])"),
    re.compile(r"[和与及、]"),
    _ZONE_SUFFIX_RE,
    ORG_WORDS,
)


@dataclass
class Region:
    region_key: str
    name: str
    level: str
    parent_key: str | None
    country_code: str | None
    admin_code: str | None = None
    longitude: float | None = None
    latitude: float | None = None


# surface -> the regions it can name (several when ambiguous)
Gazetteer = dict[str, list[Region]]


def _name_run(window: str) -> str:
    """The name characters ending `window`: _name_run("记者，临江集团") -> "临江集团" (read backwards: a search
    for a run ending the text would retry from every character)."""
    run = _NAME_RUN_REVERSED.match(window[::-1])  # (a starred class: it always matches, maybe nothing)
    return window[len(window) - run.end() :] if run else ""


@lru_cache(maxsize=4)
def gazetteer(ref: Reference) -> Gazetteer:
    """surface -> the regions it can name (several when ambiguous)."""
    out: Gazetteer = {}

    def add(surface: str, region: Region) -> None:
        if surface and len(surface) >= 2 and all(r.region_key != region.region_key for r in out.get(surface, [])):
            out.setdefault(surface, []).append(region)

    for row in ref.divisions.iter_rows(named=True):
        parent = "CN-" + row["parent_code"] if row["parent_code"] else "ISO-CN"
        region = Region(
            "CN-" + row["admin_code"],
            row["name"],
            row["level"],
            parent,
            "CN",
            row["admin_code"],
            row["longitude"],
            row["latitude"],
        )
        add(row["name"], region)
        short = row["short_name"]
        if short and row["level"] in ("province", "prefecture") and short not in COMMON_WORD_SHORT_NAMES:
            add(short, region)
        if short and len(short) == 2 and row["level"] == "province":
            add(f"{short[0]} {short[1]}", region)  # 北 京: a table pads two-character names to three
        if row["name"].endswith("自治州"):
            add(prefecture_core(row["name"]) + "州", region)  # 黄南藏族自治州 -> 黄南州
        ethnic = re.fullmatch(r"(.+?族)(?:自治)?([县区旗])", row["name"]) if row["level"] == "county" else None
        if ethnic and len(core := prefecture_core(ethnic.group(1) + "自治州")) >= 2:
            add(core + ethnic.group(2), region)  # 管城回族区 -> 管城区, 长阳土家族自治县 -> 长阳县
    for row in ref.countries.iter_rows(named=True):
        region = Region("ISO-" + row["iso2"], row["name_zh"], "country", None, row["iso2"])
        for surface in [row["name_zh"], *row["aliases"]]:
            add(surface, region)
    for name, country in MACRO_REGIONS.items():
        add(name, Region(f"{country}-AREA:{name}", name, "other", "ISO-" + country, country))
    return out


@lru_cache(maxsize=4)
def subdivisions(ref: Reference) -> Gazetteer:
    """Foreign first-level subdivisions by Chinese name (accepted only next to their country)."""
    out: Gazetteer = {}
    for row in ref.subdivisions.iter_rows(named=True):
        if len(row["name_zh"]) >= 2:
            out.setdefault(row["name_zh"], []).append(
                Region(row["code"], row["name_zh"], "province", "ISO-" + row["country_code"], row["country_code"])
            )
    return out


def surfaces(ref: Reference) -> list[str]:
    """Every surface the matcher looks for, longest first."""
    return sorted(set(gazetteer(ref)) | set(subdivisions(ref)), key=lambda s: (-len(s), s))


def gazetteer_hits(documents: pl.DataFrame, ref: Reference) -> dict[str, list[Hit]]:
    """doc_id -> (start, end, surface) of every gazetteer surface, overlaps included (vectorized)."""
    from flows.steps.extract.text import find_all

    return find_all(documents, surfaces(ref))


@dataclass
class RegionMention:
    start: int
    end: int
    surface: str
    region: Region
    placed: bool = False  # a zone whose name holds a place (中新青岛生态城), not just words

    # Written out, not generated by @dataclass: mypyc compiles this one (flows/native.py), not a generated one.
    def __init__(self, start: int, end: int, surface: str, region: Region, placed: bool = False) -> None:
        self.start, self.end, self.surface, self.region, self.placed = start, end, surface, region, placed


def find(text: str, hits: list[Hit], blocked: list[tuple[int, int, str]], ref: Reference) -> list[RegionMention]:
    """Region mentions of one document.

    `hits` are gazetteer_hits for it; `blocked` are spans of names that contain places
    without being about them: (start, end, kind) with kind `international` (上海合作组织) or
    `brand` (a company from the organization lexicon).
    """
    gaz, subs = gazetteer(ref), subdivisions(ref)
    blocked = blocked + _chrome_spans(text)
    near_blocked = SpanIndex(blocked, span=lambda b: (b[0], b[1]))  # only names around a hit can block it
    chosen = [
        h
        for h in _longest(hits)
        if not _blocked(*h, near_blocked.touching(h[0], h[1]), gaz)
        and not NOT_PLACE_AFTER.match(text[h[1] : h[1] + 4])
        and not _word_not_place(text, *h, gaz)
    ]
    context = {r.region_key for _, _, s in chosen if len(gaz.get(s, [])) == 1 for r in gaz[s]}
    countries = [(start, r.country_code) for start, _, s in chosen for r in gaz.get(s, []) if r.level == "country"]
    mentions: list[RegionMention] = []
    for start, end, surface in chosen:
        if surface in gaz:
            mentions.append(RegionMention(start, end, surface, _pick(gaz[surface], surface, context)))
        elif any(0 <= start - at <= 30 and code == subs[surface][0].country_code for at, code in countries):
            mentions.append(RegionMention(start, end, surface, subs[surface][0]))
    mentions += _abbreviations(text, gaz)
    mentions += _counties_after_parent(text, mentions, ref)
    mentions += _townships(text, mentions, ref)
    zones = _zones(text, mentions, ref)
    foreign = [z for z in zones if z.region.country_code not in (None, "CN")]
    # 越南海防安阳工业园区: a Chinese name inside a foreign zone's name is a coincidence of sounds
    mentions = [
        m
        for m in mentions
        if not (m.region.country_code == "CN" and any(z.start <= m.start and m.end <= z.end for z in foreign))
    ]
    return sorted(mentions + zones, key=lambda m: (m.start, -m.end))


# `地址:甘肃省…路88号`, `主办:某某资讯网`: the site's own address and name in the page chrome.
_CHROME = re.compile(
    rf"(?:地址|通讯地址|联系地址)\s*[:：][^\s,，。;；]{{2,40}}"
    # (the lookahead, implied by what follows it, lets the engine skip at once a place with no 网 close ahead)
    rf"|(?=[^网]{{0,14}}网)[{HAN}]{{2,12}}(?:门户网站|网站|(?<![电管联水气路热光渔])网)(?![{HAN}])"
)
# A county whose name is also a word (城区, 矿区, 郊区): a place only right after its prefecture.
COMMON_WORD_COUNTIES = {"城区", "矿区", "郊区", "市辖区", "新区"}
# 中国特色社会主义, 中国式现代化: set phrases, not the country as a place of the news.
COUNTRY_PHRASES = re.compile("^(?:特色社会主义|式现代化|梦)")


def _chrome_spans(text: str) -> list[tuple[int, int, str]]:
    if "网" not in text and "地址" not in text:
        return []  # (every match holds one or the other: the pattern is costly to try at every character)
    return [(m.start(), m.end(), "international") for m in _CHROME.finditer(text)]


def _word_not_place(text: str, start: int, end: int, surface: str, gaz: Gazetteer) -> bool:
    """代县长, 代理县长, 城市和县城: a two-character county name whose second half begins a
    word (县长, 县委, 县城); 城区 alone; 中国特色社会主义."""
    after = text[end : end + 1]
    if len(surface) == 2 and surface[-1] in "县区市旗" and after in set("长委城级域内里"):
        return True
    if surface in COMMON_WORD_COUNTIES:
        return not any(r.level == "prefecture" for r in gaz.get(text[max(0, start - 3) : start], []))
    return surface == "中国" and COUNTRY_PHRASES.match(text[end : end + 6]) is not None


def _counties_after_parent(text: str, mentions: list[RegionMention], ref: Reference) -> list[RegionMention]:
    """浙江安吉, 福建长汀, 四川汶川: a county's short name right after its province or prefecture."""
    out = []
    taken = {m.start for m in mentions}
    for m in mentions:
        if m.region.level not in ("province", "prefecture") or not m.region.admin_code or m.end in taken:
            continue
        prefix = m.region.admin_code[:2] if m.region.level == "province" else m.region.admin_code[:4]
        for n in (3, 2):
            rows = [
                r for r in _county_cores(ref).get(text[m.end : m.end + n], []) if r["admin_code"].startswith(prefix)
            ]
            if len(rows) == 1 and not text[m.end :].startswith(rows[0]["name"]):
                row = rows[0]
                region = Region(
                    "CN-" + row["admin_code"],
                    row["name"],
                    "county",
                    "CN-" + row["parent_code"],
                    "CN",
                    row["admin_code"],
                    row["longitude"],
                    row["latitude"],
                )
                out.append(RegionMention(m.end, m.end + n, text[m.end : m.end + n], region))
                break
    return out


# Townships, subdistricts and villages (李家镇, 王庄乡, 东湖街道, 柳树村) are in no gazetteer.
_TOWNSHIP = re.compile(rf"([{HAN}]{{2,4}}?)(镇|乡|街道)(?!村|镇(?!长)|[土亲愁下间贤情音长江])")
# Its suffix, two to four characters after where a township's name starts: the only starts tried (matches_around).
_TOWNSHIP_SUFFIX = re.compile("镇|乡|街道")
_TOWN_HEAD = re.compile(rf"^(?:镇长|乡长|党委|人民政府|政府|办事处|[{HAN}]{{2,3}}村)")
_TOWN_AT = re.compile(r"(?:在|于|到|来到|位于|落户|前往|赴|走进|深入)\Z")
_HAN_RUN_END = re.compile(rf"[{HAN}]*\Z")
_VILLAGE = re.compile(rf"([{HAN}]{{2,3}}?)村(?![{HAN}]{{0,1}}(?:民|庄|落|镇|级|集体|干部))")
GENERIC_TOWNS = {
    "城镇",
    "乡镇",
    "小镇",
    "集镇",
    "重镇",
    "名镇",
    "古镇",
    "村镇",
    "城乡",
    "家乡",
    "故乡",
    "下乡",
    "返乡",
    "建制镇",
    "中心镇",
    "特色小镇",
    "重点镇",
    "全镇",
    "全乡",
    "本镇",
    "该镇",
    "各镇",
}


def _townships(text: str, mentions: list[RegionMention], ref: Reference) -> list[RegionMention]:
    """A township named as one: after its county (临江县李家镇), before its head or a village
    (白石镇镇长, 南湾镇柳树村), after 在/来到, or listed with another (李家镇、王庄乡);
    then a village right after a township (李家镇柳树村)."""
    if "镇" not in text and "乡" not in text and "街道" not in text:
        return []  # (every township ends in one of these)
    ends = {m.end: m for m in mentions if m.region.level in ("county", "prefecture")}
    found: list[RegionMention] = []
    candidates = []
    for m in matches_around(_TOWNSHIP, _TOWNSHIP_SUFFIX, (2, 4), text):
        suffix = m.group(2)
        han_run = _HAN_RUN_END.search(text[max(0, m.end(1) - TOWNSHIP_NAME_REACH) : m.end(1)])  # (always matches)
        run = han_run.group() if han_run else ""
        county = next((ends[e] for e in ends if m.end(1) - len(run) <= e < m.end(1) and m.end(1) - e >= 2), None)
        name = run[len(run) - (m.end(1) - county.end) :] if county else run[left_cut(run, ref.place_names) :]
        if len(name) > (4 if suffix == "街道" else 3):
            name = name[-2:]
        full = name + suffix
        if (
            len(name) < 2
            or full in GENERIC_TOWNS
            or len(strip_generic(name)) < 2
            or full in gazetteer(ref)
            or name[-1] in "乡镇城村区县市"
            or re.search("[个每各些全本该]", name)
        ):
            continue  # 每个乡镇, 城乡: words, not a township
        start, end = m.end(1) - len(name), m.end()
        before = text[max(0, start - 4) : start]
        evidence = (
            county is not None
            or _TOWN_HEAD.match(text[end : end + 5])
            or _TOWN_AT.search(before)
            or text[end : end + 1] == "、"
            or before.endswith("、")
        )
        candidates.append((start, end, full, bool(evidence), county))
    listed = {c[0] for c in candidates if c[3]}
    for start, end, full, evidence, county in candidates:
        near_list = any(abs(start - s) <= 8 for s in listed if s != start) and (
            text[end : end + 1] == "、" or text[max(0, start - 1) : start] == "、"
        )
        # _TOWN_AT's words have at most two characters: the two before `start` decide (not the whole text before it).
        said_at = _TOWN_AT.search(text[max(0, start - 2) : start])
        if not (evidence and (county or _TOWN_HEAD.match(text[end : end + 5]) or said_at or near_list)):
            continue
        parent = county.region.region_key if county else None
        found.append(RegionMention(start, end, full, Region(f"TOWN:CN:{full}", full, "other", parent, "CN")))
    parents = {t.region.name: t.region for t in sorted(found, key=lambda t: t.region.parent_key is None)}
    for town in found:  # one region per township name, with the county a mention gave it
        town.region = parents[town.region.name]
    for town in list(found):
        village = _VILLAGE.match(text[town.end : town.end + 5])
        if village and len(strip_generic(village.group(1))) >= 2:
            name = village.group()
            found.append(
                RegionMention(
                    town.end,
                    town.end + len(name),
                    name,
                    Region(f"TOWN:CN:{town.region.name}:{name}", name, "other", town.region.region_key, "CN"),
                )
            )
    return found


def _longest(hits: list[Hit]) -> list[Hit]:
    """Drop a hit inside a longer one (天津 inside 天津市), keep adjacent and separate ones."""
    hits = sorted(set(hits), key=lambda h: (h[0], -(h[1] - h[0])))
    kept: list[Hit] = []
    # In this order every kept hit starts at or before h, and none lies inside a later one (at an
    # equal start the longer comes first): h is inside a kept hit exactly when one reaches its end.
    reach = -1
    for h in hits:
        if h[1] <= reach:
            continue
        kept.append(h)
        reach = max(reach, h[1])
    # Of two partly overlapping hits keep the longer (中山东路 vs 山东): rare, but no double counting.
    out: list[Hit] = []
    for h in sorted(kept):
        if out and h[0] < out[-1][1]:
            if h[1] - h[0] > out[-1][1] - out[-1][0]:
                out[-1] = h
            continue
        out.append(h)
    return out


def _blocked(start: int, end: int, surface: str, blocked: list[tuple[int, int, str]], gaz: Gazetteer) -> bool:
    for lo, hi, kind in blocked:
        if lo <= start and end <= hi:
            if kind == "international":
                return True
            full_or_country = any(r.name == surface or r.level == "country" for r in gaz.get(surface, []))
            if kind == "brand" and not (start == lo and full_or_country):
                return True
    return False


def _pick(candidates: list[Region], surface: str, context: set[str]) -> Region:
    """One region for a surface; an ambiguous one by the other places in the text, else uncoded."""
    if len(candidates) == 1:
        return candidates[0]
    fitting = [c for c in candidates if c.parent_key in context or _province(c) in context]
    if len(fitting) == 1:
        return fitting[0]
    first = candidates[0]
    return Region(f"CN-NAME:{surface}", first.name, first.level, None, first.country_code)


def _province(region: Region) -> str | None:
    return f"CN-{region.admin_code[:2]}0000" if region.admin_code else None


# Every match starts with a province's letter: the lookahead lets the engine reject other characters at once.
_ABBREVIATION = re.compile(
    rf"(?=[{''.join(PROVINCE_ABBREVIATIONS)}])"
    rf"(?:(?:(?<=[在来赴抵返离驻留])(?P<one>[{''.join(PROVINCE_ABBREVIATIONS)}])(?=[举召落成开工投签设办考调参建]))"
    r"|(?P<gate>津门|京畿)|(?P<pair>京津冀|京津|沪苏浙|苏浙沪))"
)
_ABBREVIATION_FIRST = re.compile(rf"[{''.join(PROVINCE_ABBREVIATIONS)}]")  # where a match can begin


def _abbreviations(text: str, gaz: Gazetteer) -> list[RegionMention]:
    """在津举行 -> 天津市; 津门 -> 天津市; 京津冀 is a macro region handled by the gazetteer."""
    by_code = _provinces_by_code(gaz)
    out = []
    for m in matches_from(_ABBREVIATION, _ABBREVIATION_FIRST, text):
        letter = m["one"] or (m["gate"][0] if m["gate"] else None)
        region = by_code.get(PROVINCE_ABBREVIATIONS.get(letter or "", ""))
        if region is not None:
            out.append(RegionMention(m.start(), m.end(), m.group(), region))
    return out


_BY_CODE: dict[int, tuple[Gazetteer, dict[str, Region]]] = {}


def _provinces_by_code(gaz: Gazetteer) -> dict[str, Region]:
    """Province admin code -> region, built once per gazetteer (not once per document)."""
    cached = _BY_CODE.get(id(gaz))
    if cached is None or cached[0] is not gaz:
        _BY_CODE.clear()
        cached = _BY_CODE[id(gaz)] = (
            gaz,
            {
                r.admin_code: r
                for regions in gaz.values()
                for r in regions
                if r.level == "province" and r.admin_code is not None
            },
        )
    return cached[1]


def _zones(text: str, places: list[RegionMention], ref: Reference) -> list[RegionMention]:
    full: list[RegionMention] = []
    seen: set[tuple[int, int]] = set()
    near = SpanIndex(places)
    for _, start, end in _ZONE_SUFFIX_MATCHER.find_matches_as_indexes(text):
        # _zone_at looks at most a few dozen characters before its zone word: the places there are enough
        zone = _zone_at(text, start, end, near.touching(start - ZONE_PLACES_REACH, end), ref)
        if zone is not None and (zone.start, zone.end) not in seen:
            seen.add((zone.start, zone.end))
            full.append(zone)
    full = _drop_alias_phrases(_link_short_forms(_merge_same_head(_outermost_zones(full))), places)
    return full + _zone_aliases(text, full, ref)


def _link_short_forms(zones: list[RegionMention]) -> list[RegionMention]:
    """合肥高新区 after 合肥高新技术产业开发区: the short form names the zone named in full."""
    for zone in zones:
        full = next(
            (o for o in zones if o.region.name != zone.region.name and zone.region.name in _short_forms(o.region.name)),
            None,
        )
        if full is not None:
            zone.region = full.region
    return zones


def _drop_alias_phrases(zones: list[RegionMention], places: list[RegionMention]) -> list[RegionMention]:
    """扩大生态城, 此后合肥高新区: words before the short form of a zone already named in full
    (unless those words hold a place: 中新青岛生态城 is a zone of its own)."""
    out = []
    # Zones of one key share a name, hence short forms: each key once, in order of first mention (the
    # order the forms of the other zones were tried in), and each key's verdict once.
    forms: dict[str, tuple[str, ...]] = {}
    for zone in zones:
        forms.setdefault(zone.region.region_key, _short_forms(zone.region.name))
    hits: dict[str, str | None] = {}
    for zone in zones:
        key, name = zone.region.region_key, zone.region.name
        if key not in hits:
            hits[key] = next(
                (
                    f
                    for other, shorts in forms.items()
                    if other != key
                    for f in shorts
                    if name.endswith(f) and name != f
                ),
                None,
            )
        hit = hits[key]
        if hit is not None:
            head_end = zone.end - len(hit)
            if not any(zone.start <= p.start and p.end <= head_end for p in places):
                continue
        out.append(zone)
    return out


def _zone_at(
    text: str, suffix_start: int, suffix_end: int, places: list[RegionMention], ref: Reference
) -> RegionMention | None:
    suffix = text[suffix_start:suffix_end]
    if text[suffix_end : suffix_end + 1] == "型":
        return None  # 工业园区型: a kind of zone, not a zone
    run = _name_run(text[max(0, suffix_start - ZONE_NAME_REACH) : suffix_start])
    run = run[_zone_cut(run, ref) :]
    start = suffix_start - len(run)
    name = run + suffix
    if len(name) < 4 or name in NOT_ZONES or name in gazetteer(ref) or _ends_in_county(name, ref):
        return None  # 天津滨海新区 is the county 滨海新区
    if suffix == "园" and any(name.endswith(w) for w in NOT_ZONES):
        return None  # 幼儿园, 花园: a bare 园 that is an ordinary word
    inner = [p for p in places if p.start >= start and p.end <= suffix_start]
    first = min(inner, key=lambda p: p.start, default=None)
    if first is not None and first.start > start and not COUNTRY_PAIR.match(text[start : first.start]):
        run, start = run[first.start - start :], first.start  # 鼓励|合肥高新技术产业开发区
        name = run + suffix
    elif first is None:
        core_at = _first_core_at(run, ref)
        company = re.escape(run[:core_at]) + r"[^，。,;；]{0,8}(?:集团|公司)" if core_at >= 3 else None
        if company and re.search(company, text):
            start, run = start + core_at, run[core_at:]  # 华光能源|格尔木光伏产业园: a company before the place
            name = run + suffix
    lead = next(
        (p for p in inner if p.start == start and p.region.level == "country" and p.region.country_code != "CN"), None
    )
    if lead is not None:
        inner = [lead]  # 越南|海防安阳工业园区: what follows a foreign country is a foreign name
    local = _county_cores_in(run, ref)
    paired = _PROVINCE_PAIR.search(run[:3])  # 沪苏产业新城
    placed = bool([p for p in inner if p.region.level != "country"] or local or paired)
    specific = strip_generic(_drop_places(run, inner, start))
    if suffix in WEAK_ZONE_SUFFIXES and not placed:
        return None
    if not placed and len(specific) < 3:
        return None  # 推介国家绿色发展示范区: a verb and generic words, not a name
    parent = _zone_parent(text, start, inner, places) or _local_parent(local, ref)
    country = parent.region.country_code if parent else "CN"
    while True:  # 江苏省|常州经济技术开发区: a division written in full before the zone's own name
        lead_full = next(
            (
                p
                for p in inner
                if p.start == start
                and p.surface == p.region.name
                and p.region.level in ("province", "prefecture")
                and p.region.country_code == "CN"
                and p.end < suffix_start
            ),
            None,
        )
        if lead_full is None or len(name) - len(lead_full.surface) < 4:
            break
        start, name = lead_full.end, name[len(lead_full.surface) :]
    if parent and parent.region.level == "country" and name.startswith(parent.surface) and parent.surface != name:
        start, name = start + len(parent.surface), name[len(parent.surface) :]  # 泰国|泰达特别经济区
        if len(name) < 4 or name == suffix:
            return None
    key = f"ZONE:{country}:{name}"
    region = Region(key, name, "zone", parent.region.region_key if parent else None, country)
    return RegionMention(start, suffix_end, name, region, placed=placed)


@lru_cache(maxsize=NAME_CACHE_SIZE)  # the same zone names and the words before them recur across articles
def _zone_cut(run: str, ref: Reference) -> int:
    """Where a zone name can start in the text before its zone word: after a stop word, a
    quantity (40多年, 一个), a conjunction, or another zone or organization word (never
    inside a place name: 共和 is a county, not 共|和)."""
    cut = left_cut(run, ref.place_names, ref.name_starts)
    protected = place_spans(run, _places_and_county_names(ref))
    for pattern in _ZONE_CUTS:
        for m in reversed(list(pattern.finditer(run))):  # non-overlapping, in order: the last free one counts
            if not (protected and any(lo < m.end() and m.start() < hi for lo, hi in protected)):
                cut = max(cut, m.end())
                break
    return cut


@lru_cache(maxsize=4)
def _full_names(ref: Reference) -> frozenset[str]:
    """Full county names of three or more characters (滨海新区), to spot province + county spellings."""
    counties = ref.divisions.filter(pl.col("level") == "county")
    return frozenset(n for n in counties["name"] if len(n) >= 3)


@lru_cache(maxsize=4)
def _county_cores(ref: Reference) -> dict[str, list[dict[str, Any]]]:
    """County names without their 区/县/市/旗 (河西 for 河西区) -> the counties: inside a zone
    name they show it is specific, though alone they are too common to count as places."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in ref.divisions.filter(pl.col("level") == "county").iter_rows(named=True):
        for core in {row["short_name"], row["name"][:-1] if len(row["name"]) >= 3 else None} - {None, ""}:
            if core not in COMMON_COUNTY_CORES:
                out.setdefault(core, []).append(row)
    return out


@lru_cache(maxsize=4)
def _county_short_names(ref: Reference) -> frozenset[str]:
    return frozenset(_county_cores(ref))


@lru_cache(maxsize=4)
def _places_and_county_names(ref: Reference) -> frozenset[str]:
    return ref.place_names | _county_short_names(ref)


@lru_cache(maxsize=4)
def _core_lengths(ref: Reference) -> dict[str, tuple[int, ...]]:
    """First character -> lengths of the county cores starting with it."""
    out: dict[str, set[int]] = {}
    for core in _county_short_names(ref):
        out.setdefault(core[0], set()).add(len(core))
    return {ch: tuple(sorted(ns)) for ch, ns in out.items()}


@lru_cache(maxsize=NAME_CACHE_SIZE)  # per zone name run: the same names recur across articles
def _ends_in_county(name: str, ref: Reference) -> bool:
    """A full county name of three or more characters ends `name`: 天津滨海新区 is the county 滨海新区."""
    counties = _full_names(ref)
    return any(name[-n:] in counties for n in range(3, min(len(name), 10) + 1))


@lru_cache(maxsize=NAME_CACHE_SIZE)  # per zone name run: the same names recur across articles
def _county_cores_in(run: str, ref: Reference) -> frozenset[str]:
    """County cores (two or three characters) that occur in `run`."""
    return _county_short_names(ref) & {run[i : i + n] for n in (2, 3) for i in range(len(run) - n + 1)}


@lru_cache(maxsize=NAME_CACHE_SIZE)  # per zone name run: the same names recur across articles
def _first_core_at(run: str, ref: Reference) -> int:
    """Where the first county core in `run` starts (-1 if none): `run.find` of the earliest of them."""
    cores, lengths = _county_short_names(ref), _core_lengths(ref)
    for i, ch in enumerate(run):
        if any(n <= len(run) - i and run[i : i + n] in cores for n in lengths.get(ch, ())):
            return i
    return -1


def _local_parent(local: Set[str], ref: Reference) -> RegionMention | None:
    """The county a zone is named after, when that name belongs to one county only."""
    for short in sorted(local, key=len, reverse=True):
        rows = _county_cores(ref).get(short, [])
        if len(rows) == 1:
            row = rows[0]
            region = Region(
                "CN-" + row["admin_code"],
                row["name"],
                "county",
                "CN-" + row["parent_code"],
                "CN",
                row["admin_code"],
                row["longitude"],
                row["latitude"],
            )
            return RegionMention(-1, -1, short, region)
    return None


def _drop_places(run: str, inner: list[RegionMention], offset: int) -> str:
    chars = list(run)
    for p in inner:
        for i in range(p.start - offset, p.end - offset):
            if 0 <= i < len(chars):
                chars[i] = ""
    return "".join(chars)


def _zone_parent(
    text: str, start: int, inner: list[RegionMention], places: list[RegionMention]
) -> RegionMention | None:
    """The most specific place inside the zone name, else the place right before it."""
    if inner:
        return min(inner, key=lambda p: LEVEL_RANK.get(p.region.level, UNRANKED_LEVEL))
    before = [
        p for p in places if p.end == start or (0 < start - p.end <= 2 and text[p.end : start] in ("的", "省", "市"))
    ]
    return before[-1] if before else None


def _outermost_zones(zones: list[RegionMention]) -> list[RegionMention]:
    """A zone named inside a longer zone name is kept too (临江经济开发区 in 临江经济开发区新材料产业园),
    but not a zone that is just a longer one with its head cut off."""
    out = []
    first_start: dict[int, int] = {}  # end -> the smallest start of a kept zone ending there
    for z in sorted(zones, key=lambda z: (z.start, -z.end)):
        if first_start.get(z.end, z.start) < z.start:
            continue
        out.append(z)
        first_start.setdefault(z.end, z.start)
    return out


def _zone_aliases(text: str, zones: list[RegionMention], ref: Reference) -> list[RegionMention]:
    """Short forms of zones named in full: 生态城, 南沙经开区 (only where a name may start)."""
    out = []
    owners: dict[str, set[str]] = {}  # short form -> keys of the zones it could name
    taken = bytearray(len(text) + 1)  # 1 inside a zone or an alias found
    for z in zones:
        taken[z.start : z.end] = b"\x01" * (z.end - z.start)
        for short in _short_forms(z.region.name):
            owners.setdefault(short, set()).add(z.region.region_key)
    # A later mention of a zone already done finds nothing new (its short forms' matches are all
    # taken or refused): each zone key once.
    first: dict[str, RegionMention] = {}
    for z in zones:
        first.setdefault(z.region.region_key, z)
    for zone in first.values():
        for short in _short_forms(zone.region.name):
            if owners[short] - {zone.region.region_key}:
                continue  # two zones share this short form: it names neither
            for start, end in literal_spans(text, short):
                if taken[start]:
                    continue
                run = _name_run(text[max(0, start - ZONE_SHORT_FORM_CONTEXT) : start])
                if run and left_cut(run, ref.place_names) != len(run) and not run.endswith(("和", "与", "及")):
                    continue  # 全国经济技术开发区: part of another name
                out.append(RegionMention(start, end, short, zone.region))
                taken[start:end] = b"\x01" * (end - start)
    return out


def _split(name: str) -> tuple[str, str]:
    suffix = next((s for s in ZONE_SUFFIXES if name.endswith(s)), "")
    return name[: len(name) - len(suffix)], suffix


def _merge_same_head(zones: list[RegionMention]) -> list[RegionMention]:
    """泰达园区 after 泰达特别经济区: one zone (same own name, a different zone word)."""
    canonical: dict[str, Region] = {}
    for zone in zones:
        head, _ = _split(zone.region.name)
        if len(head) >= 3:
            zone.region = canonical.setdefault(head, zone.region)
    return zones


@lru_cache(maxsize=65536)
def _short_forms(name: str) -> tuple[str, ...]:
    """生态城 for 中新青岛生态城; 南沙经开区 for 广州南沙经济技术开发区."""
    forms = []
    _, suffix = _split(name)
    if len(suffix) >= 3:
        forms.append(suffix)  # 生态城
    for short, long in ZONE_ABBREVIATIONS.items():
        if name.endswith(long):
            core = name[: -len(long)]
            forms += [core + short, core[-2:] + short] if len(core) > 2 else [core + short]
    return tuple(f for f in dict.fromkeys(forms) if f != name and len(f) >= 3 and f not in NOT_ZONES)
