"""Dirty inputs -> exact clean articles: encodings on disk, pinyin junk, chrome, page splitting."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.ops.inventory import scan
from flows.steps.articles import TERMINAL, _has_sentence
from flows.steps.clean import TONE_VOWELS, clean
from flows.steps.constants import HAN

NAMES = ["滨海新区", "浦东新区"]
TODAY = date(2026, 12, 1)  # a fixed day: which publication dates are kept must not depend on when the tests run


def _clean_files(tmp_path: Path, files: dict[str, bytes]) -> pl.DataFrame:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return clean(scan(folder, 10_000_000), NAMES, today=TODAY)


def _one(tmp_path: Path, text: str) -> dict:
    docs = _clean_files(tmp_path, {"a.txt": text.encode("utf-8")})
    assert docs.height == 1, docs["text"].to_list()
    return docs.row(0, named=True)


BODY_S = "绿色发展论坛在天津举行。300多位代表参会,共同探讨绿色低碳发展路径。"
BODY_T = "綠色發展論壇在天津舉行。300多位代表參會,共同探討綠色低碳發展路徑。"


@pytest.mark.parametrize(
    ("data", "script"),
    [
        (BODY_S.encode("utf-8"), "simplified"),
        (b"\xef\xbb\xbf" + BODY_S.encode("utf-8"), "simplified"),
        (BODY_S.encode("utf-16"), "simplified"),
        (BODY_S.encode("gb18030"), "simplified"),
        (BODY_T.encode("big5"), "traditional"),
        (BODY_T.encode("utf-8"), "traditional"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "gb18030", "big5", "utf8-traditional"],
)
def test_every_encoding_on_disk_gives_the_same_simplified_text(tmp_path, data, script):
    docs = _clean_files(tmp_path, {"a.txt": data})
    assert docs.select("text", "original_script").row(0) == (BODY_S, script)


@pytest.mark.parametrize(
    ("dirty", "clean_text"),
    [
        ("綠色發(fā)展論壇在天津舉行。", "绿色发展论坛在天津举行。"),
        ("中國(guó)和新加坡的行業(yè)協會(huì)出席。", "中国和新加坡的行业协会出席。"),
        ("增長(zhǎng)（zhǎng）百分之十。", "增长百分之十。"),
        ("簽約環節,天津?yàn)I海新區人民政府出席。", "签约环节,天津滨海新区人民政府出席。"),
        ("封面新聞?dòng)浾?問:綠色低碳怎麼做?", "封面新闻问:绿色低碳怎么做?"),
        ("产值增长１２．５％，ＧＤＰ提升。", "产值增长12.5%，GDP提升。"),
    ],
    ids=["annotation", "several", "fullwidth-brackets", "lost-char-recovered", "lost-chars-dropped", "fullwidth"],
)
def test_pinyin_junk_and_width(tmp_path, dirty, clean_text):
    assert _one(tmp_path, dirty)["text"] == clean_text


@pytest.mark.parametrize(
    "chrome",
    [
        "国产在线精品视频99_亚洲日韩欧美精品综合_曰韩精品无码一区二区三区",
        "赫章县| 华阴市| 台州市| 舞钢市| 青浦区| 双流县| 新郑市|",
        "地址:成都市科华北路62号力宝大厦北楼",
        "Copy @ 2019 某某集团 版权所有 蜀ICP备06000706号-1",
        "京公网安备 11010502030143号",
        "技术支持:某某网络",
        "分享到:微信 微博 QQ空间",
        "当前位置:首页 > 新闻中心 > 行业动态",
        "上一篇:某某园区获评绿色工厂",
        "?",
        "（责任编辑：小新）",
        "关于我们 | 联系我们 | 网站地图 | 免责声明",
        "发布者：管理员　　浏览次数：1326",
        "第A03版：要闻",
        "阅读:28",
        "02",
        "— 广告 —",
        "扫码关注某某交易所公众号获得更多资讯",
    ],
    ids=[
        "seo-spam",
        "place-list",
        "address",
        "copyright-icp",
        "police-filing",
        "tech-support",
        "share-bar",
        "breadcrumb",
        "prev-next",
        "stray-mark",
        "editor",
        "link-list",
        "view-counter",
        "page-label",
        "read-count",
        "section-number",
        "ad-label",
        "follow-prompt",
    ],
)
def test_site_chrome_is_removed_and_nothing_else(tmp_path, chrome):
    row = _one(tmp_path, f"{chrome}\n{BODY_S}\n{chrome}")
    assert row["text"] == BODY_S


def test_teaser_list_after_the_article_is_dropped(tmp_path):
    text = (
        f"{BODY_S}(中国化工报 张三)\n"
        "产值增加500%,能耗反而下降30%。这是某产业园交出的一份答卷,先后被认定为国家示范...\n"
        "近日,某省发展改革委发布零碳园区创建名单的通知。\n"
        "近日,某市在大湾区举办循环经济产业链招商推介会..."
    )
    row = _one(tmp_path, text)
    assert (row["text"], row["publisher"], row["byline"]) == (BODY_S, "中国化工报", "张三")


@pytest.mark.parametrize(
    "after",
    ["资讯搜索\n推荐资讯", "来源:某某发布(有改动)\n评论", "快讯\n某市召开绿色发展大会\n某企业发布碳中和路线图"],
    ids=["menu", "source-and-comments", "headline-list"],
)
def test_headlines_without_text_are_no_article(tmp_path, after):
    row = _one(tmp_path, f"绿色发展论坛举行\n{BODY_S}\n{after}")
    assert row["text"] == f"绿色发展论坛举行\n{BODY_S}"


def test_source_line_gives_the_publisher(tmp_path):
    assert _one(tmp_path, f"{BODY_S}\n来源:某某发布")["publisher"] == "某某发布"


def test_numbered_sections_stay_in_their_document(tmp_path):
    text = f"某市节能减排工作方案\n{BODY_S}\n三、实施重点工程\n(一)重点行业节能改造工程\n推进钢铁行业节能改造。"
    assert _one(tmp_path, text)["text"] == text


def test_a_repeated_lead_and_a_cut_off_teaser_are_dropped(tmp_path):
    text = (
        f"{BODY_S}\n绿色发展论坛在天津举行。300多位代表参会,\n"
        "快讯\n某领导:让开放带来新的前程\n11月4日晚,某领导出席开幕式并致辞,他指出——"
    )
    assert _one(tmp_path, text)["text"] == BODY_S


@pytest.mark.parametrize(
    "front",
    [
        "---\ntitle: 某地发布绿色工厂名单\ndate: 2023-12-15 08:00:00\nauthor: 张三\ncategories:\n  - 新闻\n---\n",
        "title: 某地发布绿色工厂名单\ndate: 2023-12-15\nauthor: 张三\ncategories: [新闻, 绿色]\n\n",
    ],
    ids=["fenced", "bare"],
)
def test_front_matter_gives_metadata_and_no_text(tmp_path, front):
    row = _one(tmp_path, front + BODY_S)
    assert (row["title"], row["published_on"], row["byline"], row["text"]) == (
        "某地发布绿色工厂名单",
        date(2023, 12, 15),
        "张三",
        BODY_S,
    )


def test_a_rule_that_opens_prose_is_no_front_matter(tmp_path):
    assert _one(tmp_path, f"---\n{BODY_S}")["text"] == BODY_S


def test_related_reports_list_is_dropped(tmp_path):
    row = _one(tmp_path, f"{BODY_S}\n相关报道:\n某地召开绿色发展大会\n某企业发布碳中和路线图")
    assert row["text"] == BODY_S


def test_newspaper_masthead_gives_publisher_and_date(tmp_path):
    row = _one(tmp_path, f"凤城晚报\n2024年6月18日 星期二\n第A03版：要闻\n{BODY_S}")
    assert (row["publisher"], row["published_on"], row["text"]) == ("凤城晚报", date(2024, 6, 18), BODY_S)


def test_stamp_and_sidecar_metadata(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(f"工信部发布绿色工厂名单\n时间:2023-12-15 作者:admin\n{BODY_S}", encoding="utf-8")
    (folder / "b.txt").write_text(BODY_S, encoding="utf-8")
    (folder / "b.txt.meta.json").write_text(
        '{"published_on": "2025-09-19", "url": "https://example.cn/b", "source": "某某日报"}', encoding="utf-8"
    )
    docs = {r["source_file"]: r for r in clean(scan(folder, 10_000_000), NAMES, today=TODAY).iter_rows(named=True)}
    a, b = docs["a.txt"], docs["b.txt"]
    assert (a["title"], a["published_on"], a["byline"]) == ("工信部发布绿色工厂名单", date(2023, 12, 15), "admin")
    assert a["text"] == f"工信部发布绿色工厂名单\n{BODY_S}"
    assert (b["published_on"], b["url"], b["publisher"]) == (date(2025, 9, 19), "https://example.cn/b", "某某日报")


PAGE = """

