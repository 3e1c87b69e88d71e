"""Regions: gazetteer, ambiguity, zones, abbreviations and what is not a place."""
import pytest


def regions(run, text):
    frame = run(text)["region_mentions"]
    return {(r["surface"], r["name"], r["level"], r["admin_code"]) for r in frame.iter_rows(named=True)}


def test_division_names_resolve_to_codes_and_levels(run):
    assert regions(run, "会议在浙江省杭州市西湖区举行。") == {
        ("浙江省", "浙江省", "province", "330000"), ("杭州市", "杭州市", "prefecture", "330100"),
        ("西湖区", "西湖区", "county", "330106")}


def test_short_names_of_provinces_and_prefectures(run):
    found = regions(run, "苏州和内蒙古的企业参加。")
    assert found == {("苏州", "苏州市", "prefecture", "320500"), ("内蒙古", "内蒙古自治区", "province", "150000")}


def test_countries_and_their_aliases(run):
    frame = run("吉尔吉斯与美国代表出席。")["region_mentions"]
    assert {(r["surface"], r["region_key"], r["level"]) for r in frame.iter_rows(named=True)} == {
        ("吉尔吉斯", "ISO-KG", "country"), ("美国", "ISO-US", "country")}


def test_shared_county_name_resolved_by_context(run):
    assert ("鼓楼区", "鼓楼区", "county", "350102") in regions(run, "福州市鼓楼区召开大会。")


def test_shared_county_name_without_context_gets_no_code(run):
    frame = run("鼓楼区召开大会。")["region_mentions"]
    row = frame.row(0, named=True)
    assert (row["surface"], row["admin_code"], row["level"], row["region_key"]) == (
        "鼓楼区", None, "county", "CN-NAME:鼓楼区")


def test_zone_with_a_place_in_its_name_and_its_short_form(run):
    frame = run("合肥高新技术产业开发区发布新政。此后合肥高新区再推举措。")["region_mentions"]
    zones = {(r["surface"], r["name"], r["parent_key"]) for r in frame.iter_rows(named=True) if r["level"] == "zone"}
    assert zones == {("合肥高新技术产业开发区", "合肥高新技术产业开发区", "CN-340100"),
                     ("合肥高新区", "合肥高新技术产业开发区", "CN-340100")}


def test_zone_named_after_a_foreign_place_drops_the_country_from_its_name(run):
    frame = run("双方与越南海防安阳工业园区签约。")["region_mentions"]
    zone = frame.filter(frame["level"] == "zone").row(0, named=True)
    assert (zone["name"], zone["parent_key"], zone["country_code"]) == ("海防安阳工业园区", "ISO-VN", "VN")


@pytest.mark.parametrize("text", [
    "推动国家级经济技术开发区高质量发展。",
    "加快建设国家绿色发展示范区。",
    "零碳产业园建设提速。",
    "全国新城新区数量约3900个。",
    "建成幼儿园11所。",
])
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
        ("北 京", "北京市", "province", "110000"), ("上 海", "上海市", "province", "310000")}
