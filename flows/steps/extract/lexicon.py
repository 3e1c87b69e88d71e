"""Word lists and matchers shared by the extractors, built once from the reference tables.

Everything here is general Chinese news vocabulary (function words, common verbs, generic
modifiers, unit and suffix lists); nothing is taken from a particular article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import ahocorasick_rs
import polars as pl

from flows.steps.constants import NAME_CACHE_SIZE

# Words after which a name cannot continue to the left: prepositions, conjunctions,
# pronouns, time words and the verbs news uses around organizations and places.
STOP_WORDS = sorted(
    {
        "由",
        "与",
        "及",
        "以及",
        "或",
        "同",
        "跟",
        "向",
        "对",
        "从",
        "在",
        "于",
        "到",
        "至",
        "赴",
        "将",
        "把",
        "被",
        "让",
        "使",
        "给",
        "为",
        "是",
        "的",
        "了",
        "着",
        "也",
        "还",
        "并",
        "又",
        "都",
        "就",
        "则",
        "而",
        "且",
        "等",
        "及其",
        "由于",
        "通过",
        "依托",
        "借助",
        "围绕",
        "联合",
        "携手",
        "推动",
        "支持",
        "希望",
        "宣布",
        "发布",
        "成立",
        "组建",
        "发起",
        "签署",
        "签订",
        "包括",
        "涵盖",
        "覆盖",
        "引进",
        "吸引",
        "参观",
        "出席",
        "会见",
        "看望",
        "邀请",
        "介绍",
        "表示",
        "认为",
        "强调",
        "指出",
        "主持",
        "致辞",
        "举办",
        "举行",
        "召开",
        "承办",
        "主办",
        "协办",
        "指导",
        "牵头",
        "打造",
        "设立",
        "落户",
        "入驻",
        "加入",
        "成为",
        "作为",
        "位于",
        "来自",
        "其中",
        "目前",
        "今年",
        "去年",
        "近日",
        "昨天",
        "昨日",
        "今天",
        "此外",
        "同时",
        "下设",
        "旗下",
        "所属",
        "下属",
        "各",
        "该",
        "本",
        "这",
        "那",
        "其",
        "我们",
        "他们",
        "我",
        "我国",
        "他",
        "她",
        "这家",
        "一家",
        "多家",
        "国内外",
        "共同",
        "分别",
        "正式",
        "首次",
        "率先",
        "积极",
        "全面",
        "进一步",
        "已",
        "已经",
        "正在",
        "能够",
        "可以",
        "获得",
        "获批",
        "荣获",
        "获评",
        "入选",
        "认定",
        "批复",
        "批准",
        "同意",
        "印发",
        "出台",
        "公布",
        "发出",
        "提出",
        "要求",
        "完成",
        "实现",
        "加强",
        "深化",
        "聚焦",
        "面向",
        "针对",
        "按照",
        "根据",
        "经过",
        "受",
        "据",
        "称",
        "说",
        "告诉",
        "透露",
        "介绍了",
        "访问",
        "考察",
        "调研",
        "走访",
        "参加",
        "参与",
        "带领",
        "率队",
        "接待",
        "拜会",
        "洽谈",
        "商讨",
        "探讨",
        "筹建",
        "揭牌",
        "启动",
        "授牌",
        "颁发",
        "授予",
        "评为",
        "列入",
        "纳入",
        "依靠",
        "凭借",
        "采用",
        "通知",
        "决定",
        "以",
        "向来",
        "曾",
        "曾经",
        "先后",
        "陆续",
        "还有",
        "已有",
        "拥有",
        "设有",
        "新建",
        "组成",
        "构成",
        "汇聚",
        "集聚",
        "吸纳",
        "招募",
        "遴选",
        "对于",
        "关于",
        "随着",
        "伴随",
        "包含",
        "涉及",
        "有关",
        "相关",
        "一批",
        "多个",
        "一些",
        "部分",
        "全体",
        "所有",
        "其他",
        "另外",
        "并且",
        "而且",
        "但是",
        "但",
        "却",
        "若",
        "如",
        "例如",
        "比如",
        "诸如",
        "之",
        "所",
        "各级",
        "全市",
        "全区",
        "全省",
        "全国各",
        "省内",
        "市内",
        "区内",
        "境内",
        "当地",
        "本地",
        "当天",
        "当日",
        "期间",
        "之后",
        "以后",
        "此前",
        "随后",
        "会上",
        "会后",
        "仪式上",
        "现场",
        "上午",
        "下午",
        "晚上",
        "同步",
        "宣告",
        "记者",
        "讯",
        "此后",
        "其后",
        "然后",
        "联同",
        "协同",
        "连同",
        "会同",
        "携",
        "偕",
        "跟随",
        "共建",
        "建立",
        "搭建",
        "构建",
        "推出",
        "创建",
        "承接",
        # X代表Y政府 (on behalf of), 副总经理兼Y公司 (also), 开工仪式|县委, 推进|Y镇
        "代表",
        "兼",
        "仪式",
        "推进",
        "加快",
        "应邀",
        "受邀",
        # Role labels before the party that fills them (项目业主X公司, 建设方——X公司).
        "业主",
        "建设方",
        "施工方",
        "监理方",
        "投资方",
        "承建方",
        "运营方",
        "设计方",
        "主办方",
        "承办方",
        "协办方",
        "甲方",
        "乙方",
        "建设单位",
        "施工单位",
        "承建单位",
        "业主单位",
        "牵头单位",
        "责任单位",
        "实施单位",
    }
)


# A trie of words by character; the key "" marks where a word ends.
Trie = dict[str, "Trie"]


def longest_word_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """At each position, the longest of `words` starting there: the same matches as the alternation of the
    words sorted longest first, built as a trie so the engine does not try every word in turn:
    longest_word_pattern(["以", "以及", "及"]).pattern -> "(?:以及?|及)"."""
    trie: Trie = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def branch(node: Trie) -> str:
        ways = [re.escape(ch) + branch(child) for ch, child in sorted(node.items()) if ch]
        if not ways:
            return ""
        ends = "" in node
        body = "|".join(ways)
        if len(ways) > 1 or (ends and len(body) > 1):
            body = "(?:" + body + ")"
        return body + "?" if ends else body  # a greedy "?": the longer word is tried first

    return re.compile(branch(trie))


def longest_word_matcher(words: Iterable[str]) -> ahocorasick_rs.AhoCorasick:
    """longest_word_pattern(words)'s finditer spans as an Aho-Corasick automaton (Rust): one pass over a
    text instead of the trie tried at every character, the same leftmost-longest matches:
    [(s, e) for _, s, e in longest_word_matcher(["以", "以及", "及"]).find_matches_as_indexes("以及及")]
    -> [(0, 2), (2, 3)]."""
    return ahocorasick_rs.AhoCorasick(
        [w for w in dict.fromkeys(words) if w], matchkind=ahocorasick_rs.MatchKind.LeftmostLongest
    )


STOP_PATTERN = longest_word_pattern(STOP_WORDS)
# Common words that hold a one-character stop word (利用, 数据, 高等): no boundary there.
COMPOUNDS = frozenset(
    """
