"""text.matches_from and text.matches_around: the matches finditer gives, trying fewer starts; and the
Aho-Corasick word matchers: the spans of the word patterns they stand for."""

import re

import pytest

from flows.reference import load_all
from flows.steps.extract import dates, events, lexicon, metrics, parties, regions
from flows.steps.extract.lexicon import longest_word_matcher, longest_word_pattern
from flows.steps.extract.text import matches_around, matches_from, words_in


def _spans(matches):
    return [(m.span(), m.groups()) for m in matches]


@pytest.mark.parametrize(
    "text",
    [
        "约3元和12元",
        "3元3元",  # a match right where the last one ended
        "x5元",  # a candidate that is not the start of a match: the next one is tried
        "",
        "元元",
    ],
)
def test_matches_from_gives_what_finditer_gives(text):
    pattern = re.compile(r"(?=\d)(\d+)元")
    assert _spans(matches_from(pattern, re.compile(r"\d"), text)) == _spans(pattern.finditer(text))


@pytest.mark.parametrize(
    "text",
    [
        "签约仪式在京举行",
        "开工开幕",  # two words sharing no character, side by side
        "举办",  # a word that is a prefix of another (举办了) and an overlap (办)
        "",
        "今天没有事情",
    ],
)
def test_words_in_finds_every_word_a_search_for_it_finds(text):
    """The trigger words of events.find, overlaps included: what `word in text` says for each."""
    words = events._TRIGGER_WORDS
    assert words_in(text, words) == {word for word in words if word in text}
    overlapping = ("举办", "办活动", "活动")
    assert words_in("举办活动", overlapping) == {"举办", "办活动", "活动"}


def test_matches_from_lets_a_lookbehind_see_the_text_before_the_start():
    pattern = re.compile(r"(?<![年\d])(\d{1,2})日")
    text = "2024年5日和6日"  # 5日 follows 年: not a match; 6日 is
    assert _spans(matches_from(pattern, re.compile(r"\d"), text)) == [((8, 10), ("6",))]
    assert _spans(matches_from(pattern, re.compile(r"\d"), text)) == _spans(pattern.finditer(text))


@pytest.mark.parametrize(
    "text",
    [
        "3月12日和15日",
        "12日3日",  # anchors one character apart: their windows overlap
        "112日",  # the leftmost start is taken (finditer's "11" then 2日 is not; "12日" from 1 is)
        "日日1日",
        "没有日期",
    ],
)
def test_matches_around_gives_what_finditer_gives(text):
    pattern = re.compile(r"(\d{1,2})日")
    assert _spans(matches_around(pattern, re.compile("日"), (1, 2), text)) == _spans(pattern.finditer(text))


def test_matches_around_takes_the_leftmost_start_of_a_lazy_name():
    # A township's name is two to four Han characters, the fewest that reach a suffix: from the
    # leftmost start, as finditer finds it (在 included), not the start nearest the suffix. 乡 is no
    # suffix here (镇 follows it), so the name from 在 runs to 镇.
    text = "在东乡镇和西山街道"
    got = [m.group() for m in matches_around(regions._TOWNSHIP, regions._TOWNSHIP_SUFFIX, (2, 4), text)]
    assert got == [m.group() for m in regions._TOWNSHIP.finditer(text)] == ["在东乡镇", "和西山街道"]


@pytest.mark.parametrize(
    ("pattern", "scan"),
    [
        (regions._TOWNSHIP, lambda t: matches_around(regions._TOWNSHIP, regions._TOWNSHIP_SUFFIX, (2, 4), t)),
        (regions._ABBREVIATION, lambda t: matches_from(regions._ABBREVIATION, regions._ABBREVIATION_FIRST, t)),
        (dates.DAY_ONLY, lambda t: matches_around(dates.DAY_ONLY, dates._DAY, (1, 2), t)),
        (metrics.METRIC, lambda t: matches_from(metrics.METRIC, metrics._METRIC_FIRST, t)),
    ],
    ids=["township", "abbreviation", "day_only", "metric"],
)
def test_the_extractors_scans_match_finditer_on_general_sentences(pattern, scan):
    texts = [
        "临江县李家镇镇长张明来到王庄乡、白石镇和南湾街道调研，23日上午在津举行京津冀协同发展会议。",
        "全市新增造林1.2万亩，投资约3亿元，较上年增长15%以上，建成光伏电站两座，6日晚发布。",
        "东乡镇乡镇企业12日在沪签约，苏浙沪三地联合成立基金，总规模不超过50亿元。",
    ]
    for text in texts:
        assert _spans(scan(text)) == _spans(pattern.finditer(text)), text


def test_a_longest_word_matcher_gives_the_spans_of_its_pattern():
    words = ["以", "以及", "及", "研究院", "研究", "院"]
    text = "以及及研究院以研究院院以"
    expected = [m.span() for m in longest_word_pattern(words).finditer(text)]
    assert [(s, e) for _, s, e in longest_word_matcher(words).find_matches_as_indexes(text)] == expected
    assert expected == [(0, 2), (2, 3), (3, 6), (6, 7), (7, 10), (10, 11), (11, 12)]


@pytest.mark.parametrize(
    "words",
    [parties.ORG_SUFFIXES, regions.ZONE_SUFFIXES, lexicon.STOP_WORDS, load_all().title_words],
    ids=["org_suffixes", "zone_suffixes", "stop_words", "titles"],
)
def test_the_extractors_word_matchers_match_their_patterns_on_general_sentences(words):
    texts = [
        "市委书记、市长张明在高新区管委会主持召开会议，省发展改革委副主任李华及有关企业负责人参加。",
        "中新天津生态城与临港产业园区、绿色低碳研究院和某某集团有限公司签署合作协议，共建示范区。",
        "会议指出，要以及时推进为主，并在经济技术开发区和综合保税区内开展试点，由党工委副书记牵头。",
    ]
    matcher, pattern = longest_word_matcher(words), longest_word_pattern(words)
    for text in texts:
        got = [(s, e) for _, s, e in matcher.find_matches_as_indexes(text)]
        assert got == [m.span() for m in pattern.finditer(text)], text
