"""Regions: gazetteer, ambiguity, zones, abbreviations and what is not a place."""

import pytest


def regions(run, text):
    frame = run(text)["region_mentions"]
    return {(r["surface"], r["name"], r["level"], r["admin_code"]) for r in frame.iter_rows(named=True)}


def test_division_names_resolve_to_codes_and_levels(run):
    assert regions(run, "会议在浙江省杭州市西湖区举行。") == {
        ("浙江省", "浙江省", "province", "330000"),
        ("杭州市", "杭州市", "prefecture", "330100"),
        ("西湖区", "西湖区", "county", "330106"),
    }


def test_short_names_of_provinces_and_prefectures(run):
    found = regions(run, "苏州和内蒙古的企业参加。")
    assert found == {("苏州", "苏州市", "prefecture", "320500"), ("内蒙古", "内蒙古自治区", "province", "150000")}


def test_countries_and_their_aliases(run):
    frame = run("吉尔吉斯与美国代表出席。")["region_mentions"]
    assert {(r["surface"], r["region_key"], r["level"]) for r in frame.iter_rows(named=True)} == {
        ("吉尔吉斯", "ISO-KG", "country"),
        ("美国", "ISO-US", "country"),
    }


def test_shared_county_name_resolved_by_context(run):
    assert ("鼓楼区", "鼓楼区", "county", "350102") in regions(run, "福州市鼓楼区召开大会。")


def test_shared_county_name_without_context_gets_no_code(run):
    frame = run("鼓楼区召开大会。")["region_mentions"]
    row = frame.row(0, named=True)
    assert (row["surface"], row["admin_code"], row["level"], row["region_key"]) == (
        "鼓楼区",
        None,
        "county",
        "CN-NAME:鼓楼区",
    )


def test_zone_with_a_place_in_its_name_and_its_short_form(run):
    frame = run("合肥高新技术产业开发区发布新政。此后合肥高新区再推举措。")["region_mentions"]
    zones = {(r["surface"], r["name"], r["parent_key"]) for r in frame.iter_rows(named=True) if r["level"] == "zone"}
    assert zones == {
        ("合肥高新技术产业开发区", "合肥高新技术产业开发区", "CN-340100"),
        ("合肥高新区", "合肥高新技术产业开发区", "CN-340100"),
    }


def test_zone_named_after_a_foreign_place_drops_the_country_from_its_name(run):
    frame = run("双方与越南海防安阳工业园区签约。")["region_mentions"]
    zone = frame.filter(frame["level"] == "zone").row(0, named=True)
    assert (zone["name"], zone["parent_key"], zone["country_code"]) == ("海防安阳工业园区", "ISO-VN", "VN")


@pytest.mark.parametrize(
    "text",
    [
        "推动国家级经济技术开发区高质量发展。",
        "加快建设国家绿色发展示范区。",
        "零碳产业园建设提速。",
        "全国新城新区数量约3900个。",
        "建成幼儿园11所。",
    ],
)
def test_generic_zone_phrases_are_not_zones(run, text):
    frame = run(text)["region_mentions"]
    assert frame.filter(frame["level"] == "zone").is_empty()


def test_province_abbreviation_only_in_tight_patterns(run):
    assert regions(run, "论坛在沪举行。") == {("沪", "上海市", "province", "310000")}
    assert regions(run, "沪深两市股指上涨。") == set()


@pytest.mark.parametrize("text", ["上海合作组织成员国代表出席。", "各国落实巴黎协定。", "阿里巴巴发布财报。"])
def test_places_inside_names_that_are_not_about_them(run, text):
    assert regions(run, text) == set()


def test_foreign_subdivision_only_next_to_its_country(run):
    assert ("巴特肯州", "巴特肯州", "province", None) in regions(run, "吉尔吉斯斯坦巴特肯州的项目。")
    assert not any(r[0] == "巴特肯州" for r in regions(run, "巴特肯州的项目。"))


