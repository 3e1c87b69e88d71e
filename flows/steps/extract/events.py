"""Events: things that happened or were announced, one per real happening, with date, place, parties.

Three kinds of trigger (tables at the top; how they work and their limits: docs/extraction.md):
- nouns naming an occasion (论坛, 大会, 推介会, 成果展, 新闻发布会, 签约仪式, 开工仪式…): the event is
  the named noun phrase ending in the noun (2023临江绿色发展论坛, “…”新闻发布会, 第97届广交会). A
  bare or demonstrative use (论坛上, 此次推介会) names no new event: it refers to the latest
  occasion, and its roles (由…主办 / 承办) go to that one;
- verbs (签署, 揭牌, 成立, 启动, 并网, 开工, 发布, 批复, 调研…): the event is the clause around the
  verb: its subject (the nearest organization, zone or named thing before it) and, for
  签署/发布/批复, its object (协议, 备忘录, 《…》, 报告, 名单…). Without them the verb is not an
  event (项目签约、主旨演讲 is a programme, 4家获批… is a count);
- whole phrases (PATTERN_EVENTS: 加入《公约》, 组织开展…核查 with a date, 发行…债券, …通过…评审,
  现将…公布如下, X局关于…的通知…).
Date: a time expression before the trigger in its sentence (not one inside the event's own
object), else right after it in its clause, else a year in an occasion's name, else the day of
the article's first dated event. Place: a region after 在/于, else the occasion's. Roles: host,
co_organizer, signatory, speaker, participant, subject. A signing ceremony folds into the
agreements signed at it; within a document, candidates of one type with the same subject, the
same edition or near-identical names are one event.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from flows.steps.constants import (
    AWARD_NAME_REACH,
    FUTURE_REACH,
    HAN,
    HOLDER_REACH,
    LAST_CLAUSE_REACH,
    NAMED_DAY_REACH,
    OCCASION_NAME_REACH,
    PASSIVE_SIGNING_REACH,
    RELATED_CLAUSE_REACH,
    REPORTER_SOURCE_REACH,
    SAME_NAME_DICE,
    SAME_SIGNING_DICE,
    TIME_REACH,
)
from flows.steps.extract import dates
from flows.steps.extract.lexicon import COMPOUNDS, STOP_PATTERN, longest_word_pattern, strip_generic
from flows.steps.extract.parties import GENERIC_MARKERS, PartyMention
from flows.steps.extract.regions import RegionMention
from flows.steps.extract.rules import Rule, always, decide, nothing
from flows.steps.extract.text import Sentence, SpanIndex, words_in

NOUN_TRIGGERS = {
    "press_conference": ["新闻发布会", "发布会", "新闻通气会"],
    # 博会/交会/洽会: the short names of fairs (进博会, 广交会, 厦洽会).
    "exhibition": [
        "展示会",
        "展览会",
        "博览会",
        "成就展",
        "成果展",
        "图片展",
        "展会",
        "展销会",
        "交易会",
        "博会",
        "交会",
        "洽会",
    ],
    "forum_conference": [
        "论坛",
        "大会",
        "峰会",
        "研讨会",
        "座谈会",
        "推介会",
        "交流会",
        "洽谈会",
        "年会",
        "茶话会",
        "对接会",
        "招商会",
        "推进会",
        "调度会",
        "部署会",
        "动员会",
        "现场会",
        "观摩会",
        "报告会",
        "恳谈会",
        "启动会",
        "培训会",
        "会议",
    ],
    # Ceremonies named by their form: the ceremony is the event of the kind its verb names.
    "signing": ["签约仪式", "签字仪式", "签约活动"],
    "launch": [
        "开工仪式",
        "启动仪式",
        "揭牌仪式",
        "成立仪式",
        "奠基仪式",
        "投产仪式",
        "竣工仪式",
        "开园仪式",
        "开业仪式",
        "上线仪式",
        "通车仪式",
        "投运仪式",
        "并网仪式",
        "授牌仪式",
    ],
    "release": ["颁奖仪式", "颁奖典礼", "颁奖盛典"],
    # An activity, week or day of observance is named only with a year, an ordinal or a quoted theme (_named).
    "other": ["活动", "宣传周", "宣传月", "活动周", "活动月"],
}
VERB_TRIGGERS = {
    "signing": ["签署", "签订", "签约"],
    "launch": [
        "揭牌成立",
        "揭牌启动",
        "揭牌投用",
        "揭牌",
        "成立",
        "启动",
        "落户",
        "落地",
        "开工",
        "投产",
        "开园",
        "开业",
        "上线",
        "挂牌",
        "投用",
        "组建成立",
        "组建",
        "设立",
        "完成注册",
        "共建",
        "竣工",
        "建成投产",
        "并网投运",
        "并网",
        "投运",
        "投入运营",
        "投入使用",
        "开通",
        "通车",
    ],
    "release": ["发布", "出台", "印发", "公布", "发出"],
    "approval": ["批复", "批准", "认定", "获批", "获评", "核准", "审议通过", "确定为", "列为", "评为", "命名为"],
    "visit": ["调研", "考察", "视察", "走访"],
}
SIGNING_OBJECTS = "协议|备忘录|合同|协定|意向书|框架|书|宣言"
RELEASE_OBJECTS = (
    r"《[^》]+》|“[^”]+”|报告|名单|指数|政策|方案|规划|通知|意见|办法|标准|白皮书|榜单|倡议|指南"
    r"|目录|清单|路线图|情况|数据|公报|成果|信号|预警|蓝皮书|绿皮书"
)
_SIGNED_OBJECT = re.compile(rf"[^，,。；;]*(?:{SIGNING_OBJECTS})")
_SIGNED_BEFORE = re.compile(rf"(?:{SIGNING_OBJECTS})(?:正式|现场)?\Z")
_RELEASED_OBJECT = re.compile(rf"[^，,。；;]{{0,20}}?(?:{RELEASE_OBJECTS})(?:的通知)?")
DEMONSTRATIVES = ("此次", "本次", "本届", "这次", "该", "上述", "这场", "此届", "此")
SPEECH = re.compile("表示|介绍|致辞|发言|宣布|推介|说|指出|强调|认为")
EVENT_NP = rf"[{HAN}A-Za-z0-9·—\-“”‘’《》「」『』()（）]"
EVENT_NP_REVERSED = re.compile(f"{EVENT_NP}*")
TIME_WORDS = re.compile(
    r"(?:正式|同步|顺利|成功|率先|首次|隆重|昨天|昨日|今天|今日|近日|日前|上午|下午|已经|已|将|于"
    r"|同日|同时|当天|当日|当月|随后|一同|全容量|全面|整体|实现|的)\Z"
)


def _np_run(window: str) -> str:
    """The noun-phrase characters ending `window`: _np_run("会上，绿色发展论坛") -> "绿色发展论坛" (read backwards:
    a search for a run ending the text would retry from every character)."""
    run = EVENT_NP_REVERSED.match(window[::-1])  # (a starred class: it always matches, maybe nothing)
    return window[len(window) - run.end() :] if run else ""


@dataclass
class Event:
    key: str
    event_type: str
    name: str
    start: int
    end: int
    sentence: Sentence
    event_date: date | None = None
    precision: str = "unknown"
    region_key: str | None = None
    subject: str | None = None
    trigger_at: int | None = None  # where the time context ends: the verb, or a named occasion's start
    occasion: bool = False  # named by a noun (论坛, 签约仪式), so later bare mentions (会上, 论坛期间) refer to it
    inherits: bool = True  # undated, it takes the date of the occasion the article reports
    borrowed: bool = False  # its date is that occasion's, not one the text gives it
    parties: list[tuple[str, str]] = field(default_factory=list)
    mentions: list[tuple[int, int, str]] = field(default_factory=list)

    # Written out, not generated by @dataclass: mypyc compiles this one (flows/native.py), not a generated one.
    def __init__(
        self,
        key: str,
        event_type: str,
        name: str,
        start: int,
        end: int,
        sentence: Sentence,
        event_date: date | None = None,
        precision: str = "unknown",
        region_key: str | None = None,
        subject: str | None = None,
        trigger_at: int | None = None,
        occasion: bool = False,
        inherits: bool = True,
        borrowed: bool = False,
        parties: list[tuple[str, str]] | None = None,
        mentions: list[tuple[int, int, str]] | None = None,
    ) -> None:
        self.key, self.event_type, self.name, self.start, self.end = key, event_type, name, start, end
        self.sentence, self.event_date, self.precision, self.region_key = sentence, event_date, precision, region_key
        self.subject, self.trigger_at, self.occasion = subject, trigger_at, occasion
        self.inherits, self.borrowed = inherits, borrowed
        self.parties = [] if parties is None else parties
        self.mentions = [] if mentions is None else mentions


def find(
    text: str,
    sentences: list[Sentence],
    parties: list[PartyMention],
    regions: list[RegionMention],
    reference: date | None,
    year: int | None,
    headline_end: int = 0,
    near: tuple[SpanIndex[PartyMention], SpanIndex[RegionMention]] | None = None,
) -> list[Event]:
    """Events of one document (see the module docstring). `headline_end`: where the headline
    ends in the text; a headline's event is the body's event of the same type when there is one.
    `near`: the caller's SpanIndex of these parties and of these regions, when it has them."""
    if not re.search("[。，,；;]", text):
        return []  # a list of headlines (a page's table of contents) reports no events of its own
    candidates: list[Event] = []
    near_parties, near_regions = near or (SpanIndex(parties), SpanIndex(regions))
    # The whole-phrase patterns whose cue words the document holds at all: only these are tried per sentence;
    # likewise the verb triggers (plain words: one found in a sentence is found in the document). Every cue
    # and trigger word is looked for in one pass over the text, not one search per pattern.
    held = words_in(text, _TRIGGER_WORDS)
    phrases = [(rule, cue) for rule, cue in zip(PATTERN_EVENTS, _CUES) if not held.isdisjoint(rule[3])]
    verbs = [
        (event_type, pattern)
        for event_type, pattern in _VERB_RES.items()
        if not held.isdisjoint(VERB_TRIGGERS[event_type])
    ]
    for sentence in sentences:
        # Only mentions touching the sentence can matter to it (all rules look inside the sentence).
        in_parties = near_parties.touching(sentence.start, sentence.end)
        in_regions = near_regions.touching(sentence.start, sentence.end)
        named = _verb_events(sentence, in_parties, in_regions, phrases, verbs)
        candidates += [
            e
            for e in _noun_events(sentence, in_parties, in_regions)
            if not any(v.start <= e.start and e.end <= v.end for v in named)
        ]  # 启动“…”宣传月活动
        candidates += named
    candidates += _policy_page(text, sentences, headline_end)
    candidates += _awards(text, sentences)
    candidates.sort(key=lambda e: e.start)
    _date_and_place(candidates, regions, reference, year, text, near_regions)
    _roles(text, sentences, candidates, parties, near_parties)
    body = [e for e in candidates if e.start >= headline_end]
    heads = [e for e in candidates if e.start < headline_end]
    for head in heads:
        twin = next((e for e in body if e.event_type == head.event_type), None)
        if twin is not None:
            twin.mentions = (twin.mentions or [(twin.start, twin.end, twin.name)]) + (
                head.mentions or [(head.start, head.end, head.name)]
            )
            twin.parties = list(dict.fromkeys(twin.parties + head.parties))
            head.event_type = ""  # folded into its twin
    _fold_containers(candidates)
    return _merge([e for e in candidates if e.event_type])


