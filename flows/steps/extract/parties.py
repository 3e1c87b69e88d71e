"""Parties: organizations and people, with their types, titles, affiliations and aliases.

Organizations come from
- the organization lexicon (ministries, central enterprises, international bodies, media…),
  a leading 中国/中华人民共和国 or country name taken into the mention (美国GE, 中国住房和城乡建设部);
- name structure: a name ending in an organization word (人民政府, 管委会, 委员会, 部, 局,
  有限公司, 集团, 大学, 研究院, 中心, 协会, 商会, 联盟…) whose start is found by walking left
  to the last stop word (lexicon.left_cut), rejected when what is left is generic
  (行业协会, 数据中心, 北京公司) or a common word that ends like a name (布局, 内部, 部署);
- nesting: a name that starts with another organization's name (生态环境部|气候变化司,
  兰州大学|先进材料研究院) also yields that organization, recorded as its parent;
- abbreviations: 中国绿环, 国材中心, 新区管委会 — a later word whose characters appear in order
  in a full name of the same document, starting with its first character (or the first after
  its place prefix), at least three characters long.
People come from a title right before a name (院长王平, 董事长张立新, 副秘书长赵明远; a surname
from the surname list, one or two more characters, then a word that can follow a name), from
collective titles (市领导李文华、孙亮), honorifics (陈嘉树先生), and every later use of a name
found so.
Within a document, mentions are grouped under one canonical name: the same name without a
legal suffix (…集团 / …集团有限公司), without or with a place prefix (滨海新区人民政府 /
天津市滨海新区人民政府), with a short place name (天津滨海新区… / 天津市滨海新区…),
政府 for 人民政府, and the abbreviations above; the longest official form is canonical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TypedDict

import ahocorasick_rs
import polars as pl

from flows.steps.constants import (
    COUNTRY_PREFIX_REACH,
    HAN,
    LEVEL_RANK,
    NAME_CACHE_SIZE,
    ORG_NAME_CHARS,
    ORG_NAME_REACH,
    SHORT_FORM_CONTEXT,
    TITLE_CHAIN_REACH,
    TRANSLITERATED_NAME_REACH,
    UNRANKED_LEVEL,
)
from flows.steps.extract.lexicon import (
    STOP_PATTERN,
    Reference,
    left_cut,
    longest_word_matcher,
    longest_word_pattern,
    place_spans,
    prefecture_core,
    strip_generic,
)
from flows.steps.extract.regions import RegionMention
from flows.steps.extract.rules import Rule, accept, always, decide, reject
from flows.steps.extract.text import Hit, SpanIndex, literal_spans

# suffix -> party type; compound suffixes so that 院/所/办 alone never end a name.
ORG_SUFFIXES: dict[str, str] = {
    "股份有限公司": "enterprise",
    "有限责任公司": "enterprise",
    "集团有限公司": "enterprise",
    "有限公司": "enterprise",
    "分公司": "enterprise",
    "分行": "enterprise",
    "支行": "enterprise",
    "办事处": "other",
    "代表处": "other",
    "气象台": "government",
    "集团": "enterprise",
    "公司": "enterprise",
    "银行": "enterprise",
    "交易所": "enterprise",
    "事务所": "enterprise",
    "人民政府": "government",
    "政府": "government",
    "管理委员会": "government",
    "管委会": "government",
    "党工委": "government",
    "常委会": "government",
    "委员会": "government",
    "办公厅": "government",
    "办公室": "government",
    "指挥部": "government",
    "部": "government",
    "局": "government",
    "厅": "government",
    "司": "government",
    "委": "government",
    "办": "government",
    "法院": "government",
    "检察院": "government",
    "国务院": "government",
    "大学": "research_education",
    "学院": "research_education",
    "研究院": "research_education",
    "研究所": "research_education",
    "研究中心": "research_education",
    "科学院": "research_education",
    "工程院": "research_education",
    "设计院": "research_education",
    "实验室": "research_education",
    "学校": "research_education",
    "中学": "research_education",
    "小学": "research_education",
    "党校": "research_education",
    "中心": "research_education",
    "协会": "association",
    "商会": "association",
    "学会": "association",
    "联合会": "association",
    "促进会": "association",
    "研究会": "association",
    "基金会": "association",
    "联盟": "association",
    "理事会": "association",
    "社科联": "association",
    "文联": "association",
    "科协": "association",
    "工商联": "association",
    "组织": "international_org",
    "卫视": "media",
    "网": "media",
    "日报": "media",
    "晚报": "media",
    "时报": "media",
    "商报": "media",
    "报社": "media",
    "杂志社": "media",
    "电视台": "media",
    "通讯社": "media",
    "新闻社": "media",
    "博物馆": "other",
    "美术馆": "other",
    "图书馆": "other",
    "纪念馆": "other",
    "科技馆": "other",
    "展览馆": "other",
    "平台": "other",
    "医院": "other",
}
_SUFFIX_RE = longest_word_pattern(ORG_SUFFIXES)
_SUFFIX_MATCHER = longest_word_matcher(ORG_SUFFIXES)  # _SUFFIX_RE's spans, one pass over a whole text
_LONGEST_SUFFIX = max(map(len, ORG_SUFFIXES))
_SUFFIX_TUPLE = tuple(ORG_SUFFIXES)
# Compiled once here: the per-candidate rules below run thousands of times per document.
_NAME_RUN_REVERSED = re.compile(rf"{ORG_NAME_CHARS}*")
_QUANTITY = re.compile(r"[0-9零一二两三四五六七八九十百千万多余]+[家个所项位名批大]|\d{4}年度?")
_CONJUNCTION = re.compile(r"[和与及、]")
_BRACKET = re.compile(r"[()（）]")
_TRAILING_PLACE = re.compile(r"[(（]([^()（）]{2,8})[)）]")
_TRAILING_BRACKET = re.compile(r"[(（][^()（）]*[)）]\Z")
_LATIN = re.compile(r"[A-Za-z0-9&. ]+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_NAME_LETTER = re.compile(f"[{HAN}A-Za-z]")
_HAN_CHAR = re.compile(f"[{HAN}]")
_HAN_RUN = re.compile(f"[{HAN}]+")
_HAN_RUN_END = re.compile(rf"[{HAN}]+\Z")
_FOREIGN_NAME = re.compile(rf"[{HAN}]{{1,6}}(?:·[{HAN}]{{1,8}})+")
_LIST_BREAK = re.compile(r"[、，,。；;等]")
_LOCAL_GOVERNMENT = re.compile(r"(?<=[市区县省州旗])政府\Z")
# Words that end like an organization but are not one (布局, 内部, 部署 …): checked on the
# last characters of a candidate, and on the character right after it.
NOT_ORG_ENDINGS = (
    "布局",
    "格局",
    "大局",
    "全局",
    "结局",
    "开局",
    "当局",
    "全部",
    "内部",
    "外部",
    "局部",
    "干部",
    "本部",
    "北部",
    "南部",
    "东部",
    "西部",
    "中部",
    "头部",
    "顶部",
    "底部",
    "腹部",
    "各部",
    "俱乐部",
    "总部",
    "司机",
    "上司",
    "举办",
    "承办",
    "主办",
    "协办",
    "创办",
    "开办",
    "督办",
    "兴办",
    "申办",
    "筹办",
    "停办",
    "包办",
    "代办",
    "好办",
    "怎么办",
    "首都",
    "一部",
    "部委",
    "中小学",
    "幼儿园",
    "交办",
    "董事局",
    "董事会",
    # Venues are places, not parties (临江国际会展中心).
    "展览中心",
    "会展中心",
    "会议中心",
    "博览中心",
    "体育中心",
    "国际会议中心",
)
NOT_ORG_NEXT = {
    "部": "门分署长件队位",
    "局": "面势长",
    "委": "员托屈婉",
    "司": "机长法",
    "办": "法理公事成学",
    "厅": "长",
    "集团": "化军",
    "联盟": "国",
    "中心": "城区",
    "组织": "部",
    "平台": "上",
    "银行": "业卡",
    "网": "络站点格上民友页店购红关球员速评架化",
}
# Networks that are not news sites (电网, 互联网, 管网): a name ending in 网 is a site only without these.
NOT_NEWS_SITES = (
    "电网",
    "联网",
    "管网",
    "上网",
    "官网",
    "全网",
    "光网",
    "路网",
    "水网",
    "热网",
    "气网",
    "渔网",
    "天网",
    "外网",
    "内网",
    "域网",
    "骨干网",
    "主网",
    "带网",
    "信网",
    "专网",
    "窝网",
    "铁网",
    "丝网",
    "球网",
    "蛛网",
)
# Markers of a generic group rather than one named organization.
GENERIC_MARKERS = re.compile(
    r"相关|有关|各类|各级|多家|一批|部分|其他|这些|所属|下属|龙头|重点|知名|优质|国内外|等|"
    r"两国|双方|"
    r"三方|各方|各国|多国|两地|两岸|更多|一些|许多|很多|大量|具体|重大|若干|企业间|园区间|国家间|"
    r"城市间|部门间|国内|国外|海外|境内|境外"
)
# An organization may be named by its place alone only for these (兰州大学, 兰州市人民政府).
PLACE_NAMED = {
    "大学",
    "学院",
    "人民政府",
    "政府",
    "委员会",
    "常委会",
    "管委会",
    "日报",
    "晚报",
    "电视台",
    "党校",
    "气象台",
}
COLLECTIVE_TITLES = ("市领导", "省领导", "区领导", "县领导", "国家领导人", "中央领导", "领导同志", "嘉宾")
HONORIFICS = ("先生", "女士", "同志")
_HONORED = re.compile(rf"([{HAN}]{{2,3}})(?:{'|'.join(HONORIFICS)})")
# What may follow a person's name.
AFTER_NAME = (
    "表示",
    "介绍",
    "说",
    "指出",
    "强调",
    "认为",
    "宣布",
    "主持",
    "出席",
    "参加",
    "会见",
    "致辞",
    "发言",
    "透露",
    "告诉",
    "一行",
    "等",
    "在",
    "于",
    "和",
    "与",
    "及",
    "先生",
    "女士",
    "同志",
    "也",
    "还",
    "则",
    "就",
    "对",
    "向",
    "率",
    "带领",
    "一同",
    "共同",
    "并",
    "重点",
    "详细",
    "现场",
    "分别",
    "赴",
    "到",
    "来到",
    "通过",
    "一行",
    "首先",
    "随后",
    "更加",
    "有着",
    "谈到",
    "解读",
    "推介",
    "作",
    "进行",
    "接受",
    "提出",
    "称",
    "坦言",
    "直言",
    "感慨",
    "补充",
    "建议",
    "希望",
    "回答",
    "此前",
    "日前",
    "近日",
    "担任",
    "当选",
    "代表",
    "看来",
    "认真",
    "带队",
    "一起",
    "深入",
    "前往",
    "莅临",
    "会议",
    "参观",
    "调研",
    "考察",
    "听取",
    "的",
    "亲自",
    "作为",
    "兼",
    "出任",
    "签署",
    "签约",
    "是否",
    "发布",
    "宣读",
    "主讲",
    "点评",
    "致辞",
    "成功",
)
_AFTER_NAME_LONGEST = max(map(len, AFTER_NAME))
SPEECH = re.compile("表示|介绍|指出|强调|认为|透露|说|称|坦言|直言|谈到")
NOT_GIVEN_NAME = set("的了在和与是等会说表示第各该本其这那个们长员者副总")


@dataclass
class PartyMention:
    start: int
    end: int
    surface: str
    party_type: str
    name: str = ""
    title: str | None = None
    affiliation: str | PartyMention | None = None  # the unit's mention while found, its name once canonical
    country_code: str | None = None
    region_key: str | None = None
    parent: str | None = None
    source: str = "pattern"
    lexicon_name: str | None = None
    aliases: set[str] = field(default_factory=set)

    # Written out, not generated by @dataclass: mypyc compiles this one (flows/native.py), not a generated one.
    def __init__(
        self,
        start: int,
        end: int,
        surface: str,
        party_type: str,
        name: str = "",
        title: str | None = None,
        affiliation: str | PartyMention | None = None,
        country_code: str | None = None,
        region_key: str | None = None,
        parent: str | None = None,
        source: str = "pattern",
        lexicon_name: str | None = None,
        aliases: set[str] | None = None,
    ) -> None:
        self.start, self.end, self.surface, self.party_type, self.name = start, end, surface, party_type, name
        self.title, self.affiliation, self.country_code, self.region_key = title, affiliation, country_code, region_key
        self.parent, self.source, self.lexicon_name = parent, source, lexicon_name
        self.aliases = set() if aliases is None else aliases


def _name_run(window: str) -> str:
    """The name characters ending `window`: _name_run("记者，临江集团") -> "临江集团" (read backwards: a search
    for a run ending the text would retry from every character)."""
    run = _NAME_RUN_REVERSED.match(window[::-1])  # (a starred class: it always matches, maybe nothing)
    return window[len(window) - run.end() :] if run else ""


class LexiconEntry(TypedDict):
    """An organization of the lexicon, by any of its names:
    lexicon(ref)["工信部"] -> {"name": "工业和信息化部", "party_type": "government", "country_code": "CN"}."""

    name: str
    party_type: str
    country_code: str | None


@lru_cache(maxsize=4)
def lexicon(ref: Reference) -> dict[str, LexiconEntry]:
    """surface (name or alias) -> {name, party_type, country_code} from the organization lexicon."""
    out: dict[str, LexiconEntry] = {}
    for row in ref.organizations.iter_rows(named=True):
        entry: LexiconEntry = {
            "name": row["name"],
            "party_type": row["party_type"],
            "country_code": row["country_code"] or None,
        }
        for surface in [row["name"], *row["aliases"]]:
            if surface and len(surface) >= 2:
                out.setdefault(surface, entry)
    return out


@lru_cache(maxsize=4)
def _lexicon_names(ref: Reference) -> frozenset[str]:
    """Lexicon surfaces of four characters or more."""
    return frozenset(s for s in lexicon(ref) if len(s) >= 4)


@lru_cache(maxsize=4)
def _longest_lexicon_name(ref: Reference) -> int:
    return max(map(len, _lexicon_names(ref)), default=0)


def _holds_lexicon_name(text: str, ref: Reference) -> bool:
    """Some lexicon surface of four characters or more occurs in `text` (its substrings are looked up,
    not every surface scanned for)."""
    names, longest = _lexicon_names(ref), _longest_lexicon_name(ref)
    return any(text[i : i + n] in names for i in range(len(text)) for n in range(4, min(longest, len(text) - i) + 1))


def lexicon_hits(documents: pl.DataFrame, ref: Reference) -> dict[str, list[Hit]]:
    """doc_id -> (start, end, surface) of organization-lexicon surfaces, longest first (vectorized)."""
    from flows.steps.extract.text import find_all

    return find_all(documents, sorted(lexicon(ref), key=lambda s: (-len(s), s)))


def find(
    text: str,
    hits: list[Hit],
    regions: list[RegionMention],
    ref: Reference,
    near_regions: SpanIndex[RegionMention] | None = None,
) -> list[PartyMention]:
    """Every party mention of one document, canonical names resolved within it (`near_regions`: the
    caller's SpanIndex of these regions, when it has one)."""
    orgs = _lexicon_orgs(text, hits, ref) + _pattern_orgs(text, ref)
    orgs = _resolve_overlaps(orgs)
    _nested(orgs, text, ref)  # sets .parent; a parent named only inside its unit is no mention of its own
    orgs += _abbreviations(text, orgs, ref)
    orgs += _brands(text, orgs, ref)
    people = _people(text, orgs, ref)
    orgs = _after_people(orgs, people, ref)
    mentions = sorted(orgs + people, key=lambda m: (m.start, -m.end))
    _bracketed_short_forms(text, orgs)
    _canonicalize(mentions, ref)
    _locate(mentions, near_regions or SpanIndex(regions))
    return mentions


def _after_people(orgs: list[PartyMention], people: list[PartyMention], ref: Reference) -> list[PartyMention]:
    """孙亮和市政府: a name that starts with a person found elsewhere starts after that person."""
    out = []
    covering: dict[int, PartyMention] = {}  # position -> the first person whose name covers it
    for p in people:
        for at in range(p.start, p.end):
            covering.setdefault(at, p)
    for org in orgs:
        person = covering.get(org.start)
        if person is None:
            out.append(org)
            continue
        cut = person.end - org.start
        rest = org.surface[cut:].lstrip("和与及、")
        start = org.end - len(rest)
        suffix = _SUFFIX_RE.search(rest)
        word = suffix.group() if suffix else ""
        if word and rest.endswith(word) and _valid_org(rest, rest[: -len(word)], word, ref):
            org.start, org.surface = start, rest
            out.append(org)
    return out


def _lexicon_orgs(text: str, hits: list[Hit], ref: Reference) -> list[PartyMention]:
    lex = lexicon(ref)
    out = []
    for start, end, surface in hits:
        if not _standalone_alias(text, start, end, surface, ref) or _continues(text, end, surface):
            continue
        entry = lex[surface]
        prefix = re.search(r"(中华人民共和国|中国)\Z", text[max(0, start - len("中华人民共和国")) : start])
        if prefix and entry["country_code"] == "CN" and not surface.startswith(("中国", "中华")):
            start -= len(prefix.group())
        country = _country_prefix(text, start, ref)
        if country and entry["country_code"] not in (None, "CN"):
            start -= len(country)
        out.append(
            PartyMention(
                start,
                end,
                text[start:end],
                entry["party_type"],
                source="lexicon",
                lexicon_name=entry["name"],
                country_code=entry["country_code"],
            )
        )
    return out


def _continues(text: str, end: int, surface: str) -> bool:
    """交通运输部门: the name runs on into a common word, so it is not the name."""
    nxt = text[end : end + 1]
    return bool(nxt) and any(surface.endswith(k) and nxt in v for k, v in NOT_ORG_NEXT.items())


def _standalone_alias(text: str, start: int, end: int, surface: str, ref: Reference) -> bool:
    """A short or Latin alias must stand alone: GE is not in GEF, 国网 is not in 全国网."""
    if _LATIN.fullmatch(surface):
        # (the letter before it read in place: a search of text[:start] cost the text's length per alias)
        return not _ASCII_LETTER.match(text, end, end + 1) and not (start and _ASCII_LETTER.match(text, start - 1))
    if len(surface) <= 2:
        run = _name_run(text[max(0, start - SHORT_FORM_CONTEXT) : start])
        return not run or left_cut(run, ref.place_names) == len(run)
    return True


def _country_prefix(text: str, start: int, ref: Reference) -> str | None:
    """A country name right before a mention (美国GE, 法国ABC集团)."""
    before = text[max(0, start - COUNTRY_PREFIX_REACH) : start]
    names = _country_names(ref)
    return next((before[-n:] for n in range(len(before), 1, -1) if before[-n:] in names), None)


@lru_cache(maxsize=4)
def _country_names(ref: Reference) -> frozenset[str]:
    return frozenset([*ref.countries["name_zh"], *ref.countries["aliases"].explode().drop_nulls()])


@lru_cache(maxsize=4)
def _title_set(ref: Reference) -> frozenset[str]:
    """Titles that are not also organization words (常委 is a title, 委员会 a body)."""
    return frozenset(t for t in ref.title_words if len(t) >= 2 and t not in ORG_SUFFIXES)


def _pattern_orgs(text: str, ref: Reference) -> list[PartyMention]:
    out = []
    for _, start, end in _SUFFIX_MATCHER.find_matches_as_indexes(text):
        org = _org_at(text, start, end, text[start:end], ref)
        if org is not None:
            out.append(org)
    return out


def _org_at(text: str, suffix_start: int, suffix_end: int, suffix: str, ref: Reference) -> PartyMention | None:
    nxt = text[suffix_end : suffix_end + 1]
    if (nxt and nxt in NOT_ORG_NEXT.get(suffix, "")) or (nxt == "长" and len(suffix) <= 2):
        return None
    named = _org_name(_name_run(text[max(0, suffix_start - ORG_NAME_REACH) : suffix_start]), suffix, ref)
    if named is None:
        return None
    length, party_type = named
    end = suffix_end
    trailing = _TRAILING_PLACE.match(text, suffix_end, suffix_end + 10)
    if trailing and trailing.group(1) in ref.place_names:
        end += trailing.end() - suffix_end  # 国际合作中心(德国)
    start = suffix_start - length
    return PartyMention(start, end, text[start:end], party_type)


@lru_cache(maxsize=NAME_CACHE_SIZE)
def _org_name(run: str, suffix: str, ref: Reference) -> tuple[int, str] | None:
    """(length of its own name, party type) of the organization named by the end of `run` (name characters
    before an organization word) and `suffix`, or None when it is none: _org_name("记者从临江集团", "有限公司", ref)
    -> (4, "enterprise"). Cached: it reads only these strings, and the same names recur across articles."""
    run = run[_org_cut(run, ref) :].lstrip("—-·")
    name = run + suffix
    return (len(run), _org_type(name, suffix)) if _valid_org(name, run, suffix, ref) else None


def _org_cut(run: str, ref: Reference) -> int:
    """Where an organization name can start in the text before its suffix: after a stop word,
    a quantity (共有7家|子公司), a conjunction that follows another organization
    (…合作联盟和|中外文旅教育产业合作联盟), or a bracket that is not closed inside the name
    (临江县林业和草原局（|县林草局）, （记者 何某）|中国生态环境部)."""
    cut = left_cut(run, ref.place_names, ref.name_starts)
    bracketed = _BRACKET.search(run) is not None  # (most names hold no bracket: their loops are skipped)
    if bracketed:
        depth = 0
        for i, ch in enumerate(run):
            if ch in "(（":
                depth += 1
            elif ch in ")）":
                if depth == 0:
                    cut = max(cut, i + 1)
                depth = max(depth - 1, 0)
        opened = [i for i, ch in enumerate(run) if ch in "(（"]
        closed = [i for i, ch in enumerate(run) if ch in ")）"]
        if len(opened) > len(closed):
            cut = max(cut, opened[len(closed)] + 1 if closed else opened[-1] + 1)
    for m in _QUANTITY.finditer(run):
        cut = max(cut, m.end())
    if bracketed:
        depth = 0
        for i, ch in enumerate(run[cut:], cut):  # (记者王小红)|中国钢铁工业协会: a bracket closed after the cut
            depth += ch in "(（"
            if ch in ")）":
                if depth == 0:
                    cut = i + 1
                depth = max(depth - 1, 0)
    for m in _CONJUNCTION.finditer(run):
        if _SUFFIX_RE.search(run[: m.start()][-6:] + "") and run[: m.start()].endswith(_SUFFIX_TUPLE):
            cut = max(cut, m.end())
    return cut


@dataclass
class OrgCandidate:
    """A would-be organization name: `body` + `suffix` (its organization word) = `name`. What the
    rules measure of it (its places, what is left beside them) is computed once, when first asked."""

    name: str
    body: str
    suffix: str
    ref: Reference

    @cached_property
    def places(self) -> list[tuple[int, int]]:
        return place_spans(self.body, self.ref.place_names)

    @cached_property
    def place_chars(self) -> int:
        return sum(hi - lo for lo, hi in self.places)

    @cached_property
    def own_words(self) -> str:
        """The body without its places and generic words: 兰州新材料 -> 新材料."""
        return strip_generic(_outside(self.body, self.places))

    @property
    def research(self) -> bool:
        return self.suffix in _RESEARCH_SUFFIXES


_RESEARCH_SUFFIXES = ("研究院", "研究所", "研究中心", "学院", "大学", "实验室")
_INTERNATIONAL_HEAD = re.compile("(世界|国际|全球|联合国|亚洲|亚太|欧洲|非洲|东盟|经济合作)")
_LEVEL = re.compile("[市区县省州]")
_NOT_A_BODY_VERB = re.compile("[举承主协创开督兴申筹停包代好怎]\\Z")


def _ends_in_title(c: OrgCandidate) -> bool:
    titles = _title_set(c.ref)
    return any(c.name[-n:] in titles for n in range(2, min(len(c.name), 8) + 1))


def _list_of_two(c: OrgCandidate) -> bool:
    conj = c.body.find("和") + 1
    return bool(conj) and len(c.body) - conj < 2


def _committee_or_office(c: OrgCandidate) -> bool:
    return (
        len(c.body) >= 1
        and len(c.name) <= 10
        and not _NOT_A_BODY_VERB.search(c.body)
        and not (c.suffix == "委" and c.body.endswith(("党", "组")))
    )


def _by_place_and_rest(c: OrgCandidate) -> bool:
    return (bool(c.places) and len(c.body) - c.place_chars >= 2) or (c.research and len(c.body) >= 4)


# Is `name` an organization? The first rule that applies decides (rules.decide).
ORG_RULES: list[Rule[OrgCandidate, bool]] = [
    Rule("too short to be a name", lambda c: len(c.name) < 3, reject),
    Rule(
        "a word that ends like a name (布局, 内部, 俱乐部) and no lexicon name",
        lambda c: c.name.endswith(NOT_ORG_ENDINGS) and c.name not in lexicon(c.ref),
        reject,
    ),
    Rule("a title (市委常委), not a body", _ends_in_title, reject),
    Rule("a list (企业和政府), not a name", _list_of_two, reject),
    Rule("a generic group (相关企业, 各级政府)", lambda c: GENERIC_MARKERS.search(c.body) is not None, reject),
    Rule(
        "a 厅 that is no province's (展览厅, 新闻发布厅)",
        lambda c: c.suffix == "厅" and not re.match(r"^.{0,4}(?:省|自治区)", c.name),
        reject,
    ),
    Rule(
        "a 司 that is no ministry's or bureau's department",
        lambda c: c.suffix == "司" and not re.search("[部局委署办院]", c.body),
        reject,
    ),
    Rule(
        "a 委/办 ends a short name, not a title chain (党委副书记) or a verb (举办)",
        lambda c: c.suffix in ("委", "办"),
        _committee_or_office,
    ),
    Rule(
        "a people's organization by its usual short name (社科联, 科协)",
        lambda c: c.suffix in ("社科联", "文联", "科协", "工商联"),
        accept,
    ),
    Rule(
        "a news site named by a word or two (凤凰网), not a network (电网, 互联网)",
        lambda c: c.suffix == "网",
        lambda c: 3 <= len(c.name) <= 7 and not c.name.endswith(NOT_NEWS_SITES) and len(strip_generic(c.body)) >= 2,
    ),
    Rule(
        "组织 as organizing (基层党组织), not an international organization",
        lambda c: c.suffix == "组织" and not _INTERNATIONAL_HEAD.match(c.name),
        reject,
    ),
    Rule(
        "a government named by its level alone (市政府, 省政府)",
        lambda c: (
            c.suffix in GOVERNMENT_LEVEL_SUFFIXES and _LEVEL.fullmatch(c.body) is not None and c.suffix.endswith("政府")
        ),
        accept,
    ),
    Rule(
        "a local government body named by its level (区商务局, 市体育局)",
        lambda c: c.suffix in GOVERNMENT_LEVEL_SUFFIXES and _LEVEL.match(c.body) is not None and len(c.body) >= 2,
        accept,
    ),
    Rule(
        "a department named after its ministry or bureau (生态环境部气候变化司)",
        lambda c: c.suffix == "司" and re.search("[部局委署]", c.body[:-1]) is not None,
        accept,
    ),
    Rule(
        "a generic platform (合作平台), not a known body's",
        lambda c: c.suffix == "平台" and not _holds_lexicon_name(c.body, c.ref),
        reject,
    ),
    Rule(
        "named by its place alone: only a university, a government, a paper… (兰州大学, 兰州市人民政府)",
        lambda c: bool(c.body) and c.place_chars == len(c.body),
        lambda c: c.suffix in PLACE_NAMED or c.suffix in ("委员会", "常委会", "人民政府"),
    ),
    Rule("two or more words of its own beside places and generic words", lambda c: len(c.own_words) >= 2, accept),
    Rule(
        "a research or teaching body named by its place and a word (常州工学院, 南京林业大学)",
        lambda c: c.research and bool(c.places) and len(c.body) - c.place_chars >= 1,
        accept,
    ),
    Rule("else: a place and two more characters, or a research body's name of four", always, _by_place_and_rest),
]


@lru_cache(maxsize=NAME_CACHE_SIZE)  # the same candidate names come back in article after article
def org_verdict(name: str, body: str, suffix: str, ref: Reference) -> tuple[bool, str]:
    """Whether `name` (`body` + organization word `suffix`) names an organization, and the rule's reason:
    org_verdict("市委常委", "市委常", "委", ref) -> (False, "a title (市委常委), not a body")."""
    return decide(ORG_RULES, OrgCandidate(name, body, suffix, ref))


def _valid_org(name: str, body: str, suffix: str, ref: Reference) -> bool:
    return org_verdict(name, body, suffix, ref)[0]


def _outside(text: str, spans: list[tuple[int, int]]) -> str:
    """The text without the given spans (disjoint, in order, as place_spans returns them):
    _outside("兰州新材料", [(0, 2)]) -> "新材料"."""
    out, at = [], 0
    for lo, hi in spans:
        out.append(text[at:lo])
        at = hi
    out.append(text[at:])
    return "".join(out)


@lru_cache(maxsize=NAME_CACHE_SIZE)
def _org_type(name: str, suffix: str) -> str:
    if re.search("新闻\\Z", name):
        return "media"
    if suffix == "组织":
        return "international_org" if re.match("(世界|国际|全球|联合国|亚洲|亚太|欧洲|非洲)", name) else "other"
    if suffix == "中心" and re.search("仲裁|服务|交易|会展|展览|政务|指挥|调度|医疗", name):
        return "other"
    if suffix == "委员会" and re.search("咨询|指导|专家|顾问|评审|组委会", name):
        return "other"
    if suffix == "联盟" or suffix == "促进会":
        return "association"
    return ORG_SUFFIXES[suffix]


def _resolve_overlaps(orgs: list[PartyMention]) -> list[PartyMention]:
    """Longest mention wins where two overlap; one starting inside a longer one is dropped."""
    orgs = sorted(orgs, key=lambda o: (o.start, -(o.end - o.start), o.source != "lexicon"))
    kept: list[PartyMention] = []
    # In this order every kept mention starts at or before org and none lies inside a later one (at an
    # equal start the longer comes first), so the furthest end kept so far decides: org is inside a
    # kept mention when it reaches org's end, and overlaps one partly when it reaches past org's start.
    reach = -1
    for org in orgs:
        if org.end <= reach or org.start < reach:
            continue
        kept.append(org)
        reach = max(reach, org.end)
    return kept


def _nested(orgs: list[PartyMention], text: str, ref: Reference) -> list[PartyMention]:
    """An organization named at the start of another's name is its parent (兰州大学 in
    兰州大学先进材料研究院): recorded on the unit; returns those parents."""
    out = []
    lex = lexicon(ref)
    for org in orgs:
        name = org.surface
        base = name.rstrip(")）").split("(")[0]
        own_suffix = next((base[-n:] for n in range(_LONGEST_SUFFIX, 0, -1) if base[-n:] in ORG_SUFFIXES), "")
        limit = len(name.split("(")[0].split("（")[0]) - len(own_suffix)
        for m in _SUFFIX_RE.finditer(name[:limit]):
            head = name[: m.end()]
            if head == name or len(head) < 3 or (m.group() not in STRONG_SUFFIXES and head not in lex):
                continue
            if not _valid_org(head, head[: -len(m.group())], m.group(), ref):
                continue
            entry = lex.get(head)
            inner = PartyMention(
                org.start,
                org.start + len(head),
                head,
                entry["party_type"] if entry else _org_type(head, m.group()),
                source="lexicon" if entry else "nested",
                lexicon_name=entry["name"] if entry else None,
                country_code=entry["country_code"] if entry else None,
            )
            org.parent = head
            out.append(inner)
    return out


GOVERNMENT_LEVEL_SUFFIXES: set[str] = {"局", "委", "厅", "办", "委员会", "办公室", "常委会", "政府", "人民政府"}
STRONG_SUFFIXES = {"部", "委", "大学", "学院", "集团", "有限公司", "研究院", "中心", "管委会", "人民政府"}


def _abbreviations(text: str, orgs: list[PartyMention], ref: Reference) -> list[PartyMention]:
    """中国绿环 for 中国绿色环保集团有限公司, 国材中心 for 国家先进材料技术创新中心."""
    out: list[PartyMention] = []
    taken = bytearray(len(text) + 1)  # 1 where a name already stands
    for o in orgs:
        taken[o.start : o.end] = b"\x01" * (o.end - o.start)
    fulls = {o.surface for o in orgs if len(o.surface) >= 6 and o.party_type != "person"}
    at: dict[str, list[int]] = {}  # character -> where the text holds it (names share first characters: 中, a place's)
    for full in sorted(fulls, key=len, reverse=True):
        heads = {full[0]}
        spans = place_spans(full, ref.place_names)
        if spans and spans[0][0] == 0 and spans[0][1] < len(full):
            heads.add(full[spans[0][1]])  # 新区管委会 starts after 江苏南京's place
        chars = set(full)
        for head in heads - at.keys():
            at[head] = [start for start, _ in literal_spans(text, head)]
        for i in at[full[0]] if len(heads) == 1 else sorted(i for head in heads for i in at[head]):
            if taken[i] or text[i + 1 : i + 2] not in chars or text[i + 2 : i + 3] not in chars:
                continue  # (the next two characters must be in the name for three characters in order)
            abbr = _subsequence_at(text, i, full)
            if abbr is None or abbr in full or len(abbr) < 3:
                continue
            run = _name_run(text[max(0, i - SHORT_FORM_CONTEXT) : i])
            if run and left_cut(run, ref.place_names) != len(run) and not run.endswith(("和", "与", "及")):
                continue
            out.append(PartyMention(i, i + len(abbr), abbr, "", source="abbreviation", lexicon_name=None))
            out[-1].aliases.add(full)
            taken[i : i + len(abbr)] = b"\x01" * len(abbr)
    return out


LEGAL_FORMS = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团股份", "集团", "公司")
INDUSTRY_WORDS = (
    "新能源科技",
    "科技",
    "技术",
    "信息",
    "网络",
    "数据",
    "智能",
    "能源",
    "新能源",
    "环保",
    "环境",
    "电力",
    "投资",
    "发展",
    "实业",
    "控股",
    "股份",
    "材料",
    "新材料",
    "化工",
    "医药",
    "生物",
    "电子",
    "机械",
    "建设",
    "工程",
    "物流",
    "贸易",
    "文化",
    "传媒",
    "咨询",
    "服务",
    "管理",
    "制造",
    "汽车",
    "光伏",
)


@lru_cache(maxsize=65536)
def brand(name: str, ref: Reference) -> str | None:
    """A company's trade name (字号), its usual short form: 云启智联(天津)科技有限公司 -> 云启智联.

    Legal form, trailing industry words and a bracketed place are dropped; a leading place
    is kept (宁德时代, 杭州云栖), since stripping it would leave common words (阿里|云计算).
    """
    core = name
    legal = next((f for f in LEGAL_FORMS if core.endswith(f)), None)
    if legal is None:
        return None
    core = re.sub(r"[(（][^()（）]*[)）]", "", core[: -len(legal)])
    while True:
        word = next(
            (w for w in sorted(INDUSTRY_WORDS, key=len, reverse=True) if core.endswith(w) and len(core) - len(w) >= 3),
            None,
        )
        if word is None:
            break
        core = core[: -len(word)]
    own = _outside(core, place_spans(core, ref.place_names))
    specific = len(strip_generic(own)) >= 2  # 北京科技: a place and an industry, no name
    return core if len(core) >= 3 and specific and core != name else None


def _brands(text: str, orgs: list[PartyMention], ref: Reference) -> list[PartyMention]:
    """Later uses of a company's trade name, standing alone (云启智联 after 云启智联(天津)科技有限公司)."""
    out: list[PartyMention] = []
    taken = bytearray(len(text) + 1)
    for o in orgs:
        taken[o.start : o.end] = b"\x01" * (o.end - o.start)
    done: set[str] = set()  # a trade name already looked for finds nothing new the second time
    for org in [o for o in orgs if o.party_type == "enterprise"]:
        short = brand(org.surface, ref)
        if not short or short in done:
            continue
        done.add(short)
        for start, end in literal_spans(text, short):
            if taken[start]:
                continue
            run = _name_run(text[max(0, start - SHORT_FORM_CONTEXT) : start])
            if run and left_cut(run, ref.place_names) != len(run) and not run.endswith(("和", "与", "及")):
                continue
            out.append(PartyMention(start, end, short, "enterprise", source="abbreviation"))
            out[-1].aliases.add(org.surface)
            taken[start:end] = b"\x01" * (end - start)
    return out


def _subsequence_at(text: str, i: int, full: str) -> str | None:
    """The longest run of text from i whose characters occur in order in `full`, ending on a word edge."""
    j, k = i, 0
    while j < len(text) and _NAME_LETTER.match(text, j):
        at = full.find(text[j], k)
        if at < 0:
            break
        k, j = at + 1, j + 1
    abbr = text[i:j]
    ends_right = (
        abbr.endswith(full[-1]) or text[j : j + 1] in "，,。；;、：:" or STOP_PATTERN.match(text, j) is not None
    )
    return abbr if ends_right else None


WEAK_TITLES = {
    "代表",
    "嘉宾",
    "领导",
    "负责人",
    "专家",
    "学者",
    "人员",
    "成员",
    "会员",
    "员工",
    "工作人员",
    "记者",
    "编辑",
    "通讯员",
    "摄影",
    "主持人",
}


@lru_cache(maxsize=4)
def _title_re(ref: Reference) -> re.Pattern[str]:
    """Every title but the weak ones, as one pattern (built once per reference, not per document)."""
    titles = [t for t in ref.title_words if t not in WEAK_TITLES]
    return longest_word_pattern(titles)


@lru_cache(maxsize=4)
def _title_matcher(ref: Reference) -> ahocorasick_rs.AhoCorasick:
    """_title_re's words as an automaton, the same spans (the regex tried the trie of 355 titles at every
    character: 0.06 s of CPU in a batch of 2,000 files, 0.015 s this way)."""
    return longest_word_matcher(t for t in ref.title_words if t not in WEAK_TITLES)


@lru_cache(maxsize=4)
def _chain_re(title_re: re.Pattern[str]) -> re.Pattern[str]:
    return re.compile(r"(?:、|和)?((?:党委|党工委|管委会|董事会|市委|区委|省委)?(?:" + title_re.pattern + r"))\Z")


def _people(text: str, orgs: list[PartyMention], ref: Reference) -> list[PartyMention]:
    title_re = _title_re(ref)
    found: dict[str, PartyMention] = {}
    out: list[PartyMention] = []
    by_end: dict[int, list[int]] = {}  # end -> indexes of the organizations ending there
    for i, o in enumerate(orgs):
        by_end.setdefault(o.end, []).append(i)
    for _, start, end in _title_matcher(ref).find_matches_as_indexes(text):
        name = _name_at(text, end, ref)
        if name is None:
            continue
        chain_start, title = _title_chain(text, start, end, title_re)
        person = PartyMention(
            end,
            end + len(name),
            name,
            "person",
            title=title,
            source="person",
            affiliation=_affiliation(orgs, chain_start, by_end),
        )
        out.append(person)
        found.setdefault(name, person)
    for collective in (c for c in COLLECTIVE_TITLES if c in text):  # (most pages name none)
        for m in re.finditer(collective, text):
            pos = m.end()
            while (name := _name_at(text, pos, ref)) is not None:
                out.append(PartyMention(pos, pos + len(name), name, "person", source="person"))
                found.setdefault(name, out[-1])
                pos += len(name)
                if text[pos : pos + 1] not in ("、", "和", "及"):
                    break
                pos += 1
    for m in _HONORED.finditer(text) if any(h in text for h in HONORIFICS) else ():  # (most pages hold none)
        name = m.group(1)
        if name[0] in ref.surname_set and _valid_given(name[1:]):
            out.append(PartyMention(m.start(1), m.end(1), name, "person", source="person"))
            found.setdefault(name, out[-1])
    for dot in re.finditer("·", text) if "·" in text else ():
        if any(p.start <= dot.start() < p.end for p in out) or any(o.start <= dot.start() < o.end for o in orgs):
            continue  # 副秘书长约翰·史密斯: already found after its title
        before = text[max(0, dot.start() - TRANSLITERATED_NAME_REACH) : dot.start()]
        left = _HAN_RUN_END.search(before)
        if left is None:
            continue
        run = left.group()
        cut = max([run.rfind(t) + len(t) for t in ref.title_words if t in run] + [0])
        cut = max(cut, len(run) - 5)  # the given part of a transliterated name: at most five characters
        if cut >= len(run):
            continue
        start = dot.start() - len(run) + cut  # 国务秘书|安·卡尔松, 驻华代表|玛丽亚·加西亚
        name = _name_at(text, start, ref)
        if name and "·" in name:
            out.append(PartyMention(start, start + len(name), name, "person", source="person"))
            found.setdefault(name, out[-1])
    for name in [n for n in found if "·" in n]:  # 加西亚说: a foreign person by the last part of the name
        last = name.split("·")[-1]
        if len(last) >= 2:
            for start, end in literal_spans(text, last):
                if not any(p.start <= start < p.end for p in out):
                    out.append(
                        PartyMention(
                            start,
                            end,
                            last,
                            "person",
                            source="person",
                            title=found[name].title,
                            affiliation=found[name].affiliation,
                        )
                    )
                    out[-1].name = name
    for org in orgs:  # 某某公司张三表示: a person right after their unit, before a verb of speech
        name = _name_at(text, org.end, ref) if org.party_type != "person" else None
        if name and SPEECH.match(text, org.end + len(name)) and name not in found:
            out.append(PartyMention(org.end, org.end + len(name), name, "person", source="person", affiliation=org))
            found[name] = out[-1]
    covered = {(p.start, p.end) for p in out}
    in_org = bytearray(len(text) + 1)  # 1 inside an organization's name
    for o in orgs:
        in_org[o.start : o.end] = b"\x01" * (o.end - o.start)
    for name, first in found.items():
        for start, end in literal_spans(text, name):
            if (start, end) not in covered and not in_org[start]:
                out.append(
                    PartyMention(
                        start, end, name, "person", source="person", title=first.title, affiliation=first.affiliation
                    )
                )
                covered.add((start, end))
    return out


def _name_at(text: str, pos: int, ref: Reference) -> str | None:
    """A person's name starting at pos: a surname plus one or two characters, then a name edge.

    The shorter name wins when a word that follows names comes right after it (王平|介绍),
    else the longer one (赵明远|介绍).
    """
    surnames = ref.surname_set
    if (
        text[pos : pos + 1] not in surnames
        and text[pos : pos + 2] not in surnames
        and "·" not in text[pos + 1 : pos + 7]
    ):
        return None  # (no surname here, and no dot where a transliterated name would have its first one)
    foreign = _FOREIGN_NAME.match(text[pos : pos + 32])
    if foreign:
        name = foreign.group()
        dot = name.rindex("·")
        cut = min(
            (i for i in range(dot + 2, len(name)) if name[i:].startswith(AFTER_NAME) or STOP_PATTERN.match(name, i)),
            default=len(name),
        )
        return name[:cut]
    for surname in (text[pos : pos + 2], text[pos : pos + 1]):
        if surname not in ref.surname_set:
            continue
        three = text[pos : pos + len(surname) + 2]
        if (
            len(three) == len(surname) + 2
            and _valid_given(three[len(surname) :], allow="和")
            and _LIST_BREAK.match(text[pos + len(three) : pos + len(three) + 1])
        ):
            return three  # 高志和等: a full name before a list break, though 和 could follow a name
        for given in (1, 2):
            name = text[pos : pos + len(surname) + given]
            after = text[pos + len(name) : pos + len(name) + _AFTER_NAME_LONGEST]  # (not the whole rest: per name)
            if len(name) < len(surname) + given or not _valid_given(name[len(surname) :]):
                continue
            if not after or not _HAN_CHAR.match(after[0]) or after.startswith(AFTER_NAME):
                return name
    return None


def _valid_given(given: str, allow: str = "") -> bool:
    """`allow`: function words that may still end a given name where the name's end is certain (高志和等)."""
    return (
        bool(given)
        and _HAN_RUN.fullmatch(given) is not None
        and not any(ch in NOT_GIVEN_NAME and ch not in allow for ch in given)
    )


def _title_chain(text: str, start: int, end: int, title_re: re.Pattern[str]) -> tuple[int, str]:
    """党委副书记、总经理 before a name: where the chain starts and its text."""
    chain_start = start
    while True:
        before = text[max(0, chain_start - TITLE_CHAIN_REACH) : chain_start]
        m = _chain_re(title_re).search(before)
        if not m or not before.endswith(m.group()):
            break
        chain_start -= len(m.group())
    return chain_start, text[chain_start:end].lstrip("、和")


def _affiliation(orgs: list[PartyMention], chain_start: int, by_end: dict[int, list[int]]) -> PartyMention | None:
    """The longest organization ending right before a title chain (or one character before it), the first
    in `orgs` of equal ones; `by_end`: end -> indexes into orgs, so a title costs no scan of every name."""
    near = [orgs[i] for i in sorted(by_end.get(chain_start - 1, []) + by_end.get(chain_start, []))]
    return max(near, key=lambda o: o.end - o.start) if near else None


def _bracketed_short_forms(text: str, orgs: list[PartyMention]) -> None:
    """临江县林业和草原局（县林草局）: the bracketed name right after a full name is its short form."""
    by_start = {o.start: o for o in orgs}
    for org in orgs:
        short = by_start.get(org.end + 1) if text[org.end : org.end + 1] in "(（" else None
        if short is not None and text[short.end : short.end + 1] in ")）" and len(short.surface) < len(org.surface):
            short.aliases.add(org.surface)


def _canonicalize(mentions: list[PartyMention], ref: Reference) -> None:
    """Give every mention its document-level canonical name (see the module docstring)."""
    orgs = [m for m in mentions if m.party_type != "person"]
    parent = list(range(len(orgs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    officials = {s: _official(s, ref) for s in dict.fromkeys(m.surface for m in orgs)}  # once per name, not mention
    official = [officials[m.surface] for m in orgs]
    # The pair tests read only a mention's surface, lexicon name and aliases, and mentions alike in
    # those are one group anyway: test each distinct kind once (a long article repeats its names, and
    # testing every pair of mentions was quadratic in its length).
    kinds: dict[tuple[str, str | None, frozenset[str]], int] = {}
    for i, m in enumerate(orgs):
        parent[root(i)] = root(kinds.setdefault((m.surface, m.lexicon_name, frozenset(m.aliases)), i))
    distinct = list(kinds.values())
    for x, i in enumerate(distinct):
        a = orgs[i]
        for j in distinct[:x]:
            b = orgs[j]
            if (
                official[i] == official[j]
                or (a.lexicon_name and a.lexicon_name == b.lexicon_name)
                # (_same_org's own first test, made here: most pairs fail it, and cheaper than a cache lookup)
                or (official[i] in official[j] and _same_org(official[i], official[j], ref))
                or (official[j] in official[i] and _same_org(official[j], official[i], ref))
                or b.surface in a.aliases
                or a.surface in b.aliases
            ):
                parent[root(i)] = root(j)
    first_of: dict[str, int] = {}  # surface -> its first mention (the others are in its group)
    for i, m in enumerate(orgs):
        first_of.setdefault(m.surface, i)
    for a_surface, i in first_of.items():  # an abbreviation joins the shortest full name it abbreviates
        if len(a_surface) < 3:
            continue  # (too short to abbreviate anything: the test below needs three characters)
        first, last = a_surface[0], a_surface[-1]  # (_abbreviates' own first test, made here before the call)
        fulls = [
            j
            for b_surface, j in first_of.items()
            if len(b_surface) > len(a_surface)
            and first in b_surface
            and last in b_surface
            and _abbreviates(a_surface, b_surface, ref)
        ]
        if fulls:
            j = min(fulls, key=lambda j: len(orgs[j].surface))
            parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(orgs)):
        groups.setdefault(root(i), []).append(i)
    for members in groups.values():
        lexical = [n for n in (orgs[i].lexicon_name for i in members) if n]
        # The longest name the text itself uses (the official key is only for comparing). Ties go to the
        # first mentioned: a set's order changes from run to run, and so did the name.
        name = (
            max(dict.fromkeys(lexical), key=lexical.count)
            if lexical
            else max(
                (orgs[i].surface for i in members if orgs[i].source != "abbreviation"),
                key=len,
                default=orgs[members[0]].surface,
            )
        )
        types = [orgs[i].party_type for i in members if orgs[i].party_type and orgs[i].source != "abbreviation"]
        kind = max(dict.fromkeys(types), key=types.count) if types else "other"
        if not lexical and name.endswith("政府"):
            name = _official(name, ref)  # 扬州市政府 -> 扬州市人民政府, 黄南州… -> 黄南藏族自治州…
        for i in members:
            orgs[i].name, orgs[i].party_type = name, kind
    by_surface = {m.surface: m.name for m in orgs}
    for m in mentions:
        if m.party_type == "person":
            m.name = m.name or m.surface
            if isinstance(m.affiliation, PartyMention):
                m.affiliation = m.affiliation.name or m.affiliation.surface
        elif m.parent:
            m.parent = by_surface.get(m.parent, m.parent)


@lru_cache(maxsize=NAME_CACHE_SIZE)  # a pair test of two names (_canonicalize): the same pairs recur across articles
def _abbreviates(short: str, full: str, ref: Reference) -> bool:
    """国材中心 abbreviates 国家先进材料技术创新中心: its characters in order, same first
    character (or the first after a place prefix), same last character, not a plain substring."""
    if short[0] not in full or short[-1] not in full:
        return False  # (what every test below needs, checked first: most pairs of names fail it)
    full = _TRAILING_BRACKET.sub("", full)  # …国际合作中心(德国)
    legal = next(
        (f for f in ("股份有限公司", "有限责任公司", "有限公司") if full.endswith(f) and len(full) > len(f) + 2), None
    )
    if legal and _abbreviates(short, full[: -len(legal)], ref):
        return True  # 华光集团 for 华光能源集团有限公司
    if len(short) < 3 or len(short) >= len(full) or short in full or short[-1] != full[-1]:
        return False
    spans = place_spans(full, ref.place_names)
    heads = {full[0]} | ({full[spans[0][1]]} if spans and spans[0][0] == 0 and spans[0][1] < len(full) else set())
    if short[0] not in heads:
        return False
    positions, k = [], 0
    for ch in short:
        k = full.find(ch, k) + 1
        if k == 0:
            return False
        positions.append(k - 1)
    skipped = "".join(full[i] if i not in positions else "|" for i in range(positions[0], positions[-1] + 1))
    # Dropping a whole place (天津市|滨海新区|人民政府) names another body, not this one shorter.
    return not any(place_spans(part, ref.place_names) for part in skipped.split("|") if part)


@lru_cache(maxsize=NAME_CACHE_SIZE)  # once per name and reference: names recur across articles
def _official(surface: str, ref: Reference) -> str:
    """Comparable form: short place names spelled out (天津滨海新区 -> 天津市滨海新区), 政府 -> 人民政府."""
    out = surface
    table = _short_to_full(ref)
    for n in range(min(len(out), 8), 1, -1):
        full = table.get(out[:n])
        if full and not out.startswith(full):
            out = full + out[n:]
            break
    return _LOCAL_GOVERNMENT.sub("人民政府", out)


@lru_cache(maxsize=4)
def _short_to_full(ref: Reference) -> dict[str, str]:
    """Short place name -> full name (天津 -> 天津市, 黄南州 -> 黄南藏族自治州)."""
    div = ref.divisions.filter(pl.col("level").is_in(["province", "prefecture"]) & pl.col("short_name").is_not_null())
    table = dict(zip(div["short_name"], div["name"]))
    for name in ref.divisions.filter(pl.col("name").str.ends_with("自治州"))["name"]:
        table[prefecture_core(name) + "州"] = name
    return table


@lru_cache(maxsize=NAME_CACHE_SIZE)  # a pair test of two names (_canonicalize): the same pairs recur across articles
def _same_org(short: str, full: str, ref: Reference) -> bool:
    """short names the same organization as full: legal suffix dropped, or place prefix dropped."""
    if short not in full:
        return False  # (both tests below need it: a cheap first check for the many pairs of unrelated names)
    for legal in ("股份有限公司", "有限责任公司", "有限公司"):
        if full.endswith(legal) and full[: -len(legal)] == short:
            return True
    if full.endswith(short) and len(short) >= 4:
        prefix = full[: -len(short)]
        return bool(prefix) and (
            prefix in ("中国", "中华人民共和国")
            or sum(hi - lo for lo, hi in place_spans(prefix, ref.place_names)) >= len(prefix) - 1
        )
    return False


def _locate(mentions: list[PartyMention], near: SpanIndex[RegionMention]) -> None:
    """Country and region of each organization from the places named inside (or right before) it."""
    for m in mentions:
        if m.party_type == "person":
            continue
        inside = [r for r in near.touching(m.start, m.end) if m.start <= r.start and r.end <= m.end]
        if inside:
            best = min(inside, key=lambda r: LEVEL_RANK.get(r.region.level, UNRANKED_LEVEL))
            m.region_key = best.region.region_key
            m.country_code = m.country_code or best.region.country_code
        elif m.surface.startswith(("中国", "中华人民共和国", "国家", "全国")):
            m.country_code = m.country_code or "CN"
