"""Time expressions, the year a text is set in, and inferred publication dates."""
from datetime import date

import pytest

import polars as pl

from flows.steps.extract import extract
from flows.steps.extract.dates import context_year, infer_reference, last, period, resolve


@pytest.mark.parametrize("text, year", [
    ("2024年10月集团成立。2025绿色论坛举行。新加坡2030绿色发展蓝图发布。", 2025),
    ("2013年提出在2020年达到碳排放峰值。", 2013),
    ("到2030年实现碳达峰。", None),
    ("《规划(2021-2035年)》印发。", None),
])
def test_context_year(text, year):
    assert context_year(text) == year


def test_inferred_publication_date_of_a_page_that_says_yesterday():
    page = "本报讯 9月18日,市领导调研。另讯 昨天上午,论坛举行。"
    assert infer_reference(page, 2025) == date(2025, 9, 19)
    assert infer_reference("9月18日,市领导调研。", 2025) is None  # no 昨天: nothing to infer from


@pytest.mark.parametrize("text, expected", [
    ("2024年8月3日,国务院批复", (date(2024, 8, 3), "day", 0)),
    ("2024年10月,集团成立", (date(2024, 10, 1), "month", 0)),
    ("昨天上午,论坛举行", (date(2024, 6, 5), "day", 0)),
    ("近日,峰会举行", (None, "unknown", 0)),
    ("今年5月完成注册", (date(2024, 5, 1), "month", 0)),
])
def test_resolve(text, expected):
    assert resolve(text, date(2024, 6, 6), 2024) == expected


def test_last_expression_ignores_book_titles():
    assert last("2024年8月3日,国务院批复《方案(2024-2035)》", None, 2024) == (date(2024, 8, 3), "day", 0)


@pytest.mark.parametrize("text, expected", [
    ("2023年1—9月,园区生产总值达到12.33万亿元", "2023-01/2023-09"),
    ("今年上半年地区生产总值增长11.2%", "2025-H1"),
    ("“十四五”以来,新增项目60余项", "2021/2025"),
    ("截至2024年,新城新区约3900个", "2024"),
    ("新增项目60余项", None),
])
def test_period(text, expected):
    assert period(text, 2025) == expected


@pytest.mark.parametrize("when, kept", [("1899年8月23日", False), ("1901年8月23日", True),
                                        ("2029年6月1日", True), ("2029年6月3日", False)])
def test_event_dates_outside_1900_to_five_years_ahead_are_dropped(ref, when, kept):
    docs = pl.DataFrame({"doc_id": ["d"], "text": [f"{when}，第三届绿色发展论坛在天津举行。"]})
    events = extract(docs, ref, today=date(2024, 6, 2))["events"]
    assert events.height == 1
    assert events.row(0, named=True)["date_precision"] == ("day" if kept else "unknown")
    assert (events["event_date"][0] is not None) == kept