_BATCH = re.compile(r"(?:\d+|[一二三四五六七八九十两]+)[个项大家批]|项目\d+个")


def _fold_containers(candidates: list[Event]) -> None:
    """A signing ceremony, or a batch counted but not named (12个项目集中签约), is the occasion of the
    agreements the article names: it folds into the first of them. With none named it is the event."""
    specific = [
        e
        for e in candidates
        if e.event_type == "signing" and not e.occasion and not (_BATCH.search(e.name) and "等" not in e.name)
    ]
    if not specific:
        return
    for ev in candidates:
        if ev.event_type == "signing" and ev not in specific:
            target = specific[0]
            target.mentions = (target.mentions or [(target.start, target.end, target.name)]) + (
                ev.mentions or [(ev.start, ev.end, ev.name)]
            )
            target.parties = list(dict.fromkeys(target.parties + ev.parties))
            ev.event_type = ""


_DOCUMENT = "方案|规划|意见|办法|通知|计划|细则|条例|规定|纲要|指南|措施|公告|决定"
_DOCUMENT_END = re.compile(rf"(?:{_DOCUMENT})\Z")
_THIS_DOCUMENT = re.compile(rf"(?:制定|印发|发布)?本[{HAN}]{{0,4}}(?:{_DOCUMENT})")


def _policy_page(text: str, sentences: list[Sentence], headline_end: int) -> list[Event]:
    """A page that is a policy document (its title a document's name, its body 制定本方案): its release."""
    title = text[:headline_end].strip()
    if not (6 <= len(title) <= 60 and _DOCUMENT_END.search(title) and "\n" not in title):
        return []
    if not _THIS_DOCUMENT.search(text[headline_end : headline_end + 2000]):
        return []
    return [Event("", "release", title, 0, len(title), sentences[0], trigger_at=0)]


_AWARD_NAME = re.compile(r"(?:“[^”]{2,30}”|\"[^\"]{2,30}\")(?:评选|评比|奖项|大奖|奖)")


def _awards(text: str, sentences: list[Sentence]) -> list[Event]:
    """为获奖企业颁奖: the results of the selection named last before it are released (“X”评选颁奖)."""
    out = []
    for sentence in sentences if "颁奖" in text else ():
        for m in re.finditer(r"颁奖(?!仪式|典礼|盛典|大会|晚会)", sentence.text):
            at = sentence.start + m.start()
            named = list(_AWARD_NAME.finditer(text[max(0, at - AWARD_NAME_REACH) : at]))
            if named:
                out.append(Event("", "release", named[-1].group() + "颁奖", at, at + 2, sentence, trigger_at=at))
    return out


_CLAUSE_START = re.compile(r"[,，;；:：]")  # a clause starts after one of these
_CLAUSE_END = re.compile(r"[,，;；。:：]")


def _clause_of(sentence: Sentence, at: int) -> tuple[int, int]:
    """[start, end) in document offsets of the clause (between ，；。) holding position `at`."""
    rel = at - sentence.start
    left = max((m.end() for m in _CLAUSE_START.finditer(sentence.text, 0, rel)), default=0)
    right = next((m.start() - rel for m in _CLAUSE_END.finditer(sentence.text, rel)), len(sentence.text) - rel)
    return sentence.start + left, sentence.start + rel + right


_NOUN_TYPE = {w: t for t, ws in NOUN_TRIGGERS.items() for w in ws}
# A word ending in 会 never ends before 议: 推进会议 is named by 会议.
_NOUN_RE = re.compile(
    "|".join(re.escape(w) + ("(?!议)" if w.endswith("会") else "") for w in sorted(_NOUN_TYPE, key=len, reverse=True))
)
_NOUNS = "|".join(sorted(map(re.escape, _NOUN_TYPE), key=len, reverse=True))
_COMBINED = re.compile(rf"暨{EVENT_NP}{{2,40}}?(?:{_NOUNS})")
# Verbs that end the text before an occasion's name (积极响应第31届…大会, 倡导绿色会议).
_VERB_BEFORE_NAME = re.compile("响应|呼应|参与|参加|迎接|筹办|筹备|亮相|走进|迎来|倡导|推行|开展|见证")


def _noun_events(sentence: Sentence, parties: list[PartyMention], regions: list[RegionMention]) -> list[Event]:
    out = []
    for m in _NOUN_RE.finditer(sentence.text):
        word = m.group()
        if word == "发布会" and "新闻" not in sentence.text[m.start() - 2 : m.start()]:
            continue
        if word.endswith("展") and sentence.text[m.end() : m.end() + 1] in tuple("示览开出现馆位厅区"):
            continue  # 成果展示环节, 图片展览馆: not the exhibition's name
        np_start = _np_start(sentence.text, m.start())
        if _FUTURE.search(sentence.text[max(0, np_start - FUTURE_REACH) : np_start]):
            continue  # 争取到第99届广交会: not held yet
        name = sentence.text[np_start : m.end()]
        if not _named(name, word):
            holder = _holder(sentence, sentence.start + np_start, parties)
            if holder is None or name != word:
                continue
            name = holder.surface + word  # 省能源局举行新闻发布会 -> 省能源局新闻发布会
        start = sentence.start + np_start
        organizer = _organizer(sentence, start, parties, word)
        if organizer is not None:
            name = organizer.surface + name  # 市人大常委会召开第十二次主任会议 -> 市人大常委会第十二次主任会议
        end = sentence.start + m.end()
        if any(
            name.count(a) > name.count(b) and sentence.text[m.end() : m.end() + 1] == b
            for a, b in ("“”", "「」", "《》")
        ):
            end += 1  # 第五届“2021临江低碳国际峰会”: the closing quote belongs to the name
        combined = _COMBINED.match(sentence.text, end - sentence.start)
        if combined:
            end += combined.end() - combined.start()  # 第三次联席会议暨…主题论坛: one occasion
        name += sentence.text[m.end() : end - sentence.start]
        # 响应第31届…大会: another occasion the reported one relates to, not held at its date.
        clause = re.split(r"[，,；;。]", sentence.text[max(0, np_start - RELATED_CLAUSE_REACH) : np_start])[-1]
        related = bool(re.search(r"响应|呼应|迎接|筹备|对接|助力", clause))
        out.append(
            Event(
                "",
                _NOUN_TYPE[word],
                name,
                start,
                end,
                sentence,
                trigger_at=start,
                occasion=True,
                inherits=not related,
                mentions=[(start, sentence.start + m.end(), sentence.text[np_start : m.end()])],
            )
        )
    return out