绿色发展论坛达成多项成果

津门“绿”动未来

■ 记者 王某

昨天上午,论坛在天津举行,300多位代表参加,共同探讨绿色低碳发展路径,促进成员间自愿协作、科

学技术交流与协同创新。

产城融合 以产促城

中国资源循环集团有限公司在天津成立,这是全国首家以



论坛现场。图为嘉宾参观展览。
记者 李某 摄

资源循环利用为主营业务的央企。

市领导调研指导人才工作

本报讯(记者 赵某)9月18日,市领导赴南开区调研人才工作。

某某产业园开园

(上接第1版)园区引进项目54个,总投资61亿元,推动绿色低碳产业发展。
"""


def test_newspaper_page_is_split_into_its_stories(tmp_path):
    docs = _clean_files(tmp_path, {"page.txt": PAGE.encode("utf-8")})
    assert docs["title"].to_list() == [
        "绿色发展论坛达成多项成果 / 津门“绿”动未来",
        "市领导调研指导人才工作",
        "某某产业园开园",
    ]
    assert docs["byline"].to_list() == ["记者 王某; 记者 李某 摄", "记者 赵某", None]
    assert docs["text"].to_list() == [
        "绿色发展论坛达成多项成果\n津门“绿”动未来\n"
        "昨天上午,论坛在天津举行,300多位代表参加,共同探讨绿色低碳发展路径,促进成员间自愿协作、科学技术交流与协同创新。\n"
        "产城融合 以产促城\n"
        "中国资源循环集团有限公司在天津成立,这是全国首家以资源循环利用为主营业务的央企。\n"
        "论坛现场。图为嘉宾参观展览。",
        "市领导调研指导人才工作\n9月18日,市领导赴南开区调研人才工作。",
        "某某产业园开园\n园区引进项目54个,总投资61亿元,推动绿色低碳产业发展。",
    ]


MOVED = """
绿色消费活动年内登场

