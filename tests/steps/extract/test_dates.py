"""Time expressions, the year a text is set in, and inferred publication dates."""

from datetime import date

import polars as pl
import pytest

from flows.steps.extract import extract
from flows.steps.extract.dates import context_year, infer_reference, last, period, resolve


@pytest.mark.parametrize(
    "text, year",
    [
        ("2024年10月集团成立。2025绿色论坛举行。新加坡2030绿色发展蓝图发布。", 2025),
        ("2013年提出在2020年达到碳排放峰值。", 2013),
        ("到2030年实现碳达峰。", None),
        ("《规划(2021-2035年)》印发。", None),
    ],
)
def test_context_year(text, year):
    assert context_year(text) == year


def test_inferred_publication_date_of_a_page_that_says_yesterday():
    page = "本报讯 9月18日,市领导调研。另讯 昨天上午,论坛举行。"
    assert infer_reference(page, 2025) == date(2025, 9, 19)
    assert infer_reference("9月18日,市领导调研。", 2025) is None  # no 昨天: nothing to infer from


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024年8月3日,国务院批复", (date(2024, 8, 3), "day", 0)),
        ("2024年10月,集团成立", (date(2024, 10, 1), "month", 0)),
        ("昨天上午,论坛举行", (date(2024, 6, 5), "day", 0)),
        ("近日,峰会举行", (None, "unknown", 0)),
        ("今年5月完成注册", (date(2024, 5, 1), "month", 0)),
    ],
)
def test_resolve(text, expected):
    assert resolve(text, date(2024, 6, 6), 2024) == expected


def test_last_expression_ignores_book_titles():
    assert last("2024年8月3日,国务院批复《方案(2024-2035)》", None, 2024) == (date(2024, 8, 3), "day", 0)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023年1—9月,园区生产总值达到12.33万亿元", "2023-01/2023-09"),
        ("今年上半年地区生产总值增长11.2%", "2025-H1"),
        ("“十四五”以来,新增项目60余项", "2021/2025"),
        ("截至2024年,新城新区约3900个", "2024"),
        ("新增项目60余项", None),
        ("2023年9—3月,产值达到12.33万亿元", "2023"),  # a reversed month range is a misread: the year stays
        ("2023年3—13月,产值达到12.33万亿元", "2023"),
        ("7075年1—9月,产值达到12.33万亿元", None),  # no such year
    ],
)
def test_period(text, expected):
    assert period(text, 2025) == expected


@pytest.mark.parametrize(
    "when, kept", [("1899年8月23日", False), ("1901年8月23日", True), ("2029年6月1日", True), ("2029年6月3日", False)]
)
def test_event_dates_outside_1900_to_five_years_ahead_are_dropped(ref, when, kept):
    docs = pl.DataFrame({"doc_id": ["d"], "text": [f"{when}，第三届绿色发展论坛在天津举行。"]})
    events = extract(docs, ref, today=date(2024, 6, 2))["events"]
    assert events.height == 1
    assert events.row(0, named=True)["date_precision"] == ("day" if kept else "unknown")
    assert (events["event_date"][0] is not None) == kept


@pytest.mark.parametrize(
    "text, expected",
    [
        ("于2023年11月30日至12月12日举行", (date(2023, 11, 30), "day", 1)),  # a range: its start
        ("综合成绩较2021年前进1位", None),  # a baseline
        ("到2030年实现碳达峰", None),  # a target
        ("发布2022年度监测成果", None),  # the period a report covers
        ("协会日前发布", (date(2024, 6, 1), "month", 2)),  # said on 2024-06-20: that month
    ],
)
def test_what_dates_an_event(text, expected):
    assert last(text, date(2024, 6, 20), 2024) == expected


def test_recently_early_in_a_month_may_be_last_month():
    assert last("协会日前发布", date(2024, 6, 3), 2024) == (None, "unknown", 2)


def test_a_day_after_the_publication_date_is_last_month():
    assert last("27日,我县举行签约仪式", date(2018, 1, 25), 2018) == (date(2017, 12, 27), "day", 0)


def test_a_count_is_not_the_year_a_text_is_set_in():
    assert context_year("近日,300余名干部群众栽植树苗2000余株。") is None


def test_a_newspaper_page_stamp_dates_the_page():
    page = "人民日报海外版 2016年06月28日 星期二\n银行业绿色信贷余额超8万亿元\n协会日前发布报告。"
    assert infer_reference(page, 2016) == date(2016, 6, 28)
    assert infer_reference("2016年06月28日,协会发布报告。", 2016) is None  # a date in the story, not a stamp


def _always_holds(pattern: str, chars: set[str]) -> bool:
    """Whether every match of `pattern` holds one of `chars`: a literal among them outside optional parts,
    or an alternation each of whose branches does (a lookaround or an optional part matches none for sure)."""
    import re._constants as c
    import re._parser as sre

    def seq(items) -> bool:
        for op, arg in items:
            if op is c.LITERAL and chr(arg) in chars:
                return True
            if op is c.SUBPATTERN and seq(arg[-1]):
                return True
            if op is c.BRANCH and all(seq(branch) for branch in arg[1]):
                return True
            if op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[0] >= 1 and seq(arg[2]):
                return True
        return False

    return seq(sre.parse(pattern))


def test_every_period_pattern_needs_year_or_five():
    """period() skips sentences with neither 年 nor 五: each of its patterns must hold one of them."""
    from flows.steps.extract.dates import PERIOD_PATTERNS

    for pattern, _ in PERIOD_PATTERNS:
        assert _always_holds(pattern.pattern, {"年", "五"}), pattern.pattern


def test_every_period_pattern_needs_its_gate_character():
    """period() tries a pattern only in a sentence holding its _PERIOD_GATES character."""
    from flows.steps.extract.dates import _PERIOD_GATES, PERIOD_PATTERNS

    assert len(_PERIOD_GATES) == len(PERIOD_PATTERNS)
    for (pattern, _), gate in zip(PERIOD_PATTERNS, _PERIOD_GATES, strict=True):
        assert _always_holds(pattern.pattern, {gate}), (pattern.pattern, gate)


def test_every_time_expression_needs_a_time_character():
    """expressions() skips a text without _TIME_CHAR: each pattern and word it looks for must hold one."""
    from flows.steps.extract import dates

    patterns = [dates.FULL_DATE, dates.MONTH_DAY, dates.YEAR_MONTH, dates.REL_YEAR_MONTH, dates.DAY_ONLY, dates.YEAR]
    patterns += [dates._RECENT, dates._SAME_MONTH] + [p for _, p in dates._REL_YEAR_RES]
    chars = set(dates._TIME_CHAR.pattern.strip("[]"))
    for source in [p.pattern for p in patterns] + [*dates.REL_DAY, *dates.SAME_DAY]:
        assert _always_holds(source, chars), source


def test_always_holds_reads_alternations_and_optional_parts():
    assert _always_holds("近日|日前|近期", {"日", "期"})
    assert not _always_holds("近日|日前|近期", {"日"})
    assert not _always_holds("(?:上午)?当天", {"午"})
    assert not _always_holds("(?<=年)度", {"年"})