# Compiled once here: the per-trigger helpers below run for every candidate occasion.
_QUOTED_PART = re.compile(r"“[^“”]*”|《[^《》]*》|「[^「」]*」|『[^『』]*』")
_UNITED_NAME = re.compile("国|会|体|实验室|研究|研发|创新|中心|工作组|舰队")
_SESSIONS = re.compile(r"\d+场")
_DATED_OR_TITLED = re.compile(rf"(?:19|20)\d{{2}}|第|“|《|[{HAN}]{{3}}(?:日|节)")
_NUMBERED_OR_TITLED = re.compile(r"\d|“|《|第")


def _np_start(text: str, trigger_start: int) -> int:
    """Start of the noun phrase ending at a trigger: after the last verb or preposition before it."""
    run = _np_run(text[max(0, trigger_start - OCCASION_NAME_REACH) : trigger_start])
    start = trigger_start - len(run)
    quoted = [m.span() for m in _QUOTED_PART.finditer(run)]
    quoted += [m.span() for m in _NOUN_RE.finditer(run)]  # 展览会同期…论坛: 会同 is not a stop word here
    cut = 0
    for m in STOP_PATTERN.finditer(run):
        if m.group() in ("与", "和", "及", "以及", "等", "全省", "全市", "全区"):
            continue  # 美丽乡村建设与绿色产业发展成就展, 全省…工作会议: part of the name
        if any(lo <= m.start() < hi for lo, hi in quoted):
            continue  # inside a quoted or titled part of the name, or an occasion's own noun
        if _inside_word(run, m.start(), m.end()):
            continue  # 联合国气候变化大会, 利用: not a stop word here
        cut = max(cut, m.end())
    for m in _VERB_BEFORE_NAME.finditer(run):
        if not any(lo <= m.start() < hi for lo, hi in quoted):
            cut = max(cut, m.end())
    while cut < len(run) and run[cut] in "“‘「『" and not any(lo == cut for lo, _ in quoted):
        cut += 1  # an opening quote whose closing one is not part of the name
    return start + cut


def _inside_word(text: str, i: int, j: int) -> bool:
    """A stop word that is part of a word: 联合国, 联合实验室, 利用, 数据 (lexicon.COMPOUNDS)."""
    if text[i:j] == "联合" and _UNITED_NAME.match(text, j):
        return True  # 联合国, 联合实验室: a name, not the verb
    return j - i == 1 and (text[i - 1 : j] in COMPOUNDS or text[i : j + 1] in COMPOUNDS)


def _named(name: str, trigger: str) -> bool:
    """A named event, not a bare or demonstrative mention (论坛上, 此次推介会, 这场推介会)."""
    head = name[: -len(trigger)]
    if not head or head.startswith(DEMONSTRATIVES) or head.startswith("等") or _SESSIONS.search(head):
        return False  # 此次推介会, 等4场专题论坛
    if _NOUN_TYPE[trigger] == "other":  # 2018年…宣传周, 世界环境日主场宣传活动, “…”主题党日活动; not 3次活动
        return bool(_DATED_OR_TITLED.search(head))
    if _NUMBERED_OR_TITLED.search(head):
        return True
    return len(head) >= 6 or (len(head) >= 4 and len(strip_generic(head)) >= 2)


def _holder(sentence: Sentence, np_start: int, parties: list[PartyMention]) -> PartyMention | None:
    """The organization that 举行/召开/举办 an unnamed occasion right after it (…今天上午举行新闻发布会)."""
    shift = max(0, np_start - sentence.start - HOLDER_REACH)
    before = sentence.text[shift : np_start - sentence.start]
    m = re.search(
        r"(?:今天|昨天|今日|昨日|于[^，,。]{1,14}?)?(?:上午|下午|晚上)?(?:在[^，,。]{1,15})?(?:组织)?"
        r"(?:举行|召开|举办)了?\Z",
        before,
    )
    if not m:
        return None
    near = [p for p in parties if p.party_type != "person" and p.end == sentence.start + shift + m.start()]
    return near[0] if near else None


def _organizer(sentence: Sentence, np_start: int, parties: list[PartyMention], trigger: str) -> PartyMention | None:
    """The body whose own meeting it is: 市人大常委会召开第十二次主任会议 (not for forums or press events)."""
    if not trigger.endswith("会议"):
        return None
    before = sentence.text[: np_start - sentence.start]
    m = re.search(r"(召开|举办|举行)\Z", before)
    if not m:
        return None
    verb_at = sentence.start + m.start()
    near = [p for p in parties if p.party_type != "person" and p.end == verb_at]
    return near[0] if near else None


# Events that one phrase names whole, by type: (pattern, needs a time expression before it in
# its sentence). A campaign or a survey is an event only when the text says when it happened; in a
# plan (开展…检查, 实施…工程) the same words describe what is to be done.
# One unit of an object: a whole quoted or titled part, or one character that ends no clause.
_OBJ = r"(?:“[^”]{0,30}”|\"[^\"]{0,30}\"|《[^》]{0,40}》|[^，,。；;：:“\"《])"
# Said of the future (双方将共同设立…基金): not an event yet.
_FUTURE = re.compile(r"(?:将|拟|计划|预计|力争|争取|有望|准备)[^，,。；;]{0,6}\Z")
# The last column lists words one of which every match holds: a sentence with none of them is not
# searched with the pattern (most patterns start with a free-running object, costly to try at every position).
# (event type, pattern, needs a time expression before it, cue words)
PatternEvent = tuple[str, re.Pattern[str], bool, tuple[str, ...]]
PATTERN_EVENTS: list[PatternEvent] = [
    ("other", re.compile(r"(?:解除|启动|终止)[^，,。；;]{0,30}?应急响应"), False, ("应急响应",)),
    ("other", re.compile(r"加入(?:了)?《[^》]{2,30}》"), False, ("加入",)),  # 加入《某某公约》
    ("other", re.compile(rf"(?:在{_OBJ}{{2,12}}?)?(?:举办|举行)了?{_OBJ}{{2,20}}?活动"), False, ("举办", "举行")),
    ("other", re.compile(rf"(?:组织)?开展了?{_OBJ}{{2,24}}?(?:核查|普查|调查|排查|督查|督察|清查)"), True, ("开展",)),
    # A civic green action done by a group on a stated day: 200余名干部群众在柳树村义务植树.
    (
        "other",
        re.compile(rf"{_OBJ}{{4,40}}?(?:义务植树|植树造林|净滩|志愿服务)(?:活动)?"),
        True,
        ("义务植树", "植树造林", "净滩", "志愿服务"),
    ),
    (
        "launch",
        re.compile(
            rf"(?:组织实施|部署实施|启动实施|组织开展|启动)了?{_OBJ}{{2,24}}?"
            r"(?:工程|行动|专项|工作|试点)"
        ),
        True,
        ("组织实施", "部署实施", "组织开展", "启动"),
    ),
    ("launch", re.compile(rf"发起了?{_OBJ}{{0,30}}?(?:评选|活动|倡议|行动|计划|基金|联盟)"), False, ("发起",)),
    # Issuing a bond or setting up a fund brings a new instrument into being: typed launch.
    ("launch", re.compile(rf"(?:成功)?发行了?{_OBJ}{{0,24}}?(?:债券|债|票据|基金|REITs)"), False, ("发行",)),
    ("launch", re.compile(rf"(?:设立|成立|组建)了?{_OBJ}{{0,20}}?(?:基金)"), False, ("基金",)),
    # 首单…债券成功发行
    ("launch", re.compile(rf"{_OBJ}{{2,24}}?(?:债券|票据|REITs)(?:正式|顺利|成功)?发行"), False, ("发行",)),
    # A notice by its issuer's heading: 省能源局关于开展…试点的通知.
    ("release", re.compile(rf"关于{_OBJ}{{4,60}}?的(?:通知|公告|通告|决定|批复)"), False, ("关于",)),
    (
        "approval",
        re.compile(
            rf"(?:《[^》]{{2,40}}》|{_OBJ}{{2,24}}?)通过了?{_OBJ}{{0,16}}?"
            r"(?:评审|验收|审查|论证|认证|审定|复核|评估)"
        ),
        False,
        ("通过",),
    ),
    # 为《…宣言》云签名
    ("signing", re.compile(r"《[^》]{2,30}》(?:云|现场|集体|共同)?(?:签名|签字)"), False, ("签名", "签字")),
    # A designation stated as what is new: 新增A、B等7处国家湿地公园.
    (
        "approval",
        re.compile(
            rf"(?:新增|新认定|新命名)了?{_OBJ}{{0,80}}?[\d一二三四五六七八九十]+[处个家批座]"
            rf"{_OBJ}{{0,10}}?(?:湿地|保护区|示范区|示范基地|试点|名录|遗产|国家公园|森林城市"
            r"|湿地公园|地质公园)"
        ),
        False,
        ("新增", "新认定", "新命名"),
    ),
    # 现将…公布如下
    (
        "release",
        re.compile(rf"将{_OBJ}{{4,80}}?(?:公布|发布|印发|下发|下达)(?=如下|给你们)"),
        False,
        ("如下", "给你们"),
    ),
]

