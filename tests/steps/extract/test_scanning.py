"""text.matches_from and text.matches_around: the matches finditer gives, trying fewer starts."""

import re

import pytest

from flows.steps.extract import dates, metrics, regions
from flows.steps.extract.text import matches_around, matches_from


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
