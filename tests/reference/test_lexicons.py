"""Invariants of the reference lexicons that the party extractor relies on."""

import re

import polars as pl
import pytest

from flows.reference.lexicons import organizations, surnames, titles

PARTY_TYPES = {"government", "enterprise", "research_education", "association", "international_org", "media", "other"}
TITLE_KINDS = {"government", "party", "enterprise", "academic", "media", "other"}


def _org(alias_or_name: str) -> dict:
    df = organizations()
    hit = df.filter((pl.col("name") == alias_or_name) | pl.col("aliases").list.contains(alias_or_name))
    assert hit.height == 1, alias_or_name
    return hit.row(0, named=True)


def test_organization_names_unique_and_enough():
    df = organizations()
    assert df.height >= 400
    assert df["name"].n_unique() == df.height
    assert (df["name"].str.strip_chars() == df["name"]).all() and (df["name"] != "").all()


def test_aliases_map_to_exactly_one_row():
    df = organizations()
    aliases = df["aliases"].explode().drop_nulls().to_list()
    assert len(aliases) == len(set(aliases)), "an alias is shared by two rows or repeated"
    assert not set(aliases) & set(df["name"].to_list()), "an alias equals an organization name"
    assert all(a == a.strip() and a for a in aliases)


def test_organization_codes():
    df = organizations()
    assert set(df["party_type"].unique().to_list()) <= PARTY_TYPES
    assert all(c == "" or re.fullmatch(r"[A-Z]{2}", c) for c in df["country_code"].to_list())
    # International bodies carry no country; everything with a country is not international.
    assert (df.filter(pl.col("party_type") == "international_org")["country_code"] == "").all()


def test_files_sorted_deterministically():
    assert organizations()["name"].to_list() == sorted(organizations()["name"].to_list())
    assert titles()["title"].to_list() == sorted(titles()["title"].to_list())


@pytest.mark.parametrize(
    ("alias", "name", "party_type", "country"),
    [
        ("工信部", "工业和信息化部", "government", "CN"),
        ("发改委", "国家发展和改革委员会", "government", "CN"),
        ("住建部", "住房和城乡建设部", "government", "CN"),
        ("全国政协", "中国人民政治协商会议全国委员会", "government", "CN"),
        ("中国科协", "中国科学技术协会", "association", "CN"),
        ("中科院", "中国科学院", "research_education", "CN"),
        ("国网", "国家电网有限公司", "enterprise", "CN"),
        ("中国联通", "中国联合网络通信集团有限公司", "enterprise", "CN"),
        ("西门子", "西门子股份公司", "enterprise", "DE"),
        ("上合组织", "上海合作组织", "international_org", ""),
        ("IPCC", "政府间气候变化专门委员会", "international_org", ""),
        ("中新社", "中国新闻社", "media", "CN"),
    ],
)
def test_organization_spot_checks(alias, name, party_type, country):
    row = _org(alias)
    assert (row["name"], row["party_type"], row["country_code"]) == (name, party_type, country)


def test_surnames():
    df = surnames()
    assert df.height >= 400 and df["surname"].n_unique() == df.height
    assert (df["is_compound"] == (df["surname"].str.len_chars() > 1)).all()
    assert set(df.filter(pl.col("is_compound"))["surname"]) >= {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
        "端木",
    }
    ranks = df["rank"].drop_nulls().sort().to_list()
    assert ranks == list(range(1, len(ranks) + 1))
    assert df.filter(pl.col("rank") == 1)["surname"][0] == "王"


def test_titles():
    df = titles()
    assert df.height >= 150 and df["title"].n_unique() == df.height
    assert set(df["kind"].unique().to_list()) <= TITLE_KINDS
    assert not df["title"].str.contains(r"[\\\[\]()|*+?^$.{}]").any(), "titles are literal, not regex"
    kinds = dict(zip(df["title"], df["kind"]))
    assert kinds["党委书记"] == "party" and kinds["董事长"] == "enterprise" and kinds["院士"] == "academic"
    assert {"常务副市长", "副常任秘书", "签约代表", "通讯员", "首席执行官"} <= kinds.keys()


def test_loaders_are_cached():
    assert organizations() is organizations()
