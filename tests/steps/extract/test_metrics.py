"""Metrics: the number grammar, units, qualifiers, and what is not a metric."""

import pytest

from flows.steps.extract.metrics import find
from flows.steps.extract.numbers import parse_number


@pytest.mark.parametrize(
    "text, value",
    [
        ("一百二十", 120),
        ("四十", 40),
        ("千万", 1e7),
        ("两千三百万", 2.3e7),
        ("17.3万亿", 1.73e13),
        ("2万", 2e4),
        ("1,400", 1400),
        ("1 400", 1400),
        ("十二", 12),
        ("三千五百亿", 3.5e11),
        ("一亿五千万", 1.5e8),
        ("0.423", 0.423),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text, raw, value, unit, classifier, qualifier",
    [
        ("总投资达到3.5亿元", "3.5亿元", 3.5e8, "CNY", None, "exact"),
        ("吸引外资超2亿美元", "超2亿美元", 2e8, "USD", None, "more_than"),
        ("同比增长7.11%", "7.11%", 7.11, "percent", None, "exact"),
        ("占地约1200亩", "约1200亩", 1200, "mu", None, "about"),
        ("面积1.5平方公里", "1.5平方公里", 1.5, "km2", None, "exact"),
        ("新建道路12.5公里", "12.5公里", 12.5, "km", None, "exact"),
        ("减少碳排放近千万吨", "近千万吨", 1e7, "t", None, "nearly"),
        ("年节约0.8万吨标准煤", "0.8万吨标准煤", 8000, "tce", None, "exact"),
        ("年发电量30亿度", "30亿度", 3e9, "kWh", None, "exact"),
        ("装机容量120万千瓦", "120万千瓦", 1.2e6, "kW", None, "exact"),
        ("总装机200兆瓦", "200兆瓦", 200, "MW", None, "exact"),
        ("算力超2万PFlops", "超2万PFlops", 2e4, "PFLOPS", None, "more_than"),
        ("集聚企业900多家", "900多家", 900, "count", "家", "more_than"),
        ("会员80余家", "80余家", 80, "count", "家", "more_than"),
        ("参会人数超过3000人", "超过3000人", 3000, "count", "人", "more_than"),
        ("用地400亩左右", "400亩左右", 400, "mu", None, "about"),
        ("不超过5个主导产业", "不超过5个", 5, "count", "个", "at_most"),
        ("至少20家企业", "至少20家", 20, "count", "家", "at_least"),
        ("建设40多年", "40多年", 40, "year", None, "more_than"),
        ("一年内完成", "一年内", 1, "year", None, "at_most"),
        ("用时4个月", "4个月", 4, "month", None, "exact"),
        ("整合为5大集团", "5大集团", 5, "count", "集团", "exact"),
        ("开展超百场活动", "超百场", 100, "count", "场", "more_than"),
        ("新增经营主体4.8万家", "4.8万家", 48000, "count", "家", "exact"),
        ("治理面积160余万亩", "160余万亩", 1.6e6, "mu", None, "more_than"),
        ("折合标准煤约57万吨", "约57万吨", 5.7e5, "tce", None, "about"),
        ("安装光伏组件约182万块", "约182万块", 1.82e6, "count", "块", "about"),
        ("全市平均降水量32.5毫米", "32.5毫米", 32.5, "other", None, "exact"),
        ("已举办60余期", "60余期", 60, "count", "期", "more_than"),
        ("新增造林15.6 万亩", "15.6 万亩", 1.56e5, "mu", None, "exact"),
        ("每年提供 823 个岗位", "823 个", 823, "count", "个", "exact"),
        ("完成改造项目1 460项", "1 460项", 1460, "count", "项", "exact"),
        ("比例上升0.5个百分点", "0.5个百分点", 0.5, "percent", None, "exact"),
        ("可供3万户居民用电", "3万户", 3e4, "count", "户", "exact"),
        ("节能改造面积315万m2", "315万m2", 3.15e6, "m2", None, "exact"),
        ("储氢规模约21万标立方", "约21万标立方", 2.1e5, "other", None, "about"),
        ("预计土方量约86.1万方", "约86.1万方", 8.61e5, "other", None, "about"),
        ("PM2.5浓度均值34.5微克每立方米", "34.5微克每立方米", 34.5, "other", None, "exact"),
        ("PM2.5平均浓度为32微克/立方米", "32微克/立方米", 32, "other", None, "exact"),
        ("最高气温38℃", "38℃", 38, "other", None, "exact"),
        ("空气质量综合指数3.77,排名第9", "3.77", 3.77, "other", None, "exact"),
        ("计划融资贷款8.0亿,建设规模扩大", "8.0亿", 8e8, "CNY", None, "exact"),
        ("总投资4亿元至10亿元的生产基地", "4亿元", 4e8, "CNY", None, "exact"),
    ],
)
def test_metric(text, raw, value, unit, classifier, qualifier):
    found = [m for m in find(text) if m["raw_text"] == raw]
    assert len(found) == 1
    m = found[0]
    assert (m["value"], m["unit"], m["classifier"], m["qualifier"]) == (
        pytest.approx(value),
        unit,
        classifier,
        qualifier,
    )
    assert text[m["start"] : m["end"]] == raw


@pytest.mark.parametrize(
    "text",
    [
        "2024年启动建设",
        "9月18日11时起",
        "第三十七次会议",
        "2025中新绿色发展论坛",
        "新加坡2030绿色发展蓝图",
        "《实施方案(2024-2035)》",
        "形成“五位一体”格局",
        "明确一个目标",
        "蜀ICP备06000706号-1",
        "电话:022-12345678",
        "PM2.5浓度下降",
        "工业企业万元增加值能耗",
        "千万不要大意",
        "温度30度",
        "2019 年启动",
        "贯彻党的二十大精神",
        "推进二次创业",
        "三方签约",
        "方案共分三方案",
    ],
)
def test_not_metrics(text):
    assert find(text) == []


def test_a_range_is_one_figure():
    assert [m["raw_text"] for m in find("年产200台至400台,产值40亿元到80亿元")] == ["200台", "40亿元"]


def test_table_cells_take_the_unit_of_their_column_header():
    table = "地 区 能耗上升或下降(±%) 能源消费总量增速 (%) 北 京 -9.18 -8.1 天 津 3.07 1.7 附注: 1.指标解释"
    assert [(m["raw_text"], m["value"], m["unit"]) for m in find(table)] == [
        ("-9.18", -9.18, "percent"),
        ("-8.1", -8.1, "percent"),
        ("3.07", 3.07, "percent"),
        ("1.7", 1.7, "percent"),
    ]
