"""Events: named occasions, verb-made events, dates, places, roles, one event per happening."""
from datetime import date

import pytest


def events(run, text, reference=None, year=None):
    facts = run(text, reference, year)
    rows = {}
    for r in facts["events"].iter_rows(named=True):
        rows.setdefault(r["event_key"], r)
    roles = {}
    for r in facts["event_parties"].iter_rows(named=True):
        roles.setdefault(r["event_key"], set()).add((r["party_name"], r["role"]))
    return [(r["event_type"], r["name"], r["event_date"], r["date_precision"], roles.get(k, set()), r["region_key"])
            for k, r in rows.items()]


def test_named_forum_with_date_place_and_hosts(run):
    text = "2024年6月5日,第三届长江生态论坛在武汉市举行。论坛由生态环境部、湖北省人民政府主办。"
    found = events(run, text)
    assert found == [("forum_conference", "第三届长江生态论坛", date(2024, 6, 5), "day",
                      {("生态环境部", "host"), ("湖北省人民政府", "host")}, "CN-420100")]


def test_month_day_takes_the_year_of_the_text(run):
    found = events(run, "6月5日,长江生态保护论坛在武汉举行。", year=2024)
    assert [(e[1], e[2]) for e in found] == [("长江生态保护论坛", date(2024, 6, 5))]


def test_yesterday_resolves_against_the_reference_date(run):
    found = events(run, "昨天,长江生态保护论坛在武汉举行。", reference=date(2024, 6, 6))
    assert [(e[2], e[3]) for e in found] == [(date(2024, 6, 5), "day")]


def test_relative_year_falls_back_to_the_year_of_the_text(run):
    assert [e[2] for e in events(run, "去年成功举办首届长江绿色发展博览会。", year=2024)] == [date(2023, 1, 1)]
    assert [e[2] for e in events(run, "去年成功举办首届长江绿色发展博览会。")] == [None]


def test_same_day_refers_to_the_last_date_named(run):
    text = "2024年12月26日,光伏项目全容量并网投运。当天,副省长刘明一行到项目现场考察。"
    found = {e[0]: e[2] for e in events(run, text)}
    assert found == {"launch": date(2024, 12, 26), "visit": date(2024, 12, 26)}


def test_signing_with_its_signatories_and_the_occasion_date(run):
    text = "5月20日,绿色低碳发展大会在合肥举行。会上,国家电网有限公司与安徽省能源局签署战略合作协议。"
    found = events(run, text, year=2024)
    signing = next(e for e in found if e[0] == "signing")
    assert signing[1] == "国家电网有限公司与安徽省能源局签署战略合作协议"
    assert signing[2] == date(2024, 5, 20)  # the occasion's date: nothing in its own sentence
    assert signing[4] == {("国家电网有限公司", "signatory"), ("安徽省能源局", "signatory")}


def test_respective_signings_are_separate_agreements(run):
    text = "合肥市商务局、合肥新站高新区管委会与江苏恒远新材料股份有限公司、浙江海川能源有限公司分别签订投资协议。"
    found = [e for e in events(run, text) if e[0] == "signing"]
    partners = sorted(next(n for n, _ in e[4] if n not in ("合肥市商务局", "合肥新站高新区管委会")) for e in found)
    assert partners == ["江苏恒远新材料股份有限公司", "浙江海川能源有限公司"]


def test_launch_per_subject(run):
    text = "长三角氢能产业联盟和长三角储能产业联盟同步启动。"
    found = events(run, text)
    assert sorted((e[0], e[1]) for e in found) == [
        ("launch", "长三角储能产业联盟启动"), ("launch", "长三角氢能产业联盟启动")]


def test_announced_launch(run):
    found = events(run, "会上,主任王强宣布专家咨询委员会成立。")
    assert [(e[0], e[1], e[4]) for e in found] == [("launch", "专家咨询委员会成立", {("王强", "speaker")})]


@pytest.mark.parametrize("text, kind, name", [
    ("生态环境部发布《中国应对气候变化的政策与行动》。", "release", "发布《中国应对气候变化的政策与行动》"),
    ("国务院批复同意《长江三角洲区域一体化发展规划》。", "approval", "国务院批复同意《长江三角洲区域一体化发展规划》"),
    ("副省长刘明赴滁州市调研。", "visit", "刘明赴滁州市调研"),
    ("省防汛抗旱指挥部解除防汛四级应急响应。", "other", "解除防汛四级应急响应"),
    ("生态环境部举行“美丽中国建设”新闻发布会。", "press_conference", "“美丽中国建设”新闻发布会"),
    ("参观了长三角绿色发展成就展。", "exhibition", "长三角绿色发展成就展"),
])
def test_event_types(run, text, kind, name):
    assert [(e[0], e[1]) for e in events(run, text)] == [(kind, name)]


@pytest.mark.parametrize("text", [
    "论坛期间,多家企业参展。",
    "此次论坛内容丰富,包括项目签约、主旨演讲等环节。",
    "全省4家园区获批国家级试点。",
    "推出“签约即开工”模式。",
    "海纳AI一体机的发布引起关注。",
])
def test_mentions_that_are_not_new_events(run, text):
    assert events(run, text) == []


def test_one_event_reported_twice_in_a_document(run):
    text = "2025长江生态论坛在武汉举行。本届长江生态论坛聚焦绿色转型。2025长江生态论坛发布多项成果。"
    found = [e for e in events(run, text) if e[0] == "forum_conference"]
    assert [e[1] for e in found] == ["2025长江生态论坛"]


def test_year_in_an_event_name_dates_it(run):
    found = events(run, "他出席2023国际低碳大会新闻发布会时表示。")
    assert ("press_conference", "2023国际低碳大会新闻发布会", date(2023, 1, 1), "year") in [e[:4] for e in found]
