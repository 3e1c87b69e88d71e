"""HTML pages: detected by content, reduced to their main text and metadata, chrome left behind."""

import re
from datetime import date

import pytest
from pages import CHROME, news_page

from flows.steps.html import PageRefused, is_html, read_page

TITLE = "天津生态城绿色建筑示范项目开工"
PARAGRAPHS = [
    "9月19日，天津生态城绿色建筑示范项目正式开工，项目总投资12亿元，建成后每年可减少碳排放3万吨。",
    "项目由中新天津生态城管委会与天津绿能投资有限公司共同建设，采用光伏建筑一体化技术。",
    "据介绍，该项目是今年生态城推进绿色低碳发展的重点工程之一。",
]


@pytest.mark.parametrize("minified", [False, True], ids=["pretty", "minified-one-line"])
def test_main_text_and_metadata_without_chrome(minified):
    page = read_page(news_page(TITLE, PARAGRAPHS, minified=minified))
    assert page.text == TITLE + "\n\n" + "\n".join(PARAGRAPHS)
    assert (page.title, page.published_on, page.url, page.site_name) == (
        TITLE,
        date(2025, 9, 20),
        "https://news.example.cn/green/c_1130.html",
        "绿色网",
    )
    assert [c for c in CHROME if c in page.text] == []


def test_paragraphs_split_mid_word_stay_on_their_own_lines():
    # `</p><p>` inside a word: the text keeps the break (cleaning rejoins lines that end mid-sentence),
    # it never glues the last words of one paragraph to the first of the next. A page this short
    # keeps its stamp and editor lines, which cleaning reads as metadata and chrome (tests/test_bad_input.py).
    split = ["项目由中新天津生态城管委会与天津绿能投资有", "限公司共同建设。", "新能源企业代表参加。"]
    page = read_page(news_page(TITLE, split))
    assert "\n".join(split) in page.text


@pytest.mark.parametrize(
    ("stamp", "published"),
    [("发布时间：2024年3月5日 10:20", date(2024, 3, 5)), ("日期: 2024/03/05", date(2024, 3, 5)), ("", None)],
    ids=["chinese-date", "slashes", "no-stamp"],
)
def test_the_page_date_comes_from_its_stamp_never_from_the_copyright_year(stamp, published):
    assert read_page(news_page(TITLE, PARAGRAPHS, stamp=stamp)).published_on == published


def test_a_page_with_only_chrome_has_no_text():
    chrome_only = re.sub(
        r'<div class="main">.*?<div class="footer">', '<div class="footer">', news_page(TITLE, PARAGRAPHS), flags=re.S
    )
    assert read_page(chrome_only).text == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!DOCTYPE html><html><body><p>天津</p></body></html>", True),
        ("\n  <!-- saved by a crawler -->\n<html lang='zh'>", True),
        ("<div><p>天津生态城</p><p>绿色建筑</p><p>开工</p></div>", True),
        ("天津日报 9月18日\n生态城举办论坛，<300人>参会。", False),
        ("公式 a<b 与 c>d 在文中出现。</p>", False),
    ],
    ids=["doctype", "comment-then-html", "fragment", "plain-text", "stray-brackets"],
)
def test_html_is_detected_by_content(text, expected):
    assert is_html(text) is expected


@pytest.mark.parametrize(
    ("head", "published"),
    [
        ('<meta property="article:published_time" content="2024-03-05T08:00:00+08:00">', date(2024, 3, 5)),
        ('<meta name="PubDate" content="2024-03-05 10:20">', date(2024, 3, 5)),
    ],
    ids=["open-graph", "pubdate"],
)
def test_a_meta_date_comes_before_the_stamp(head, published):
    page = news_page(TITLE, PARAGRAPHS).replace("<head>", "<head>" + head)
    assert read_page(page).published_on == published


def test_a_date_in_the_canonical_url_is_the_last_resort():
    page = news_page(TITLE, PARAGRAPHS, stamp="", canonical="https://www.example.gov.cn/xwdt/202409/t20240918_1.html")
    assert read_page(page).published_on == date(2024, 9, 18)


def test_xhtml_with_an_xml_declaration_is_a_page():
    page = '<?xml version="1.0" encoding="utf-8"?>\n' + news_page(TITLE, PARAGRAPHS)
    assert is_html(page)
    assert read_page(page).text == TITLE + "\n\n" + "\n".join(PARAGRAPHS)


def test_a_page_far_larger_than_a_news_page_is_refused():
    paragraphs = [f"第{i}段，天津市绿色低碳发展取得成效，光伏装机达到{i}万千瓦。" for i in range(20_000)]
    with pytest.raises(
        PageRefused,
        match=r"^HTML page with [\d,]+ characters of text, over the 500,000 a news "
        r"page holds$",
    ):
        read_page(news_page(TITLE, paragraphs))


def test_characters_xml_cannot_hold_are_dropped_not_fatal():
    # trafilatura builds XML: a control character or U+FFFF, raw or as a reference, made it raise.
    hostile = (
        "<p>天津\x01生态城&#65535;绿色建筑示范项目开工，总投资12亿元。</p>"
        "<p><script></script>&#1;项目采用光伏建筑一体化技术。</p>"
    )
    page = read_page(news_page(TITLE, ["HOSTILE"]).replace("<p>HOSTILE</p>", hostile))
    assert page.text == TITLE + "\n\n天津生态城绿色建筑示范项目开工，总投资12亿元。\n项目采用光伏建筑一体化技术。"