def test_province_names_padded_in_a_table(run):
    assert regions(run, "地 区 增速(%) 北 京 -9.18 上 海 -6.64") == {
        ("北 京", "北京市", "province", "110000"),
        ("上 海", "上海市", "province", "310000"),
    }


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "开工仪式在永德县德党镇茂梧村举行。",
            {
                ("永德县", "永德县", "county", "530923"),
                ("德党镇", "德党镇", "other", None),
                ("茂梧村", "茂梧村", "other", None),
            },
        ),
        ("王洪伟与鲇鱼须镇镇长张哲君签约。", {("鲇鱼须镇", "鲇鱼须镇", "other", None)}),
        (
            "重点推进乐安镇、田庄乡等地光伏项目。",
            {("乐安镇", "乐安镇", "other", None), ("田庄乡", "田庄乡", "other", None)},
        ),
        ("群众来到十八里河街道办事处植树。", {("十八里河街道", "十八里河街道", "other", None)}),
        ("推进特色小镇和美丽乡村建设,城乡融合,每个乡镇都有。", set()),
    ],
    ids=["after-county", "before-head", "listed", "subdistrict", "words"],
)
def test_townships_and_villages(run, text, expected):
    assert regions(run, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "上海崇明、新疆库车推进试点。",
            {
                ("上海", "上海市", "province", "310000"),
                ("崇明", "崇明区", "county", "310151"),
                ("新疆", "新疆维吾尔自治区", "province", "650000"),
                ("库车", "库车市", "county", "652902"),
            },
        ),
        ("管城区坚持生态亮区战略。", {("管城区", "管城回族区", "county", "410104")}),
    ],
    ids=["county-short-after-province", "autonomous-county-without-nationality"],
)
def test_county_forms(run, text, expected):
    assert regions(run, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "签约仪式由县委副书记、代县长陶伟军主持。",
        "城市和县城新增处理能力。",
        "以城区为发展新增点。",
        "以新时代中国特色社会主义思想为指导。",
        "主办:绿能资讯网 地址:甘肃省天水市秦州区民主西路88号",
    ],
)
def test_words_and_page_chrome_are_not_places(run, text):
    assert regions(run, text) == set()


@pytest.mark.parametrize(
    "text, zone",
    [
        ("鄂尔多斯能源化工基地加快建设。", "鄂尔多斯能源化工基地"),
        ("榆林煤化工基地项目开工。", "榆林煤化工基地"),
        ("投资建设湛江钢铁工业城。", "湛江钢铁工业城"),
    ],
    ids=["energy-base", "chemical-base", "industrial-city"],
)
def test_bases_and_industrial_cities_are_zones(run, text, zone):
    assert (zone, zone, "zone", None) in regions(run, text)


@pytest.mark.parametrize(
    "text, spans",
    [
        ("主办:临江市人民政府门户网站 承办:临江日报", [(3, 14)]),
        ("一二三四五六七八九十甲乙门户网站", [(0, 16)]),  # twelve characters, then 网 two further
        ("一二三四五六七八九十甲乙丙门户网站", [(1, 17)]),  # thirteen: the name is its last twelve
        ("电网、管网和互联网都不是网站名,临江新闻网是", []),
        ("地址:甘肃省临江市滨河路88号 联系地址：临江市", [(0, 15), (16, 24)]),
    ],
)
def test_chrome_spans_and_its_lookahead_changes_no_match(text, spans):
    """Site chrome spans; _CHROME's lookahead only lets the engine skip places with no 网 ahead."""
    import re

    from flows.steps.extract.regions import _CHROME, _chrome_spans

    plain = re.compile(_CHROME.pattern.replace("(?=[^网]{0,14}网)", ""))
    assert plain.pattern != _CHROME.pattern
    assert _chrome_spans(text) == [(a, b, "international") for a, b in spans]
    assert [m.span() for m in plain.finditer(text)] == spans