利用 应用 使用 采用 作用 费用 适用 专用 通用 民用 信用 实用 高等 平等 同等 中等 初等 数据 依据 根据 占据 证据 名称 简称
资讯 通讯 快讯 喜讯 电讯 号称 对称 学说 小说 现在 存在 所在 实在 内在 正在 将军 即将 大使 特使 对外 针对 面对 相对
绝对 应对 反对 从业 服从 到位
达到 得到 受到 以来 以上 以下 所以 可以 难以 予以 给予 之间 之一 尤其 其他 其中 极其 为期 因为 行为 称为 为民 受益 感受
接受 享受 承受 不曾 并购 合并 并网 而立 亦庄 于是 属于 等级 等候 的确 目的 了解 为了 除了 也许 还有 就业 则是 原则 规则
法则 准则 由于 理由 自由 经由 由来 向来 方向 导向 志向 面向 走向 对接 对口 校对 在职 在建 在线 将来 把握 被动 让利 使命
使馆 大使馆 兼顾 兼容 兼具 兼并 兼职 兼任 给力 交给 供给 是非 着力 着手 执着 显著 著名 已经 而已 且慢 而且 的士 之江
其实 所有 所得 所长 据点 受理
""".split()
)

# Modifiers that make a name generic (零碳产业园, 相关行业协会, 国家级绿色工业园区).
GENERIC_WORDS = sorted(
    {
        "国家",
        "国家级",
        "省级",
        "市级",
        "区级",
        "县级",
        "全国",
        "首批",
        "第一批",
        "第二批",
        "绿色",
        "低碳",
        "零碳",
        "生态",
        "循环",
        "循环化",
        "改造",
        "示范",
        "试点",
        "智慧",
        "现代",
        "新型",
        "工业",
        "产业",
        "高新",
        "经济",
        "技术",
        "科技",
        "创新",
        "农业",
        "特色",
        "重点",
        "相关",
        "有关",
        "各类",
        "各",
        "多个",
        "该",
        "本",
        "这些",
        "所在",
        "周边",
        "当地",
        "我国",
        "全市",
        "全区",
        "各地",
        "新城",
        "新区",
        "化工",
        "石化",
        "新材料",
        "新能源",
        "数字",
        "文化",
        "旅游",
        "物流",
        "电子",
        "医药",
        "生物",
        "汽车",
        "装备",
        "发展",
        "建设",
        "升级版",
        "合作",
        "友好",
        "行业",
        "企业",
        "服务",
        "管理",
        "数据",
        "研究",
        "科研",
        "教育",
        "金融",
        "投资",
        "贸易",
        "商务",
        "能源",
        "环保",
        "节能",
        "一批",
        "部分",
        "其他",
        "国内外",
        "知名",
        "优质",
        "龙头",
        "骨干",
        "领军",
        "子",
        "分",
        "母",
        "总",
        "下属",
        "所属",
        "后续",
        "我们",
        "他们",
        "这家",
        "那家",
        "一家",
        "多家",
        "两家",
        "大型",
        "中小",
        "小型",
        "民营",
        "国有",
        "外资",
        "合资",
        "地方",
        "基层",
        "园区",
        "城市",
        "乡村",
        "区域",
        "综合",
        "专业",
        "公共",
        "社会",
        "政府",
        "部门",
        "机构",
        "单位",
        "组织",
        "国际",
        "全球",
        "指导",
        "咨询",
        "促进",
        "协调",
        "工作",
        "领导",
        "专家",
        "顾问",
        "评审",
        "联络",
        "推广",
        "运营",
        "研发",
        "交易",
        "展览",
        "会展",
        "培训",
        "检测",
        "认证",
        "应用",
        "推进",
        "转化",
        "孵化",
        "示范平台",
        "上市",
        "跨国",
        "老区",
        "山区",
        "农村",
        "贫困",
        "偏远",
        "某",
        "某些",
    },
    key=len,
    reverse=True,
)
GENERIC_PATTERN = longest_word_pattern(GENERIC_WORDS)

# Single-character province abbreviations, used only in tight patterns such as 在津 / 赴沪 / 津门.
PROVINCE_ABBREVIATIONS = {
    "京": "110000",
    "津": "120000",
    "沪": "310000",
    "渝": "500000",
    "冀": "130000",
    "晋": "140000",
    "辽": "210000",
    "黑": "230000",
    "苏": "320000",
    "浙": "330000",
    "皖": "340000",
    "闽": "350000",
    "赣": "360000",
    "鲁": "370000",
    "豫": "410000",
    "鄂": "420000",
    "湘": "430000",
    "粤": "440000",
    "桂": "450000",
    "琼": "460000",
    "蜀": "510000",
    "川": "510000",
    "黔": "520000",
    "滇": "530000",
    "陕": "610000",
    "甘": "620000",
    "陇": "620000",
    "港": "810000",
    "澳": "820000",
}


NATIONALITIES = sorted(
    "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 "
    "哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 "
    "仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 "
    "鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族".split(),
    key=len,
    reverse=True,
)


def prefecture_core(name: str) -> str:
    """The place name before its nationalities: prefecture_core("恩施土家族苗族自治州") -> "恩施"."""
    core = name.removesuffix("自治州")
    while ethnic := next((n for n in NATIONALITIES if core.endswith(n) and len(core) > len(n)), None):
        core = core[: -len(ethnic)]
    return core


def strip_generic(text: str) -> str:
    """What is left of a name prefix once generic words are removed: "国家级绿色" -> ""."""
    return GENERIC_PATTERN.sub("", text)


@lru_cache(maxsize=NAME_CACHE_SIZE)
def left_cut(prefix: str, places: frozenset[str] = frozenset(), starts: frozenset[str] | None = None) -> int:
    """Where a name that ends with `prefix` starts: just after the last stop word in it. Cached: the
    same names and the words before them come back in article after article.

    `left_cut("大会由中国住房和城乡建设")` -> 3 (after 由). A stop word inside a place name does not
    count (都 in 成都, 本 in 日本). `和` is a stop word only when what follows it could start a
    name of its own (a place or 中国/国家), so 住房和城乡建设部 stays whole.
    """
    stops = list(STOP_PATTERN.finditer(prefix))
    protected = place_spans(prefix, places) if stops else []  # (read only to vet a stop word)
    cut = 0
    # Stop words match left to right without overlapping: the last one that counts is the cut.
    for match in reversed(stops):
        i, j = match.start(), match.end()
        if protected and any(lo < j and i < hi for lo, hi in protected):
            continue
        if j - i == 1 and (prefix[i - 1 : j] in COMPOUNDS or prefix[i : j + 1] in COMPOUNDS):
            continue  # 利用, 数据: the character is part of a word
        if match.group() == "联合" and prefix[j : j + 1] in ("国", "会"):
            continue  # 联合国, 联合会: names, not the verb
        if match.group() == "代表" and prefix[j : j + 2] == "大会":
            continue  # 人民代表大会: a name, not "on behalf of"
        cut = j
        break
    for match in re.finditer("和", prefix) if "和" in prefix else ():
        rest = prefix[match.end() :]
        starts_a_name = rest.startswith(("中国", "国家", "全国")) or starts_with_place(rest, starts or places)
        if match.end() > cut and starts_a_name:
            cut = match.end()
    return cut


@lru_cache(maxsize=65536)
def place_spans(text: str, places: frozenset[str]) -> list[tuple[int, int]]:
    """Spans of known place names in a short text (longest at each position). Cached, since the same
    names and the words around them come back in article after article: read the list, never change it."""
    lengths_at = _lengths_by_first_char(places)
    spans, i, size = [], 0, len(text)
    while i < size:
        # Only the lengths of names starting with this character are tried (most characters start none).
        for n in lengths_at.get(text[i], ()):
            if n <= size - i and text[i : i + n] in places:
                spans.append((i, i + n))
                i += n - 1
                break
        i += 1
    return spans


_LENGTHS: dict[int, tuple[frozenset[str], dict[str, tuple[int, ...]]]] = {}


def _lengths_by_first_char(places: frozenset[str]) -> dict[str, tuple[int, ...]]:
    """First character -> the lengths (2..10, longest first) of the names in `places` that start with it."""
    cached = _LENGTHS.get(id(places))
    if cached is not None and cached[0] is places:
        return cached[1]
    index: dict[str, set[int]] = {}
    for name in places:
        if 2 <= len(name) <= 10:
            index.setdefault(name[0], set()).add(len(name))
    table = {ch: tuple(sorted(ns, reverse=True)) for ch, ns in index.items()}
    if len(_LENGTHS) >= 16:  # a few sets are in use (place names, place and county names): stay small
        _LENGTHS.clear()
    _LENGTHS[id(places)] = (places, table)
    return table


def starts_with_place(text: str, places: frozenset[str]) -> bool:
    """`starts_with_place("兰州大学", places)` -> True when 兰州 is a known place name."""
    return any(text[:n] in places for n in range(2, min(len(text), 8) + 1))


@dataclass(frozen=True, eq=False)  # hashed by identity, so per-reference caches can key on it
class Reference:
    """The reference tables (flows.reference) as the extractors need them."""

    divisions: pl.DataFrame
    countries: pl.DataFrame
    subdivisions: pl.DataFrame
    organizations: pl.DataFrame
    surnames: pl.DataFrame
    titles: pl.DataFrame

    @cached_property
    def place_names(self) -> frozenset[str]:
        """Every Chinese division's full name, the short names of provinces and prefectures,
        every country name and alias. (County short names such as 会同 are ordinary words too
        often to count as places.)"""
        div = self.divisions
        shorts = div.filter(pl.col("level") != "county")["short_name"].drop_nulls()
        names = {*div["name"], *shorts, *self.countries["name_zh"], *self.countries["aliases"].explode().drop_nulls()}
        names |= {prefecture_core(n) + "州" for n in div["name"] if n.endswith("自治州")}  # 黄南州
        return frozenset(n for n in names if n and len(n) >= 2)

    @cached_property
    def name_starts(self) -> frozenset[str]:
        """Place names that can start a new name after 和: places plus county short names (南开)."""
        counties = self.divisions.filter(pl.col("level") == "county")["short_name"].drop_nulls()
        return self.place_names | frozenset(n for n in counties if len(n) >= 2)

    @cached_property
    def title_words(self) -> list[str]:
        """Job titles, longest first (the matcher takes the first that fits)."""
        return sorted(set(self.titles["title"]), key=len, reverse=True)

    @cached_property
    def surname_set(self) -> frozenset[str]:
        return frozenset(self.surnames["surname"])