_CUES = [re.compile("|".join(words)) for _, _, _, words in PATTERN_EVENTS]
# Every cue word and verb trigger (plain words, no pattern syntax): which of them a document holds decides
# which of those patterns find() tries in its sentences (words_in: one automaton pass over the text).
_TRIGGER_WORDS = tuple(
    sorted({w for *_, words in PATTERN_EVENTS for w in words} | {w for ws in VERB_TRIGGERS.values() for w in ws})
)


_QUOTED_ITEMS = re.compile(r"签约(?:仪式|活动)?(?:涉及|包括|包含)(?P<items>(?:“[^”]{2,40}”(?:[、和及与]|以及)?){1,8})")


def _first_time(sentence: Sentence, known: int | None) -> int:
    """Where the sentence's first time expression is (its length when none); computed once per sentence."""
    if known is not None:
        return known
    found = dates.expressions(sentence.text, None, 2000)
    return min((f[2] for f in found), default=len(sentence.text))


def _pattern_events(
    sentence: Sentence, parties: list[PartyMention], phrases: list[tuple[PatternEvent, re.Pattern[str]]]
) -> list[Event]:
    """Whole-phrase events of a sentence; `phrases`: (PATTERN_EVENTS row, its cue pattern) pairs to try."""
    out = []
    first_time = None
    text = sentence.text
    # 此次签约仪式涉及“A项目”和“B项目”: one signing each
    for m in _QUOTED_ITEMS.finditer(text) if "签约" in text else ():
        for item in re.finditer(r"“([^”]+)”", m["items"]):
            at = sentence.start + m.start("items") + item.start()
            out.append(
                Event("", "signing", item.group(1) + "签约", at, at + len(item.group()), sentence, trigger_at=at)
            )
    for (event_type, pattern, dated, _), cue in phrases:
        if not cue.search(text):
            continue
        for m in pattern.finditer(text):
            if dated and (first_time := _first_time(sentence, first_time)) >= m.start():
                continue
            if _FUTURE.search(sentence.text[max(0, m.start() - FUTURE_REACH) : m.start()]) or (
                m.group().endswith("活动") and GENERIC_MARKERS.search(m.group())
            ):
                continue  # 将共同设立…; 举办赛展演等特色活动 names no one event
            name = _pattern_name(m.group())
            at = sentence.start + m.start()
            actors_before = []
            if name.startswith("关于"):
                issuer = [p for p in parties if p.end == at and p.party_type != "person"]
                if not issuer or sentence.text[m.end() : m.end() + 1] not in ("", "。", "\n", "(", "（"):
                    continue  # a heading names its issuer first and stands alone (…的通知。)
                name, at, actors_before = issuer[0].surface + name, issuer[0].start, issuer
            ev = Event("", event_type, name, at, sentence.start + m.end(), sentence, trigger_at=at)
            ev.parties = [(p.name, "host") for p in _pattern_host(sentence, at, parties) or actors_before]
            out.append(ev)
    return out


def _pattern_host(sentence: Sentence, at: int, parties: list[PartyMention]) -> list[PartyMention]:
    """Who did it: the first organization of its clause (A在B发行…: A), else the body a reporter
    learned it from (记者从省生态环境厅获悉,全省新增…)."""
    lo, _ = _clause_of(sentence, at)
    actors = [p for p in parties if lo <= p.start and p.end <= at and p.party_type != "person"]
    if actors:
        return actors[:1]
    window = max(sentence.start, at - REPORTER_SOURCE_REACH)
    source = re.search(
        r"从(?P<who>[^，,。；;]{2,30}?)(?:获悉|了解到)", sentence.text[window - sentence.start : at - sentence.start]
    )
    if source is None:
        return []
    lo, hi = window + source.start("who"), window + source.end("who")
    return [p for p in parties if lo <= p.start and p.end <= hi and p.party_type != "person"][:1]


def _pattern_name(phrase: str) -> str:
    """The name of a whole-phrase event: 将X公布 -> X公布, 通过了Y -> 通过Y, a subject cut at its last stop word,
    a list shortened to its first item (新增A、B、C等18处湿地 -> 新增A等18处湿地)."""
    phrase = _tidy(re.sub(r"^将", "", phrase))
    phrase = re.sub(r"、[^，,。；;“”《》]*?(?=等[\d一二三四五六七八九十]+)", "", phrase)
    if "通过" in phrase and not phrase.startswith("《"):
        head, _, rest = phrase.partition("通过")
        cut = max(
            (m.end() for m in STOP_PATTERN.finditer(head) if not _inside_word(head, m.start(), m.end())), default=0
        )
        phrase = head[cut:] + "通过" + rest
    return phrase


_VERB_RES = {t: longest_word_pattern(ws) for t, ws in VERB_TRIGGERS.items()}
_ADVERB_TAIL = re.compile(
    r"(?:正式|同步|顺利|成功|率先|首次|隆重|已经|已|将|也|均|共同|昨天|昨日|今天|今日|近日"
    r"|日前|上午|下午|同日|同时|当天|当日|当月|随后|还|一同|全部|全容量|实现|的)\Z"
)
_PLACE_TAIL = re.compile(rf"(?:在|于)[{HAN}A-Za-z0-9()（）“”‘’]{{0,24}}\Z")
_ETC_TAIL = re.compile(rf"^等[{HAN}]{{0,8}}\Z")
_MONTH_TAIL = re.compile(r"(?:(?:今年|去年)?\d{1,2}月(?:\d{1,2}日|底|初|上旬|中旬|下旬)?|\d{1,2}日)\Z")


def _verb_events(
    sentence: Sentence,
    parties: list[PartyMention],
    regions: list[RegionMention],
    phrases: list[tuple[PatternEvent, re.Pattern[str]]],
    verbs: list[tuple[str, re.Pattern[str]]] | None = None,
) -> list[Event]:
    """Whole-phrase and verb-triggered events of a sentence; `verbs`: the (event type, _VERB_RES pattern)
    pairs to try (default: all)."""
    out = _pattern_events(sentence, parties, phrases)
    for event_type, pattern in _VERB_RES.items() if verbs is None else verbs:
        for m in pattern.finditer(sentence.text):
            if any(e.start <= sentence.start + m.start() < e.end for e in out):
                continue  # 启动…应急响应 is that response, not a launch; 发起…基金 is named already
            event = _verb_event(sentence, m, event_type, parties, regions)
            for ev in event or []:
                ev.trigger_at = sentence.start + m.start() if ev.trigger_at is None else ev.trigger_at
                out.append(ev)
    return out


_OF_TITLED = re.compile(r"的(?=《[^》]+》)")
_ANNOUNCES = re.compile("宣布[^，,。；;]{2,40}\\Z")
_FOUNDED_BY = re.compile(r"由[^，,。的]*?(?:共同|联合)?\Z")
_MEANS = re.compile("标志着|意味着|预示着")
_COUNT_BEFORE = re.compile(r"[\d一二三四五六七八九十]+[家个项所位]\Z")


