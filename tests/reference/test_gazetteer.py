"""Checks on the committed gazetteer CSVs in seeds/reference, read through flows.reference."""

import polars as pl
import pytest

from flows import reference

DIVISION_COLUMNS = [
    "admin_code",
    "name",
    "short_name",
    "level",
    "parent_code",
    "province_code",
    "longitude",
    "latitude",
    "name_pinyin",
]


@pytest.fixture(scope="module")
def div() -> pl.DataFrame:
    return reference.divisions()


@pytest.fixture(scope="module")
def countries() -> pl.DataFrame:
    return reference.countries()


@pytest.fixture(scope="module")
def subdivisions() -> pl.DataFrame:
    return reference.foreign_subdivisions()


def row(frame: pl.DataFrame, column: str, value: str) -> dict:
    matches = frame.filter(pl.col(column) == value)
    assert matches.height == 1, f"{column}={value}: {matches.height} rows"
    return matches.row(0, named=True)


def test_loaders_give_columns_and_string_codes(div, countries, subdivisions):
    assert div.columns == DIVISION_COLUMNS
    assert countries.columns == ["iso2", "iso3", "name_zh", "name_en", "aliases"]
    assert subdivisions.columns == ["country_code", "code", "name_zh", "name_en"]
    assert all(div.schema[c] == pl.String for c in DIVISION_COLUMNS[:6])
    assert div.schema["longitude"] == div.schema["latitude"] == pl.Float64
    assert countries.schema["aliases"] == pl.List(pl.String)
    assert all(countries.schema[c] == pl.String for c in ["iso2", "iso3", "name_zh", "name_en"])
    assert all(t == pl.String for t in subdivisions.schema.values())


def test_admin_codes_unique_six_digits(div):
    assert div["admin_code"].is_unique().all()
    assert div["admin_code"].str.contains(r"^\d{6}$").all()


def test_parents_exist_one_level_up(div):
    levels = dict(zip(div["admin_code"], div["level"]))
    allowed = {"county": {"prefecture", "province"}, "prefecture": {"province"}}
    for code, level, parent in div.select("admin_code", "level", "parent_code").iter_rows():
        if level == "province":
            assert parent is None, code
        else:
            assert levels.get(parent) in allowed[level], (code, parent)
            depth = 4 if levels[parent] == "prefecture" else 2
            assert code[:depth] == parent[:depth], (code, parent)


def test_province_code_matches_prefix(div):
    assert (div["province_code"] == div["admin_code"].str.slice(0, 2) + "0000").all()
    assert div["province_code"].is_in(div.filter(pl.col("level") == "province")["admin_code"].implode()).all()


def test_counts_plausible(div):
    counts = dict(div.group_by("level").len().iter_rows())
    assert counts["province"] == 34
    assert counts["prefecture"] >= 330
    assert counts["county"] >= 2800


def test_coordinates_in_china_where_present(div):
    placed = div.drop_nulls("longitude")
    assert placed.height > 0.95 * div.height
    assert placed["longitude"].is_between(73, 136).all() and placed["latitude"].is_between(3, 54).all()


@pytest.mark.parametrize(
    ("code", "name", "level", "parent", "short"),
    [
        ("310115", "浦东新区", "county", "310000", "浦东"),
        ("320500", "苏州市", "prefecture", "320000", "苏州"),
        ("320583", "昆山市", "county", "320500", "昆山"),
        ("429004", "仙桃市", "county", "420000", "仙桃"),
        ("222400", "延边朝鲜族自治州", "prefecture", "220000", "延边"),
        ("532900", "大理白族自治州", "prefecture", "530000", "大理"),
        ("150000", "内蒙古自治区", "province", None, "内蒙古"),
        ("450000", "广西壮族自治区", "province", None, "广西"),
        ("150600", "鄂尔多斯市", "prefecture", "150000", "鄂尔多斯"),
    ],
)
def test_spot_checks(div, code, name, level, parent, short):
    got = row(div, "admin_code", code)
    assert (got["name"], got["level"], got["parent_code"], got["short_name"]) == (name, level, parent, short)


def test_special_regions_and_post_2021_names(div):
    for code, name in [("710000", "台湾省"), ("810000", "香港特别行政区"), ("820000", "澳门特别行政区")]:
        assert row(div, "admin_code", code)["name"] == name
    assert row(div, "admin_code", "330114")["name"] == "钱塘区"
    assert div.filter(pl.col("admin_code") == "330104").is_empty()


def test_short_names_never_single_character(div):
    shorts = div["short_name"].drop_nulls()
    assert (shorts.str.len_chars() >= 2).all()


def test_countries(countries):
    assert countries["iso2"].is_unique().all()
    assert countries["iso3"].str.contains(r"^[A-Z]{3}$").all()
    assert row(countries, "iso2", "US")["name_zh"] == "美国"
    assert row(countries, "iso2", "CN")["name_zh"] == "中国"
    kg = row(countries, "iso2", "KG")
    assert kg["name_zh"] == "吉尔吉斯斯坦" and "吉尔吉斯" in kg["aliases"]
    assert countries.filter(pl.col("iso2").is_in(["TW", "HK", "MO", "EU", "UN", "ZZ", "001"])).is_empty()
    assert countries.height >= 240


def test_aliases_unambiguous_and_not_single_characters(countries):
    owners: dict[str, str] = {}
    for iso2, name, aliases in countries.select("iso2", "name_zh", "aliases").iter_rows():
        for form in [name, *aliases]:
            assert len(form) >= 2, (iso2, form)
            assert owners.setdefault(form, iso2) == iso2, form


def test_foreign_subdivisions(subdivisions, countries):
    assert subdivisions["code"].is_unique().all()
    assert row(subdivisions, "code", "US-CA")["name_zh"] == "加利福尼亚州"
    assert row(subdivisions, "code", "US-CA")["name_en"] == "California"
    assert row(subdivisions, "code", "KG-B")["name_zh"] == "巴特肯州"
    assert (subdivisions["code"].str.slice(0, 2) == subdivisions["country_code"]).all()
    assert subdivisions["country_code"].is_in(countries["iso2"].implode()).all()
    assert subdivisions.filter(pl.col("country_code") == "CN").is_empty()
    assert not subdivisions["name_zh"].str.contains(r"[A-Za-z0-9]").any()


def test_every_division_has_a_pinyin_name(div):
    assert div["name_pinyin"].null_count() == 0
    assert div["name_pinyin"].str.contains(r"^[A-Z][a-zü']*( [A-Z][a-zü']*)*$").all()


@pytest.mark.parametrize(
    ("name", "level", "pinyin"),
    [
        ("滨海新区", "county", "Binhai Xinqu"),
        ("西安市", "prefecture", "Xi'an Shi"),
        ("延边朝鲜族自治州", "prefecture", "Yanbian Chaoxianzu Zizhizhou"),
        ("重庆市", "province", "Chongqing Shi"),
        ("中沙群岛的岛礁及其海域", "county", "Zhongshaqundaodedaojiaojiqihaiyu"),
    ],
)
def test_pinyin_names_follow_the_place_name_rules(name, level, pinyin):
    from tools.build_reference import pinyin_name

    assert pinyin_name(name, level, ["朝鲜", "蒙古", "回"]) == pinyin
