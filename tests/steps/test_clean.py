"""Clean step: normalization, pinyin junk, Traditional -> Simplified, junk lines, metadata."""

from datetime import date

import polars as pl
import pytest

from flows.steps import clean

TODAY = date(2026, 12, 1)  # a fixed day: what a step keeps must not depend on when the tests run


def _apply(expr_fn, text: str) -> str:
    return pl.DataFrame({"t": [text]}).select(expr_fn(pl.col("t")))["t"][0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("增长１１．２％", "增长11.2%"),
        ("ＧＤＰ与ａｉ", "GDP与ai"),
        ("论坛，在天津（中国）举行。", "论坛，在天津（中国）举行。"),  # Chinese punctuation kept
        ("甲\r\n乙\r丙", "甲\n乙\n丙"),
        ("零\u200b宽\ufeff字", "零宽字"),
        ("全角\u3000空格", "全角 空格"),
    ],
)
def test_normalize(raw, expected):
    assert _apply(clean.normalize, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("綠色發(fā)展論壇", "綠色發展論壇"),
        ("中國(guó)和新加坡", "中國和新加坡"),
        ("行業(yè)協會(huì)", "行業協會"),
        ("增長(zhǎng)（zhǎng）", "增長"),
        ("天津?yàn)I海新區", f"天津{clean.LOST_CHAR}海新區"),
        ("封面新聞?dòng)浾?問:", f"封面新聞{clean.LOST_CHAR}問:"),
        ("PM(2.5)与(GDP)不是拼音", "PM(2.5)与(GDP)不是拼音"),
    ],
)
def test_strip_pinyin(raw, expected):
    assert _apply(clean.strip_pinyin, raw) == expected


def test_to_simplified_and_script_detection():
    frame = pl.DataFrame({"t": ["綠色發展論壇在天津舉辦", "绿色发展论坛在天津举办", "绿色发展論壇"]})
    out = frame.select(s=clean.to_simplified(pl.col("t")), script=clean.script_of(pl.col("t")))
    assert out["s"].to_list() == ["绿色发展论坛在天津举办", "绿色发展论坛在天津举办", "绿色发展论坛"]
    assert out["script"].to_list() == ["traditional", "simplified", "traditional"]


def _files(*texts: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_file": [f"f{i}.txt" for i in range(len(texts))],
            "status": ["processed"] * len(texts),
            "text": list(texts),
            "meta_published_on": [None] * len(texts),
            "meta_url": [None] * len(texts),
            "meta_source": [None] * len(texts),
        },
        schema_overrides={"meta_published_on": pl.Date},
    )


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("国产在线精品视频99_亚洲日韩欧美精品综合_曰韩精品无码一区二区三区", "seo_spam"),
        ("赫章县| 华阴市| 台州市| 舞钢市| 青浦区| 双流县|", "place_list"),
        ("地址:成都市科华北路62号", "footer"),
        ("Copyright © 2019 某某集团 版权所有", "footer"),
        ("蜀ICP备06000706号-1", "footer"),
        ("京公网安备 11010502030143号", "footer"),
        ("技术支持:某某网络", "footer"),
        ("分享到:微信 微博", "share_bar"),
        ("当前位置:首页 > 新闻中心", "breadcrumb"),
        ("?", "no_text"),
        ("时间:2023-12-15 作者:admin", "stamp"),
        ("绿色低碳是推进新型工业化的生态底色。", "text"),
    ],
)
def test_line_kinds(line, kind):
    lines = clean.lines_of(_files(line))
    assert lines["kind"].to_list() == [kind]


def test_stamp_gives_published_on_and_byline():
    articles = clean.articles_of(clean.lines_of(_files("工信部发布新规\n时间:2023-12-15 作者:admin\n正文一句。")))
    row = articles.row(0, named=True)
    assert (row["published_on"], row["byline"], row["text"]) == (
        date(2023, 12, 15),
        "admin",
        "工信部发布新规\n正文一句。",
    )


def test_doc_ids_are_stable_and_distinct():
    first = clean.clean(_files("第一篇文章的内容。", "第二篇文章的内容。"), today=TODAY)
    again = clean.clean(_files("第一篇文章的内容。", "第二篇文章的内容。"), today=TODAY)
    assert first["doc_id"].to_list() == again["doc_id"].to_list()
    assert first["doc_id"].n_unique() == 2


@pytest.mark.parametrize(
    "stamp, expected",
    [
        ("时间:2024-06-18", date(2024, 6, 18)),
        ("时间:6361-06-08", None),  # a garbled year: dropped, not published
        ("时间:1985-06-08", None),  # before EARLIEST_PUBLISHED
        ("时间:2024-06-20", None),  # after today + 1 day
    ],
)
def test_implausible_publication_dates_are_dropped(stamp, expected):
    docs = clean.clean(
        _files(f"绿色发展论坛在天津举行\n{stamp}\n会议在天津举行，多方代表出席。"), today=date(2024, 6, 18)
    )
    assert docs["published_on"].to_list() == [expected]


@pytest.mark.parametrize(
    "line",
    [
        "据国家版权局介绍，截至2024年底，全国作品登记量大幅增长，版权所有人的合法权益得到更好保护。",
        "记者注意到，该网站页面底部未标注ICP备案号，已被责令整改。",
        "报告指出，© 标志并非取得版权的前提，Copyright 声明只是提示。",
        "地址、电话等信息已在公示中列明，群众可通过多种渠道反映问题；举报电话的接听时间也已延长。",
        "扫码乘车已覆盖全市1200条公交线路，市民绿色出行更加便捷。",
    ],
    ids=[
        "copyright-in-a-sentence",
        "icp-in-a-sentence",
        "mark-in-a-sentence",
        "contact-words-in-a-sentence",
        "scan-code-in-a-sentence",
    ],
)
def test_a_body_paragraph_that_mentions_chrome_words_is_text(line):
    assert clean.lines_of(_files(line))["kind"].to_list() == ["text"]


def test_a_paragraph_mentioning_copyright_stays_in_its_article():
    body = (
        "绿色版权保护论坛在天津举行\n"
        "会上，国家版权局负责人表示，将加强对绿色技术专利和版权所有人的保护。\n"
        "版权所有 © 2025 绿色网 京ICP备12345678号-1"
    )
    docs = clean.clean(_files(body), today=date(2026, 1, 1))
    assert docs["text"].to_list() == [
        "绿色版权保护论坛在天津举行\n会上，国家版权局负责人表示，将加强对绿色技术专利和版权所有人的保护。"
    ]


def test_a_whole_page_on_one_line_is_not_dropped_as_a_footer():
    line = "9月18日，绿色发展论坛在天津举行，300多位代表参会。论坛发布了低碳合作倡议。版权所有 © 2025 绿色网"
    docs = clean.clean(_files(line), today=date(2026, 1, 1))
    assert docs["text"].to_list() == [line]