@dataclass
class VerbTrigger:
    """A verb trigger (签署, 揭牌, 发布…) in its clause: what the rules of VERB_RULES read."""

    sentence: Sentence
    m: re.Match[str]
    event_type: str
    parties: list[PartyMention]
    regions: list[RegionMention]

    def __post_init__(self) -> None:
        sentence, m = self.sentence, self.m
        self.at, self.end = sentence.start + m.start(), sentence.start + m.end()
        self.lo, self.hi = _clause_of(sentence, self.at)
        self.before = sentence.text[self.lo - sentence.start : m.start()]
        after = sentence.text[m.end() : self.hi - sentence.start]
        # 日前发布的《报告》显示: the document released, named after 的
        self.reported = self.event_type == "release" and _OF_TITLED.match(after) is not None
        self.after = after[1:] if self.reported else after
        before_verb = [p for p in self.parties if self.lo <= p.start and p.end <= self.at]
        self.in_clause = [p for p in before_verb if p.party_type != "person"]
        self.people = [p for p in before_verb if p.party_type == "person"]
        if self.event_type == "launch" and _ANNOUNCES.search(self.before):
            self.in_clause = self.in_clause + self.people  # 张三宣布…成立: the speaker is named with the subjects

    @cached_property
    def founded(self) -> list[Event] | None:
        """共建/组建/成立 + an organization: that organization is launched (_joint_build)."""
        return _joint_build(self.sentence, self.m, self.end, self.hi, self.parties)


_FOUNDING = ("共建", "组建", "成立", "设立", "组建成立")
_NOT_THE_EVENT_AFTER = ("会", "环节", "仪式上", "期间", "时", "后", "的", "按钮")


def _founding(t: VerbTrigger) -> bool:
    return t.m.group() in _FOUNDING and (t.founded is not None or t.m.group() == "共建")


def _part_of_something_else(t: VerbTrigger) -> bool:
    return not t.reported and (
        t.after.startswith(_NOT_THE_EVENT_AFTER)
        or (t.event_type == "visit" and t.after.startswith(("组", "团", "员", "报告")))
    )


# Is a verb trigger an event, and which? The first rule that applies decides (rules.decide).
VERB_RULES: list[Rule[VerbTrigger, list[Event] | None]] = [
    Rule("inside quotes: a slogan (“拿地即开工”)", lambda t: _quoted(t.sentence.text, t.m.start()), nothing),
    Rule(
        "由A和B共同组建: who founded an event already named",
        lambda t: t.event_type == "launch" and _FOUNDED_BY.search(t.before) is not None,
        nothing,
    ),
    Rule(
        "这标志着项目正式落户: what an event reported before means, not a new one",
        lambda t: t.event_type == "launch" and _MEANS.search(t.before) is not None,
        nothing,
    ),
    Rule("共建/组建/成立 + an organization: that organization's launch", _founding, lambda t: t.founded),
    Rule(
        "4家获批…: a count, not an event",
        lambda t: _COUNT_BEFORE.search(t.before) is not None,
        nothing,
    ),
    Rule("签约会, 发布环节, 调研组: part of another name or occasion", _part_of_something_else, nothing),
    Rule("签署/签订/签约: the agreement signed", lambda t: t.event_type == "signing", lambda t: _signing(t)),
    Rule("发布/印发/公布: the document released", lambda t: t.event_type == "release", lambda t: _release(t)),
    Rule("批复/认定/获批: what was approved", lambda t: t.event_type == "approval", lambda t: _approval(t)),
    Rule("调研/考察: who visited", lambda t: t.event_type == "visit", lambda t: _visit(t)),
    Rule(
        "揭牌/成立/启动/落户…: one launch per subject",
        always,
        lambda t: _launches(t.sentence, t.m, t.at, t.end, t.lo, t.in_clause, t.regions),
    ),
]


def _verb_event(
    sentence: Sentence, m: re.Match[str], event_type: str, parties: list[PartyMention], regions: list[RegionMention]
) -> list[Event] | None:
    return decide(VERB_RULES, VerbTrigger(sentence, m, event_type, parties, regions))[0]


def _signing(t: VerbTrigger) -> list[Event] | None:
    """签署/签订/签约: the agreement named after the verb (or before it, in the passive), one per
    counterpart of a list (A与B、C签订), else a batch of projects or the signatories themselves."""
    sentence, m, before, after, in_clause, people = t.sentence, t.m, t.before, t.after, t.in_clause, t.people
    at, end, event_type = t.at, t.end, t.event_type
    if after.startswith("仪式"):
        return None  # the ceremony is named by the noun (签约仪式)
    obj = _SIGNED_OBJECT.match(after)  # to the last: 框架协议, not 框架
    passive = _SIGNED_BEFORE.search(before)
    if passive and not obj:
        name = _tidy(before[-PASSIVE_SIGNING_REACH:] + m.group())
        ev = Event("", event_type, name, at - len(before), end, sentence)
        ev.parties = [(p.name, "signatory") for p in in_clause]
        return [ev]
    batch = re.search(r"项目(?:正式|现场|集中|成功)?\Z", before) and _np_tail(before)
    if (
        batch
        and not obj
        and "、" not in batch
        and (re.search(r"\d+[个项大]", batch) or len(strip_generic(batch[: batch.rindex("项目")])) >= 4)
    ):
        return [Event("", event_type, _tidy(batch + m.group()), at - len(batch), end, sentence)]  # 12个项目集中签约
    if not obj:
        return _unnamed_signing(sentence, m, at, end, before, after, in_clause, people)
    if not in_clause:
        return None
    if "分别" in before and "与" in before:
        return _respective_signings(sentence, m, before, t.lo, at, end, obj.group(), in_clause, people, t.regions)
    counterparts = _counterparts(before, t.lo, in_clause)
    if counterparts:  # A与B、C签订协议: one agreement with each
        left, right = counterparts
        out = []
        for p in right:
            ev = Event(
                "",
                event_type,
                _tidy(left.surface + "与" + p.surface + m.group() + obj.group()),
                p.start,
                end + len(obj.group()),
                sentence,
                mentions=[(p.start, p.end, p.surface)],
            )
            ev.parties = [(left.name, "signatory"), (p.name, "signatory")] + [(q.name, "signatory") for q in people]
            out.append(ev)
        return out
    # A government named by its place signs too (青山市与华光集团签署…): the name starts there.
    first = min(
        [p.start for p in in_clause]
        + [
            r.start
            for r in t.regions
            if t.lo <= r.start and r.end <= at and sentence.text[r.end - sentence.start] == "与"
        ]
    )
    name = sentence.text[first - sentence.start : m.end()] + obj.group()
    ev = Event("", event_type, _tidy(name), first, end + len(obj.group()), sentence)
    ev.parties = [(p.name, "signatory") for p in in_clause + people]
    return [ev]


# 发布A,以及B: another document released by the same verb.
_ALSO_RELEASED = re.compile(rf"[,，、]?(?:同时)?(?:以及|及|和)(?P<what>[^，,。；;]{{2,40}}?(?:{RELEASE_OBJECTS}))")


def _release(t: VerbTrigger) -> list[Event] | None:
    """发布/印发…: the document released (印发《…意见》的通知), and each one listed after it (发布A,以及B)."""
    sentence, m = t.sentence, t.m
    obj = _RELEASED_OBJECT.match(t.after)  # 印发《…意见》的通知
    if not obj:
        return None
    what = re.sub(r"^[了出]", "", obj.group())
    what = re.sub(r"^(?:由[^《“]{0,12}的)", "", what)  # 发布由省政府印发的《方案》 -> 发布《方案》
    ev = Event("", t.event_type, m.group() + _gloss_free(what), t.at, t.end + len(obj.group()) + t.reported, sentence)
    ev.parties = [(p.name, "host") for p in t.in_clause]  # A、B联合印发: both issue it
    out = [ev]
    rest = sentence.text[ev.end - sentence.start :]
    while more := _ALSO_RELEASED.match(rest):
        start = ev.end + more.start("what")  # 发布A,以及B: B is released too
        out.append(
            Event(
                "",
                t.event_type,
                m.group() + _gloss_free(more["what"]),
                start,
                start + len(more["what"]),
                sentence,
                trigger_at=t.at,
                parties=list(ev.parties),
            )
        )
        rest = rest[more.end() :]
    return out