(上接第1版)在“购”方面,商圈将开展500余场促销活动。

在“行”方面,交通运输部门将积极发展旅游公交

纪念活动在津举行

各界人士参加纪念活动



某校国防教育长廊昨天揭牌投用。图为新生在长廊参观学习。

记者 孙某 摄

某区交出高质量发展答卷

■ 记者 钱某

某区重点产业链持续壮大,工业项目竣工投产。

展望未来,某区将继续深度融入协同发展大局。

专线,实现各大景点旅游公交专线全覆盖,进一步激发消费潜力。

场观众动容。

专家学者围绕纪念活动主题分享体会,与会人员参观图片展,令现
"""


def test_fragments_moved_by_the_layout_go_back_to_their_stories(tmp_path):
    docs = _clean_files(tmp_path, {"page.txt": MOVED.encode("utf-8")})
    texts = dict(zip(docs["title"], docs["text"]))
    assert texts["绿色消费活动年内登场"].endswith(
        "积极发展旅游公交专线,实现各大景点旅游公交专线全覆盖,进一步激发消费潜力。"
    )
    assert texts["纪念活动在津举行 / 各界人士参加纪念活动"] == (
        "纪念活动在津举行\n各界人士参加纪念活动\n场观众动容。\n专家学者围绕纪念活动主题分享体会,与会人员参观图片展,令现\n"
        "某校国防教育长廊昨天揭牌投用。图为新生在长廊参观学习。"
    )
    assert texts["某区交出高质量发展答卷"].endswith("展望未来,某区将继续深度融入协同发展大局。")


SEED_TITLES = {
    "000_714d73668faffbcc.txt": [None],
    "001_1cceb0e30931f0ca.txt": [
        "2025中新绿色发展论坛达成多项重要合作成果 / 津门“绿”动“城”就未来",
        "市领导深入南开区和南开大学、天津大学调研指导工作",
        "天开园再结“智果” / AI“小盒子”撬动大市场",
        "铭记历史 砥砺前行 / 我市高校举行活动纪念九一八事变94周年",
        "新闻发布厅 / “京津明珠”绽放新光彩 / 武清区“十四五”交出高质量发展答卷",
        "我市解除西青区、静海区市防汛四级应急响应",
        "2025中新绿色发展论坛在津举行",
        "市人大常委会召开第三十七次主任会议",
        "超千场促消费活动年内登场",
    ],
    "002_81dff334cd5acb16.txt": ["中国—上海合作组织绿色产业合作平台昨在津揭牌启动 为绿色低碳发展 打造实体“天津样板”"],
    "003_3152da09ce586790.txt": ["工信部:60家国家高新区创建了国家级绿色工业园区"],
    "004_fcb509d5d6508c91.txt": [None],
}


@pytest.fixture(scope="module")
def seed_documents(seeds):
    from flows.reference import known_names

    return clean(scan(seeds, 10_000_000), list(known_names()), today=TODAY)


@pytest.mark.parametrize("source_file", sorted(SEED_TITLES))
def test_seed_articles_and_titles(seed_documents, source_file):
    docs = seed_documents.filter(pl.col("source_file") == source_file).sort("article_index")
    assert docs["title"].to_list() == SEED_TITLES[source_file]


def test_no_junk_survives_in_the_seeds(seed_documents):
    text = "\n".join(seed_documents["text"])
    for junk in (
        "ICP",
        "版权所有",
        "技术支持",
        "精品视频",
        "赫章县|",
        "\ufffd",
        "...",
        "我们专注于",
        "■",
        "本报讯",
        "上接第1版",
        "记者 周伟 摄",
    ):
        assert junk not in text, junk
    assert not re.search(f"[{TONE_VOWELS}]", text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们专注于", False),
        ("绿色发展。", True),
        ("。绿色发展", False),  # the mark must come after a word character
        ("——。", False),
        ("ok!", True),
        ("推荐资讯\n阅读更多", False),
        ("推荐资讯\n绿色低碳转型取得进展。", True),
        ("绿色低碳\n。", False),  # a word on one line and a mark on the next is no sentence
        ("110000,北京市,province\n120000,天津市,province", False),
    ],
)
def test_a_sentence_is_a_word_character_then_a_terminal_mark_on_one_line(text, expected):
    """The line-by-line test says exactly what the single pattern `[字].*[。]` said (which took
    minutes on a long line with no mark)."""
    assert _has_sentence(text) is expected
    assert _has_sentence(text) is (re.search(rf"[{HAN}A-Za-z0-9].*[{TERMINAL}]", text) is not None)