def _approval(t: VerbTrigger) -> list[Event] | None:
    """批复/认定/获批…: what was approved, by whom (项目获得省能源局核准), or the document adopted."""
    sentence, m, before = t.sentence, t.m, t.before
    if re.fullmatch(r"(?:连续\S{1,3}年|已|先后|多次|再次|曾|均|也|还|又)*被[^，,。；;]*", before):
        return None  # 连续两年被省政府评为…: the one named is before this clause, the approver is no subject
    subject = _subject(sentence, t.at, t.in_clause, t.regions)
    obj = _CLAUSE_SPLIT.split(t.after, maxsplit=1)[0]
    document = re.match(r"了?(《[^》]+》)", obj)
    if subject is None and document:  # 会议审议通过了《…方案》
        return [Event("", t.event_type, m.group() + document.group(1), t.at, t.end + document.end(), sentence)]
    if subject is not None and not obj and re.search("获得|经过|通过", before):
        obj = ""  # 项目获得省能源局核准: the approver is the subject found
    elif subject is None or not obj:
        return None
    ev = Event(
        "",
        t.event_type,
        _tidy(sentence.text[subject[0] - sentence.start : m.end()] + obj),
        subject[0],
        t.end + len(obj),
        sentence,
    )
    if subject[2]:
        ev.parties = [(subject[2].name, "host")]
    return [ev]


def _visit(t: VerbTrigger) -> list[Event] | None:
    """调研/考察…: the visit of the first person (else organization) of the clause; the others visited."""
    if not t.people and not t.in_clause:
        return None
    actor = (t.people or t.in_clause)[0]
    name = _tidy(t.sentence.text[actor.start - t.sentence.start : t.m.end()])
    ev = Event("", t.event_type, name, actor.start, t.end, t.sentence)
    ev.parties = [(actor.name, "participant")] + [(p.name, "subject") for p in t.in_clause if p is not actor]
    return [ev]


def _gloss_free(name: str) -> str:
    """A name without a bracketed gloss of a term: ESG(环境、社会和公司治理)报告 -> ESG报告."""
    return re.sub(r"[(（](?=[^()（）]*、)[^()（）]{4,}[)）]", "", name)


def _np_tail(before: str) -> str:
    """The noun phrase ending a clause: after its last stop word (总投资12亿元的光伏项目 -> 光伏项目)."""
    cut = max(
        (
            m.end()
            for m in STOP_PATTERN.finditer(before)
            if not _inside_word(before, m.start(), m.end()) and m.group() not in ("与", "和", "及", "等")
        ),
        default=0,
    )
    return before[cut:].lstrip("，,、 ")


def _unnamed_signing(
    sentence: Sentence,
    m: re.Match[str],
    at: int,
    end: int,
    before: str,
    after: str,
    in_clause: list[PartyMention],
    people: list[PartyMention],
) -> list[Event] | None:
    """签约 with no agreement named: 签约了A、B等3大项目 (the projects name it), or A与B(成功)签约
    (named by the project the sentence says it brings, else by its signatories)."""
    projects = re.match(r"了?(?P<list>[^，,。；;]{2,120}?项目(?:\d+个)?)", after)
    if projects and m.group() == "签约":
        items = projects["list"]
        short = re.match(r"(?P<first>[^、.．]+)[、.．].*(?P<etc>等[\d一二三四五六七八九十]+[大个项]*项目)\Z", items)
        name = (short["first"] + short["etc"] if short else items) + "签约"
        ev = Event("", "signing", name, at, end + projects.end(), sentence)
        ev.parties = [(p.name, "signatory") for p in in_clause]
        return [ev]
    pair = re.search(r"与[^，,。；;与]{2,30}?(?:成功|正式|现场)?\Z", before)
    signatories = [p for p in in_clause + people if sentence.start + sentence.text.find(before) <= p.start]
    if not pair or len(signatories) < 2:
        return None
    project = re.search(r"的(?P<p>[^，,。；;的]{4,40}?项目)", sentence.text[m.end() :])
    first = min(p.start for p in signatories)
    name = project["p"] + "签约" if project else _tidy(sentence.text[first - sentence.start : m.end()])
    ev = Event("", "signing", name, first, end, sentence)
    ev.parties = [(p.name, "signatory") for p in sorted(signatories, key=lambda p: p.start)]
    return [ev]


def _counterparts(
    before: str, lo: int, in_clause: list[PartyMention]
) -> tuple[PartyMention, list[PartyMention]] | None:
    """A与B、C签订: (A, [B, C]) when one party signs with a list of two or more (no 等, 三方, 共同)."""
    if "与" not in before or re.search("等|三方|四方|多方|共同|分别", before):
        return None
    split = lo + before.rindex("与")
    left = [p for p in in_clause if p.end <= split]
    right = [p for p in in_clause if p.start > split]
    return (left[0], right) if len(left) == 1 and len(right) >= 2 else None


def _respective_signings(
    sentence: Sentence,
    m: re.Match[str],
    before: str,
    lo: int,
    at: int,
    end: int,
    obj: str,
    in_clause: list[PartyMention],
    people: list[PartyMention],
    regions: list[RegionMention],
) -> list[Event]:
    """A、B与C、D分别签订X: one agreement between A、B and each of C, D."""
    split = lo + before.rindex("与")
    left = [p for p in in_clause if p.end <= split]
    # (start, end, surface, party name): a zone signs as a place, with no party of its own
    right: list[tuple[int, int, str, str | None]] = [
        (p.start, p.end, p.surface, p.name) for p in in_clause if p.start > split
    ]
    right += [
        (r.start, r.end, r.surface, None)
        for r in regions
        if split < r.start and r.end <= at and r.region.level == "zone"
    ]
    right = [r for r in right if not any(o[0] <= r[0] and r[1] <= o[1] and o != r for o in right)]
    out = []
    if len(right) == 1 and len(left) > 1:  # A、B与C分别签署: A–C and B–C
        start, stop, surface, name = right[0]
        for p in left:
            ev = Event("", "signing", _tidy(p.surface + "与" + surface + m.group() + obj), p.start, p.end, sentence)
            ev.parties = [(p.name, "signatory")] + ([(name, "signatory")] if name else [])
            ev.mentions = [(p.start, p.end, p.surface)]
            out.append(ev)
        return out
    for start, stop, surface, name in sorted(right):  # A、B与C、D分别签署: A、B–C and A、B–D
        label = "、".join(p.surface for p in left) + "与" + surface + m.group() + obj
        ev = Event("", "signing", _tidy(label), start, stop, sentence)
        ev.parties = [(p.name, "signatory") for p in left] + ([(name, "signatory")] if name else [])
        ev.mentions = [(start, stop, surface)]
        out.append(ev)
    return out


_DOUBLE_QUOTED = re.compile(r"“[^“”]*”")


def _quoted(text: str, position: int) -> bool:
    return any(lo < position < hi for lo, hi in (q.span() for q in _DOUBLE_QUOTED.finditer(text)))


def _joint_build(
    sentence: Sentence, m: re.Match[str], end: int, hi: int, parties: list[PartyMention]
) -> list[Event] | None:
    """共建/组建/成立(了) + an organization: that organization is launched (共建低碳技术研究院,
    共同组建成立了临江…联盟 -> 临江…联盟组建成立)."""
    skip = 1 if sentence.text[m.end() : m.end() + 1] == "了" else 0
    obj = [p for p in parties if p.start == end + skip and p.party_type != "person"]
    if not obj:
        return None
    name = m.group() + obj[0].surface if m.group() == "共建" else obj[0].surface + m.group()
    ev = Event("", "launch", name, sentence.start + m.start(), obj[0].end, sentence, subject=obj[0].name)
    ev.parties = [(obj[0].name, "subject")]
    return [ev]


FACILITY = re.compile(
    r"(?:长廊|中心|基地|平台|项目|工程|工厂|园|馆|站|线|厂|港|场|楼|院|所|室|公园|广场|大桥|隧道"
    r"|电站|机场|码头)\Z"
)


_ANNOUNCED_WHAT = re.compile(r"宣布(?P<what>[^，,。；;]{2,40})\Z")


def _announced(
    sentence: Sentence, at: int, lo: int, in_clause: list[PartyMention]
) -> Callable[[str, int], Event] | None:
    """X宣布Y成立: Y is launched (named even when generic, 咨询委员会), X announced it."""
    before = sentence.text[lo - sentence.start : at - sentence.start]
    m = _ANNOUNCED_WHAT.search(before)
    if m is None:
        return None
    start = lo + m.start("what")
    what = m["what"]
    announcer = [p for p in in_clause if p.end <= lo + m.start()]
    subject = [p for p in in_clause if p.start >= start]

    def build(trigger: str, end: int) -> Event:
        ev = Event("", "launch", what + trigger, start, end, sentence, subject=subject[0].name if subject else None)
        ev.parties = [(p.name, "subject") for p in subject]
        ev.parties += [(p.name, "speaker") for p in announcer if p.party_type == "person"]
        return ev

    return build


ACTIVITY = re.compile(r"^[^，,。；;]{0,24}?(?:活动|行动|工程|计划|专项|试点|宣传月|宣传周)(?:活动)?")


def _launches(
    sentence: Sentence,
    m: re.Match[str],
    at: int,
    end: int,
    lo: int,
    in_clause: list[PartyMention],
    regions: list[RegionMention],
) -> list[Event] | None:
    """揭牌/成立/启动/落户…: one event per subject (A和B同步启动 -> two)."""
    if m.group() == "启动":
        activity = ACTIVITY.match(sentence.text[m.end() :])
        if activity and ("“" in activity.group() or len(activity.group()) >= 4):
            ev = Event("", "launch", "启动" + activity.group(), at, end + len(activity.group()), sentence)
            ev.parties = [(p.name, "host") for p in in_clause[-1:]]
            return [ev]  # 启动“节水进万家”主题宣传月活动
    if re.search(
        r"宣布(?:该|本|此)?(?:项目|工程|基地|活动)\Z", sentence.text[lo - sentence.start : at - sentence.start]
    ):
        return None  # 宣布项目开工: the ceremony already named it
    announced = _announced(sentence, at, lo, in_clause)
    if announced is not None:
        return [announced(m.group(), end)]
    in_clause = [p for p in in_clause if p.party_type != "person"]
    subjects = _conjoined_subjects(sentence, at, lo, in_clause)
    if not subjects:
        subject = _subject(sentence, at, in_clause, regions)
        if subject is None:
            return None
        subjects = [subject]
    trigger = m.group()
    out = []
    for start, name_text, party in subjects:
        tail = _object_place(sentence, end) if trigger in ("落户", "落地") else ""
        name = _tidy(name_text + trigger + tail)
        ev = Event("", "launch", name, start, end, sentence, subject=party.name if party else None)
        if party:
            ev.parties = [(party.name, "subject")]
        out.append(ev)
    return out


# What a launch is about: (where its name starts, the name, the organization when it is one).
Subject = tuple[int, str, PartyMention | None]


def _conjoined_subjects(sentence: Sentence, at: int, lo: int, in_clause: list[PartyMention]) -> list[Subject]:
    """Organizations ending the clause before the verb, joined by 和/与/、 (modulo adverbs)."""
    chosen: list[Subject] = []
    cursor = at
    for party in sorted(in_clause, key=lambda p: -p.end):
        gap = sentence.text[party.end - sentence.start : cursor - sentence.start]
        if chosen and gap not in ("和", "与", "、", "及", "以及"):
            break
        if not chosen and not _adverbial(gap):
            break
        chosen.append((party.start, party.surface, party))
        cursor = party.start
    return list(reversed(chosen))


def _adverbial(gap: str) -> bool:
    """Only adverbs, time words and a place phrase between a subject and its verb (正式, 在临江, 于今年3月在…)."""
    rest = gap
    for _ in range(6):
        stripped = _ADVERB_TAIL.sub("", rest)
        stripped = _PLACE_TAIL.sub("", stripped)
        stripped = _ETC_TAIL.sub("", stripped)  # 平台等重要成果|落地
        stripped = _MONTH_TAIL.sub("", stripped)
        if stripped == rest:
            break
        rest = stripped
    return rest == ""


def _subject(
    sentence: Sentence, at: int, in_clause: list[PartyMention], regions: list[RegionMention]
) -> Subject | None:
    """(start, text, party) of what a verb is about: the nearest party, zone or named phrase before it."""
    if in_clause:
        party = max(in_clause, key=lambda p: p.end)
        gap = sentence.text[party.end - sentence.start : at - sentence.start]
        if _adverbial(gap):
            text = sentence.text[party.start - sentence.start : at - sentence.start]
            return party.start, _drop_time(text), party
    run = _np_run(sentence.text[: at - sentence.start])
    while run and (TIME_WORDS.search(run) or _PLACE_TAIL.search(run) or _MONTH_TAIL.search(run)):
        run = _MONTH_TAIL.sub("", _PLACE_TAIL.sub("", TIME_WORDS.sub("", run)))  # 工程在李家镇正式|开工
    cut = max((m.end() for m in STOP_PATTERN.finditer(run) if not _inside_word(run, m.start(), m.end())), default=0)
    phrase = re.sub(r"^(?:此次|本次|这次|该|此)", "", run[cut:])  # 此次临江…储能电站的成功并网
    if (
        len(strip_generic(phrase)) < 4
        or not FACILITY.search(phrase)
        or GENERIC_MARKERS.search(phrase)
        or re.search(r"\d+[个家项所座条]", phrase)
    ):
        return None  # only a named facility launches without an organization: 千米生态科普长廊
    return at - len(run) + cut, phrase, None


_TIME_AND_MANNER = re.compile(r"(?:昨天|昨日|今天|今日|近日|日前|上午|下午|正式|同步|顺利|成功)")
_PLACE_WORDS = re.compile(rf"[{HAN}]{{2,12}}?(?=[,，。；;]|$)")
_MANNER = re.compile(r"(?:正式|同步|顺利|成功|了)")


def _drop_time(text: str) -> str:
    return _TIME_AND_MANNER.sub("", text)


def _object_place(sentence: Sentence, end: int) -> str:
    m = _PLACE_WORDS.match(sentence.text, end - sentence.start)
    return m.group() if m else ""


def _tidy(name: str) -> str:
    return _MANNER.sub("", name).strip("，,、 ")


def _date_and_place(
    events: list[Event],
    regions: list[RegionMention],
    reference: date | None,
    year: int | None,
    text: str = "",
    near_regions: SpanIndex[RegionMention] | None = None,
) -> None:
    """Date: a time expression before the trigger in its sentence (not one inside the event's own
    object, 发布2022年度报告), or right after the event in its clause; else a year in a named
    occasion's name; else the day of the article's first dated event (news reports what happened at
    the occasion it covers). An event said to be 近日 with no publication date to count from stays
    undated, and so does an occasion the reported one only relates to (响应第31届…大会)."""
    vague = set()
    named_before: dict[int, date | None] = {}  # per sentence start: several events share a sentence
    for ev in events:
        sentence = ev.sentence
        cut = (ev.trigger_at if ev.trigger_at is not None else ev.end) - sentence.start
        # The time that governs an event is near it: a window keeps one long sentence from costing its square.
        before = sentence.text[max(0, cut - TIME_REACH) : cut]
        after = _CLAUSE_SPLIT.split(sentence.text[ev.end - sentence.start :], maxsplit=1)[0]
        named = None  # the last day named before the sentence: looked for only when a word here points back at it
        if dates.refers_back(before) or dates.refers_back(after):
            if sentence.start not in named_before:
                named_before[sentence.start] = _last_named(
                    text[max(0, sentence.start - NAMED_DAY_REACH) : sentence.start], reference, year
                )
            named = named_before[sentence.start]
        hit = dates.last(before, reference, year, named) or dates.resolve(after, reference, year, named)
        if hit is not None and hit[0] is not None:
            ev.event_date, ev.precision = hit[0], hit[1]
        elif hit is not None and _RECENTLY.search(sentence.text[:cut]):
            vague.add(id(ev))
        elif ev.occasion and (named_year := _NAME_YEAR.search(ev.name)) is not None:
            ev.event_date, ev.precision = date(int(named_year.group(1)), 1, 1), "year"
    anchor = next((e for e in events if e.event_date is not None and e.precision == "day" and e.inherits), None)
    near_regions = near_regions or SpanIndex(regions)  # (the caller's index of the same regions, when it has one)
    for ev in events:
        if ev.event_date is None and id(ev) not in vague and ev.inherits and anchor is not None:
            ev.event_date, ev.precision, ev.borrowed = anchor.event_date, "day", True
        place = _place(ev.sentence, ev, near_regions.touching(ev.sentence.start, ev.sentence.end))
        ev.region_key = place or (anchor.region_key if anchor else None)


_RECENTLY = re.compile("近日|日前|近期|不久前")
_CLAUSE_SPLIT = re.compile(r"[,，;；。]")
# A year written into an occasion's name (2019临江低碳大会, “2021临江低碳…峰会”), not a 2022年度 period.
_NAME_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d|年度)")


def _last_named(before: str, reference: date | None, year: int | None) -> date | None:
    """The last day-precise date the text named before a sentence (what 当天/同日 refer to)."""
    days = [
        d
        for d, precision, _ in dates.expressions(before[-NAMED_DAY_REACH:], reference, year)
        if d and precision == "day"
    ]
    return days[-1] if days else None


def _place(sentence: Sentence, ev: Event, regions: list[RegionMention]) -> str | None:
    """The region after 在/于 nearest to the event in its sentence (…论坛在长沙市举行)."""
    lo = sentence.start
    candidates = [
        r
        for r in regions
        if lo <= r.start < sentence.end and sentence.text[max(0, r.start - lo - 1) : r.start - lo] in ("在", "于")
    ]
    if candidates:
        nearest = min(candidates, key=lambda r: abs(r.start - ev.end) if r.start >= ev.end else ev.start - r.end + 1000)
        return nearest.region.region_key
    inside = [r for r in regions if ev.start <= r.start and r.end <= ev.end and r.region.level in ("zone", "county")]
    return inside[-1].region.region_key if inside else None


_ATTENDED = re.compile(r"(?P<who>[^。；;，,]*?)(?:参加|出席)(?:了)?(?:活动|会议|论坛|仪式)?[。；;]?\Z")


def _roles(
    text: str,
    sentences: list[Sentence],
    events: list[Event],
    parties: list[PartyMention],
    near_parties: SpanIndex[PartyMention] | None = None,
) -> None:
    """主办/承办 statements and speakers, attached to the event they refer to."""
    hosts = re.compile(r"由(?P<who>[^。；;]*?)(?:共同)?(?P<verb>主办|承办|协办|指导)")
    near_parties = near_parties or SpanIndex(parties)
    for sentence in sentences:
        attended = "参加" in sentence.text or "出席" in sentence.text
        if not attended and "由" not in sentence.text:
            continue  # states no role (both patterns below need one of these words)
        in_sentence = near_parties.touching(sentence.start, sentence.end)  # roles are read inside the sentence
        for m in hosts.finditer(sentence.text):
            target = _referent(sentence, events, m.start())
            if target is None:
                continue
            role = {"主办": "host", "承办": "co_organizer", "协办": "co_organizer", "指导": "participant"}[m["verb"]]
            lo, hi = sentence.start + m.start("who"), sentence.start + m.end("who")
            for p in in_sentence:
                if lo <= p.start and p.end <= hi and p.party_type != "person":
                    target.parties.append((p.name, role))
        # The match ends the sentence and `who` holds no comma: it starts in the last clause, so the
        # search starts there (from the sentence start it would be quadratic in the sentence length).
        if not attended:
            continue
        reach = max(0, len(sentence.text) - LAST_CLAUSE_REACH)
        last_clause = 1 + max(sentence.text.rfind(c, 0, reach) for c in "。；;，,")
        for m in _ATTENDED.finditer(sentence.text, last_clause):
            target = _referent(sentence, events, m.start())
            if target is not None:
                for p in in_sentence:
                    if sentence.start + m.start() <= p.start < sentence.start + m.end() and p.party_type == "person":
                        target.parties.append((p.name, "participant"))
    speakers = _speakers(text, parties)
    anchor = next((e for e in events if e.occasion), None)
    if anchor is not None:
        for p in speakers:
            anchor.parties.append((p.name, "speaker"))
    for ev in events:
        ev.parties = list(dict.fromkeys(ev.parties))


# 出席发布会的有:局长张三、…: who attended a press conference, listed.
_PRESS_ATTENDEES = re.compile(r"出席(?:本次|此次)?(?:新闻)?发布会[^，,。；;]{0,12}?的(?:有|是)[:：]?(?P<who>[^。；;]+)")


def _speakers(text: str, parties: list[PartyMention]) -> list[PartyMention]:
    """People who speak: a person right before 表示/介绍/致辞…, and each person listed with them by
    title and name (发展规划司副司长王明、新能源司副司长李强介绍…)."""
    people = sorted((p for p in parties if p.party_type == "person"), key=lambda p: p.start)
    out = []
    for m in _PRESS_ATTENDEES.finditer(text):
        out += [p for p in people if m.start("who") <= p.start < m.end("who")]  # 出席发布会的有:局长张三、…
    for i, p in enumerate(people):
        if not SPEECH.match(text[p.end : p.end + 2]):
            continue
        out.append(p)
        for q in reversed(people[:i]):
            gap = text[q.end : out[-1].start]
            if not gap.startswith(("、", "和", "及")) or re.search(r"[，,。；;：:]", gap) or SPEECH.search(gap):
                break
            out.append(q)
    return out


def _referent(sentence: Sentence, events: list[Event], at: int) -> Event | None:
    """The event a sentence speaks of: one named in it, else the latest event before it."""
    position = sentence.start + at
    here = [e for e in events if e.sentence is sentence and e.occasion]
    if here:
        return here[0]
    before = [e for e in events if e.start < position and e.occasion]
    return before[-1] if before else None


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)}


def _dice(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def _dates_agree(a: Event, b: Event) -> bool:
    """Equal at the coarser precision, or one undated or dated only by the occasion it was reported at."""
    if a.event_date is None or b.event_date is None or a.borrowed or b.borrowed:
        return True
    n = {"year": 4, "month": 7}.get(a.precision if a.precision in ("year", "month") else b.precision, 10)
    return a.event_date.isoformat()[:n] == b.event_date.isoformat()[:n]


def _same_happening(a: Event, b: Event) -> bool:
    """Same subject, or (for agreements) the same signatories, or near-identical names."""
    if a.subject and b.subject:
        return a.subject == b.subject
    if a.event_type == "signing":
        sa, sb = {n for n, r in a.parties if r == "signatory"}, {n for n, r in b.parties if r == "signatory"}
        return (sa == sb and bool(sa)) if sa and sb else _dice(a.name, b.name) >= SAME_SIGNING_DICE
    ordinals = [set(_ORDINAL.findall(e.name)) for e in (a, b)]
    if ordinals[0] & ordinals[1]:
        return True  # 联盟第三次联席会议 and …联盟第三次联席会议暨…论坛
    editions = [_edition(e) for e in (a, b)]
    if editions[0] and editions[0] == editions[1]:
        return True  # 第二十六届联合国气候变化大会 and 《公约》第二十六次缔约方大会 in one article
    shorter, longer = sorted((a.name, b.name), key=len)
    return _dice(a.name, b.name) >= SAME_NAME_DICE or (len(shorter) >= 6 and shorter in longer)  # 联盟第三次联席会议


_ORDINAL = re.compile(rf"第[\d一二三四五六七八九十百零]+[次届期][{HAN}]{{2,4}}")
_DIGITS = dict(zip("零一二三四五六七八九", range(10)))


def _edition(ev: Event) -> tuple[int, str] | None:
    """(number, occasion noun) of an occasion's edition: 第二十六届…大会 -> (26, "大会"), as 第26次…大会."""
    m = re.search(r"第([\d一二三四五六七八九十百零]+)[次届期]", ev.name)
    nouns = [n.group() for n in _NOUN_RE.finditer(ev.name)] if ev.occasion else []
    return (_number(m.group(1)), nouns[-1]) if m and nouns else None


def _number(numeral: str) -> int:
    """A small Chinese or Arabic numeral: "二十六" -> 26, "26" -> 26, "十" -> 10, "一百零五" -> 105."""
    if numeral.isdigit():
        return int(numeral)
    total, digit = 0, 0
    for ch in numeral:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            total += (digit or 1) * {"十": 10, "百": 100}[ch]
            digit = 0
    return total + digit


def _merge(candidates: list[Event]) -> list[Event]:
    """One event per happening within the document; keys e0, e1, … in order of first mention."""
    events: list[Event] = []
    for ev in candidates:
        same = next(
            (e for e in events if e.event_type == ev.event_type and _same_happening(e, ev) and _dates_agree(e, ev)),
            None,
        )
        if same is None:
            ev.mentions = ev.mentions or [(ev.start, ev.end, ev.name)]
            events.append(ev)
        else:
            same.mentions += ev.mentions or [(ev.start, ev.end, ev.name)]
            same.parties = list(dict.fromkeys(same.parties + ev.parties))
            same.subject = same.subject or ev.subject  # a ceremony takes the subject of what it launches
            rank = {"day": 3, "month": 2, "year": 1}
            if ev.event_date is not None and (
                (same.borrowed and not ev.borrowed)
                or (same.borrowed == ev.borrowed and rank.get(ev.precision, 0) > rank.get(same.precision, 0))
            ):
                same.event_date, same.precision, same.borrowed = ev.event_date, ev.precision, ev.borrowed
    for i, ev in enumerate(events):
        ev.key = f"e{i}"
    return events
