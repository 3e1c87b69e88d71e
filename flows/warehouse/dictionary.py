"""The published schema, once: every table and column with its type, meaning, allowed values and an example.

Everything else about the published columns is generated from TABLES:
- docs/data-dictionary.md (`python -m flows.warehouse.dictionary` rewrites it; a test checks it is current),
- dictionary.json in every publish folder ({table: {column: {type, description, ...}}}),
- the `COMMENT ON` column comments of the views database,
- the column checks of expectations/*.json (existence, not-null, allowed values, pattern),
- the type check of every mart before publish (`check_marts`).

Columns marked `contract` are the published contract v1: they are never renamed or dropped.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[2]  # the repository
MARKDOWN = ROOT / "docs" / "data-dictionary.md"
GENERATED = "flows/warehouse/dictionary.py"  # meta.generated of the suite expectations written from here

# Metric unit codes (metrics.unit): money is any ISO 4217 code; these are the rest.
UNITS: dict[str, str] = {
    "CNY": "money, Chinese yuan (any ISO 4217 code: `USD`, `EUR`, ...)",
    "percent": "percentage points: `11.2%` -> 11.2",
    "count": "a number of things; the measure word goes to `classifier`",
    "mu": "area, 亩 (1/15 hectare)",
    "hectare": "area, 公顷",
    "km2": "area, 平方公里 / 平方千米",
    "m2": "area, 平方米",
    "km": "length, 公里 / 千米",
    "t": "mass, 吨 (metric ton)",
    "tce": "energy, 吨标准煤 (tonne of coal equivalent)",
    "kWh": "energy, 度 / 千瓦时",
    "kW": "power, 千瓦",
    "MW": "power, 兆瓦",
    "GW": "power, 吉瓦",
    "PFLOPS": "computing power",
    "year": "a time span in years (`30多年`); see `is_duration`",
    "month": "a time span in months",
    "day": "a time span in days",
    "other": "any other unit",
}
UNIT_PATTERN = "^(?:[A-Z]{3}|" + "|".join(u for u in UNITS if u != "CNY") + ")$"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type as DuckDB prints it: VARCHAR, INTEGER, BIGINT, DOUBLE, BOOLEAN, DATE, VARCHAR[]
    description: str
    example: object = None
    nullable: bool = True
    values: tuple[str, ...] = ()  # the allowed values (of each element, for a list)
    pattern: str | None = None  # a regex every non-null value matches
    contract: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


C = Column
LEVELS = ("country", "province", "prefecture", "county", "zone", "other")
PARTY_TYPES = (
    "person",
    "government",
    "enterprise",
    "research_education",
    "association",
    "international_org",
    "media",
    "other",
)
EVENT_TYPES = (
    "forum_conference",
    "signing",
    "launch",
    "release",
    "exhibition",
    "press_conference",
    "approval",
    "visit",
    "other",
)
ROLES = ("host", "co_organizer", "signatory", "speaker", "participant", "subject")
QUALIFIERS = ("exact", "more_than", "nearly", "about", "at_most", "at_least")
TOPICS = ("low_carbon", "green_development", "circular_economy", "clean_energy", "environment")
COUNTRY = "^[A-Z]{2}$"
GEO_PRECISIONS = (
    "exact",
    "parent_zone",
    "parent_county",
    "parent_prefecture",
    "parent_province",
    "parent_other",
    "none",
)
CATEGORIES = (
    "investment",
    "output_value",
    "money",
    "growth_rate",
    "share",
    "capacity",
    "energy_saving",
    "energy",
    "emissions",
    "mass",
    "area",
    "length",
    "people",
    "count",
    "duration",
    "other",
)

TABLES: tuple[Table, ...] = (
    Table(
        "documents",
        "One row per article. A raw file can hold several articles (a newspaper page) or one "
        "article plus junk (SEO spam, navigation teasers, footers); junk is not an article.",
        ("doc_id",),
        (
            C("doc_id", "VARCHAR", "stable id of the article", "da16d6cdfb4f0fd9", nullable=False, contract=True),
            C(
                "duplicate_of",
                "VARCHAR",
                "doc_id of an earlier near-duplicate article (5-gram Jaccard similarity >= 0.8); null for an original",
                None,
                contract=True,
            ),
            C(
                "source_file",
                "VARCHAR",
                "file name relative to the input folder",
                "000_5c2e9a7f13b0d846.txt",
                nullable=False,
                contract=True,
            ),
            C(
                "article_index",
                "INTEGER",
                "0-based position of the article in its file",
                0,
                nullable=False,
                contract=True,
            ),
            C("title", "VARCHAR", "headline, if one is present", "2023临江绿色发展论坛在新区举行", contract=True),
            C(
                "text",
                "VARCHAR",
                "the cleaned article text (Simplified Chinese, NFC, no pinyin annotations); every "
                "char offset in mentions refers to it",
                "5月12日，2023临江绿色发展论坛在临江新区举行。…",
                nullable=False,
                contract=True,
            ),
            C(
                "original_script",
                "VARCHAR",
                "the script the article was written in before conversion to Simplified: "
                "`traditional` when over 5% of its Chinese characters are Traditional-only, `mixed` when any are",
                "simplified",
                values=("simplified", "traditional", "mixed"),
            ),
            C(
                "decode_errors",
                "INTEGER",
                "invalid bytes of the raw file replaced by U+FFFD while decoding (at most "
                "0.5% of the file and 64 bytes; more and the file is quarantined); 0 for a clean file",
                0,
                nullable=False,
            ),
            C(
                "byline",
                "VARCHAR",
                "reporters and photo credits as printed, `; `-separated",
                "记者 王小红; 记者 赵明远",
            ),
            C("publisher", "VARCHAR", "the outlet, from the sidecar's `source` or a `本报讯`-style lead", "临江日报"),
            C("url", "VARCHAR", "the article's address, from the sidecar metadata", "https://example.cn/news/1.html"),
            C(
                "topics",
                "VARCHAR[]",
                "green topics the article mentions (keyword lists in flows/steps/relevance.py); empty when none",
                ["low_carbon", "green_development"],
                nullable=False,
                values=TOPICS,
            ),
            C(
                "is_relevant",
                "BOOLEAN",
                "about green / low-carbon / circular-economy / sustainable development",
                True,
                nullable=False,
                contract=True,
            ),
            C(
                "duplicate_similarity",
                "DOUBLE",
                "estimated 5-gram Jaccard similarity to `duplicate_of` (0.8-1.0); null for an original",
                0.94,
            ),
            C(
                "published_on",
                "DATE",
                "publication date: sidecar metadata, an in-text stamp (时间:2022-11-08) or context; null when unknown",
                "2022-11-08",
                contract=True,
            ),
            C(
                "reference_date",
                "DATE",
                "the date relative dates (昨天, 当天) were resolved against: published_on, "
                "else a date inferred from the text",
                "2023-05-13",
            ),
        ),
    ),
    Table(
        "regions",
        "Places: countries, Chinese provinces / prefectures / counties, foreign subdivisions, and "
        "development zones, parks and new towns. Every region's ancestors up to its country are rows too.",
        ("region_id",),
        (
            C(
                "region_id",
                "VARCHAR",
                "stable id: `CN-<admin_code>` for Chinese divisions, `ISO-<alpha2>` for "
                "countries, the ISO 3166-2 code for foreign subdivisions, `R-<hash>` for zones and other places",
                "CN-120116",
                nullable=False,
                contract=True,
            ),
            C("parent_region_id", "VARCHAR", "the enclosing region", "CN-120000", contract=True),
            C(
                "province_region_id",
                "VARCHAR",
                "the first-level division it lies in (itself for one): a Chinese "
                "province, autonomous region or municipality, or a foreign first-level division; null for countries "
                "and for places not known to lie in one. Events by province: join events.region_id to this",
                "CN-120000",
            ),
            C(
                "prefecture_region_id",
                "VARCHAR",
                "the prefecture-level division it lies in (itself for one); null "
                "above prefecture level and under the four municipalities, whose counties have no prefecture",
                "CN-321100",
            ),
            C("name", "VARCHAR", "canonical full name", "滨海新区", nullable=False, contract=True),
            C(
                "name_en",
                "VARCHAR",
                "name in Latin script: for Chinese divisions Hanyu Pinyin as GB/T 16159 writes "
                "place names (specific part joined, generic part apart); for countries and foreign subdivisions the "
                "English (CLDR) name; null for zones and other places outside the gazetteer",
                "Binhai Xinqu",
            ),
            C(
                "level",
                "VARCHAR",
                "kind of place; foreign first-level divisions are `province` too (filter on country_code)",
                "county",
                nullable=False,
                values=LEVELS,
                contract=True,
            ),
            C("country_code", "VARCHAR", "ISO 3166-1 alpha-2", "CN", pattern=COUNTRY, contract=True),
            C(
                "admin_code",
                "VARCHAR",
                "6-digit GB/T 2260 code of a Chinese division",
                "120116",
                pattern="^[1-9][0-9]{5}$",
                contract=True,
            ),
            C("aliases", "VARCHAR[]", "other names seen in the text", ["天津", "津门"], nullable=False),
            C("longitude", "DOUBLE", "longitude (WGS84) of the region's point; see geo_precision", 117.698407),
            C("latitude", "DOUBLE", "latitude (WGS84) of the region's point; see geo_precision", 39.01727),
            C(
                "geo_precision",
                "VARCHAR",
                "whose point longitude/latitude are: `exact` the region's own (every coded "
                "Chinese division that the gazetteer places), `parent_<level>` the nearest enclosing region's that has "
                "one (a zone takes its county's or city's point), `none` when no ancestor has a point (countries, "
                "foreign places)",
                "parent_county",
                nullable=False,
                values=GEO_PRECISIONS,
            ),
        ),
    ),
    Table(
        "parties",
        "Organizations and people that act in the news. Generic groups (企业代表, 科研机构) are not parties.",
        ("party_id",),
        (
            C(
                "party_id",
                "VARCHAR",
                "stable id; aliases of one party share it",
                "p_5e0b2f8d1c3a7e94",
                nullable=False,
                contract=True,
            ),
            C(
                "affiliation_party_id",
                "VARCHAR",
                "for a person: the organization they hold the title in",
                "p_0c1d2e3f4a5b6c7d",
                contract=True,
            ),
            C("region_id", "VARCHAR", "where it is based, when known", "CN-120000", contract=True),
            C("name", "VARCHAR", "canonical full name", "临江新区管委会", nullable=False, contract=True),
            C(
                "party_type",
                "VARCHAR",
                "kind of party",
                "government",
                nullable=False,
                values=PARTY_TYPES,
                contract=True,
            ),
            C("aliases", "VARCHAR[]", "other names seen", ["新区管委会"], nullable=False, contract=True),
            C("title", "VARCHAR", "for a person: role title", "院长", contract=True),
            C(
                "country_code",
                "VARCHAR",
                "ISO 3166-1 alpha-2 of its country, when known",
                "CN",
                pattern=COUNTRY,
                contract=True,
            ),
            C("num_documents", "BIGINT", "how many articles mention it", 2, nullable=False),
        ),
    ),
    Table(
        "events",
        "Things that happened or were announced at a time. The same real event reported by two articles is one event.",
        ("event_id",),
        (
            C("event_id", "VARCHAR", "stable id", "e_10524dfa41a49866", nullable=False, contract=True),
            C("region_id", "VARCHAR", "where it happened", "R-5e567c5b3ac0", contract=True),
            C(
                "event_type",
                "VARCHAR",
                "`forum_conference` (论坛, 大会, 会议), `signing` (签署, 签订, 签约), `launch` "
                "(揭牌, 成立, 启动, 落户), `release` (发布 a report, list, policy, index), "
                "`exhibition` (展会, 展示会, 成就展), `press_conference` (新闻发布会), "
                "`approval` (批复, 批准, 认定), `visit` (调研, 考察), `other`",
                "forum_conference",
                nullable=False,
                values=EVENT_TYPES,
                contract=True,
            ),
            C("name", "VARCHAR", "short name", "2023临江绿色发展论坛", nullable=False, contract=True),
            C(
                "event_date",
                "DATE",
                "resolved calendar date (relative dates resolved against the article's "
                "reference_date); a month- or year-only date is stored as its first day: read date_precision",
                "2023-05-12",
                contract=True,
            ),
            C(
                "date_precision",
                "VARCHAR",
                "how much of event_date is known",
                "day",
                nullable=False,
                values=("day", "month", "year", "unknown"),
                contract=True,
            ),
            C("num_documents", "BIGINT", "how many articles report it", 2, nullable=False, contract=True),
            C(
                "event_year",
                "INTEGER",
                "year of event_date when the year is known (precision day, month or year)",
                2023,
            ),
            C(
                "event_month",
                "DATE",
                "first day of the event's month, only when the month is known (precision day or "
                "month): group by this, not date_trunc('month', event_date), which puts year-only dates in January",
                "2023-05-01",
            ),
            C(
                "first_doc_id",
                "VARCHAR",
                "the article that reported it first (earliest published_on or reference date, then input order)",
                "d27a318a628188f8",
                nullable=False,
            ),
            C(
                "doc_ids",
                "VARCHAR[]",
                "every article that reports it, sorted",
                ["d27a318a628188f8", "da16d6cdfb4f0fd9"],
                nullable=False,
            ),
            C(
                "first_reported_on",
                "DATE",
                "earliest date an article reported it: its published_on, else its "
                "reference date; null when neither is known",
                "2023-05-13",
            ),
            C(
                "is_relevant",
                "BOOLEAN",
                "reported by at least one relevant (green-development) article",
                True,
                nullable=False,
            ),
        ),
    ),
    Table(
        "event_parties",
        "Who took part in which event, in which role.",
        ("event_id", "party_id", "role"),
        (
            C("event_id", "VARCHAR", "the event", "e_10524dfa41a49866", nullable=False, contract=True),
            C("party_id", "VARCHAR", "the party", "p_5e0b2f8d1c3a7e94", nullable=False, contract=True),
            C("role", "VARCHAR", "the party's role in the event", "host", nullable=False, values=ROLES, contract=True),
        ),
    ),
    Table(
        "metrics",
        "Every quantitative fact stated with a number: counts, money, percentages, areas, energy, "
        "mass, capacities. Not metrics: dates and years, ordinals, phone/ICP/house numbers, numbers inside "
        "names.",
        ("metric_id",),
        (
            C("metric_id", "VARCHAR", "stable id", "m_8d0f3b6a2c4e1f57", nullable=False, contract=True),
            C("doc_id", "VARCHAR", "the article it was stated in", "da16d6cdfb4f0fd9", nullable=False, contract=True),
            C("subject_party_id", "VARCHAR", "whose figure it is, when a party", None, contract=True),
            C("subject_region_id", "VARCHAR", "whose figure it is, when a region", "CN-120116", contract=True),
            C("event_id", "VARCHAR", "the event it belongs to, when one", None, contract=True),
            C("raw_text", "VARCHAR", "the span as written", "200多位", nullable=False, contract=True),
            C(
                "unit",
                "VARCHAR",
                "canonical unit code (see the unit codes below)",
                "CNY",
                nullable=False,
                pattern=UNIT_PATTERN,
                contract=True,
            ),
            C("classifier", "VARCHAR", "the measure word for counts", "位", contract=True),
            C(
                "qualifier",
                "VARCHAR",
                "`more_than` (多, 余, 超, 逾, 以上), `nearly` (近, 将近), `about` (约, 左右), "
                "`at_most` (不超过, 以内), `at_least` (至少, 不少于), else `exact`",
                "more_than",
                nullable=False,
                values=QUALIFIERS,
                contract=True,
            ),
            C("indicator", "VARCHAR", "what is measured, a short label from context", "与会嘉宾人数", contract=True),
            C(
                "period",
                "VARCHAR",
                "the time the figure covers, as text: a year, a month range or a half-year",
                "2022-01/2022-06",
                contract=True,
            ),
            C(
                "period_start",
                "DATE",
                "first day of period (`2022-01/2022-06` -> 2022-01-01, `2025-H1` -> 2025-01-01, "
                "`2022` -> 2022-01-01); null when period is null",
                "2022-01-01",
            ),
            C(
                "period_end",
                "DATE",
                "last day of period (`2022-01/2022-06` -> 2022-06-30, `2025-H1` -> 2025-06-30, `2022` -> 2022-12-31)",
                "2022-06-30",
            ),
            C(
                "indicator_category",
                "VARCHAR",
                "kind of figure, from the unit and keywords of the indicator and of "
                "the clause before the number: money is `investment` (投资, 融资, 资金…), "
                "`output_value` (产值, 生产总值, 营收, 进出口…) or `money`; "
                "percent is `growth_rate` (增长, 下降, 同比…) or `share`; `capacity` (kW/MW/GW, PFLOPS, or tonnes of "
                "能力/产能); `energy_saving` (kWh or tce with 节能, 节约…) or `energy`; `emissions` (tonnes of 排放, "
                "碳…) or `mass`; `area`; `length`; counts of people (人, 位, 名) are `people`, other counts `count`; "
                "year/month/day spans are `duration`",
                "investment",
                nullable=False,
                values=CATEGORIES,
            ),
            C(
                "is_duration",
                "BOOLEAN",
                "the value is a time span (unit year, month or day: `30多年`), not a "
                "quantity: leave these out of totals",
                False,
                nullable=False,
            ),
            C(
                "value",
                "DOUBLE",
                "fully expanded number: `8.6万亿元` -> 8600000000000.0, `近千万吨` -> 10000000.0, `11.2%` -> 11.2",
                300.0,
                nullable=False,
                contract=True,
            ),
        ),
    ),
    Table(
        "mentions",
        "Provenance: every extracted row points back at the span of documents.text it came from.",
        ("mention_id",),
        (
            C("mention_id", "VARCHAR", "stable id of the mention", "n_1a2b3c4d5e6f7a8b", nullable=False),
            C("doc_id", "VARCHAR", "the article", "da16d6cdfb4f0fd9", nullable=False, contract=True),
            C(
                "entity_kind",
                "VARCHAR",
                "which table entity_id is in",
                "region",
                nullable=False,
                values=("event", "party", "region", "metric"),
                contract=True,
            ),
            C("entity_id", "VARCHAR", "id in that table", "CN-120116", nullable=False, contract=True),
            C(
                "char_start",
                "INTEGER",
                "span start in documents.text (0-based, in characters)",
                12,
                nullable=False,
                contract=True,
            ),
            C("char_end", "INTEGER", "span end in documents.text (exclusive)", 16, nullable=False, contract=True),
            C(
                "surface",
                "VARCHAR",
                "the span as written: substr(text, char_start + 1, char_end - char_start)",
                "滨海新区",
                nullable=False,
            ),
            C(
                "evidence",
                "VARCHAR",
                "the sentence that holds the span",
                "…在天津滨海新区举行。",
                nullable=False,
                contract=True,
            ),
        ),
    ),
)

TABLE = {t.name: t for t in TABLES}
KEYS = {t.name: t.key for t in TABLES}


def contract() -> dict[str, dict[str, str]]:
    """The contract v1 columns: {"documents": {"doc_id": "VARCHAR", ...}, ...}."""
    return {t.name: {c.name: c.type for c in t.columns if c.contract} for t in TABLES}


def as_json() -> dict[str, dict[str, dict[str, Any]]]:
    """Machine-readable dictionary: {"regions": {"level": {"type": "VARCHAR", "description": ..., ...}}}."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for table in TABLES:
        out[table.name] = {}
        for column in table.columns:
            entry: dict[str, object] = {
                "type": column.type,
                "description": column.description,
                "nullable": column.nullable,
                "contract_v1": column.contract,
            }
            if column.values:
                entry["allowed_values"] = list(column.values)
            if column.pattern:
                entry["pattern"] = column.pattern
            if column.name == "unit" and table.name == "metrics":
                entry["unit_codes"] = UNITS
            if column.example is not None:
                entry["example"] = column.example
            out[table.name][column.name] = entry
    return out


def write_json(path: Path) -> None:
    """dictionary.json beside the Parquet files."""
    path.write_text(json.dumps(as_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _example(column: Column) -> str:
    if column.example is None:
        return ""
    if isinstance(column.example, list):
        return "`" + json.dumps(column.example, ensure_ascii=False) + "`"
    return f"`{column.example}`"


def render_markdown() -> str:
    """docs/data-dictionary.md, generated: one section per table, then the unit codes."""
    lines = [
        "# Data dictionary",
        "",
        "<!-- Generated by `python -m flows.warehouse.dictionary` from flows/warehouse/dictionary.py; "
        "do not edit by hand. -->",
        "",
        "Every published table and column. Each publish folder carries the same as `dictionary.json`, and the "
        "views database (`greenwire.duckdb`) as column comments (`select * from duckdb_columns()`).",
        "",
        "All text is Simplified Chinese after cleaning (OpenCC t2s), NFC, no pinyin annotations. Ids are stable "
        "strings: the same input gives the same ids on every run. Columns marked **v1** are the published "
        "contract (version 1): they keep their names and meanings; other columns are extensions.",
        "",
    ]
    for table in TABLES:
        lines += [
            f"## {table.name}",
            "",
            table.description,
            "",
            f"Key: `{', '.join(table.key)}`.",
            "",
            "| column | type | null | meaning | allowed values | example |",
            "|---|---|---|---|---|---|",
        ]
        for c in table.columns:
            allowed = ", ".join(f"`{v}`" for v in c.values) if c.values else (f"`{c.pattern}`" if c.pattern else "")
            if c.name == "unit" and table.name == "metrics":
                allowed = "ISO 4217 or a code below"
            name = f"{c.name} **v1**" if c.contract else c.name
            lines.append(
                f"| {name} | {c.type} | {'yes' if c.nullable else 'no'} | {_cell(c.description)} | "
                f"{_cell(allowed)} | {_cell(_example(c))} |"
            )
        lines.append("")
    lines += ["## Unit codes (metrics.unit)", "", "| code | meaning |", "|---|---|"]
    lines += [f"| `{code}` | {meaning} |" for code, meaning in UNITS.items()]
    return "\n".join(lines) + "\n"


def comment_statements() -> list[tuple[str, str | None, str]]:
    """(table, column or None, `COMMENT ON` statement) for views named like the tables."""

    def quote(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    statements: list[tuple[str, str | None, str]] = []
    for table in TABLES:
        statements.append((table.name, None, f"comment on view {table.name} is {quote(table.description)}"))
        statements += [
            (table.name, c.name, f"comment on column {table.name}.{c.name} is {quote(c.description)}")
            for c in table.columns
        ]
    return statements


def generated_expectations(table: Table) -> list[dict[str, Any]]:
    """The column checks the dictionary implies: existence, not-null, allowed values, pattern."""
    out = []
    meta = {"generated": GENERATED}
    for c in table.columns:
        out.append({"type": "expect_column_to_exist", "kwargs": {"column": c.name}, "meta": meta})
    for c in table.columns:
        if not c.nullable:
            out.append({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": c.name}, "meta": meta})
        if c.values and not c.type.endswith("[]"):
            out.append(
                {
                    "type": "expect_column_values_to_be_in_set",
                    "kwargs": {"column": c.name, "value_set": list(c.values)},
                    "meta": meta,
                }
            )
        if c.pattern:
            out.append(
                {
                    "type": "expect_column_values_to_match_regex",
                    "kwargs": {"column": c.name, "regex": c.pattern},
                    "meta": meta,
                }
            )
    return out


def with_generated(suite: dict[str, Any], table: Table) -> dict[str, Any]:
    """The suite with its generated checks replaced by the dictionary's; hand-written checks that the
    generated ones now cover are dropped, the rest kept in order after them."""
    generated = generated_expectations(table)
    same = {(e["type"], json.dumps(e["kwargs"], sort_keys=True)) for e in generated}
    manual = [
        e
        for e in suite["expectations"]
        if (e.get("meta") or {}).get("generated") != GENERATED
        and (e["type"], json.dumps(e["kwargs"], sort_keys=True)) not in same
    ]
    return {**suite, "expectations": generated + manual}


class SchemaMismatch(RuntimeError):
    """A mart does not have the columns and types the dictionary says."""


def check_marts(con: duckdb.DuckDBPyConnection, schema: str = "marts") -> None:
    """Raise SchemaMismatch on the first mart column whose type differs from the dictionary, or that is
    missing or undescribed: "marts.metrics.period_start is VARCHAR, the dictionary says DATE"."""
    found: dict[str, dict[str, str]] = {}
    for table, column, dtype in con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = ? order by table_name, ordinal_position",
        [schema],
    ).fetchall():
        found.setdefault(table, {})[column] = dtype
    problems = []
    for table in TABLES:
        actual = found.get(table.name)
        if actual is None:
            problems.append(f"{schema}.{table.name} does not exist")
            continue
        for c in table.columns:
            if c.name not in actual:
                problems.append(f"{schema}.{table.name}.{c.name} is missing (the dictionary says {c.type})")
            elif actual[c.name] != c.type:
                problems.append(f"{schema}.{table.name}.{c.name} is {actual[c.name]}, the dictionary says {c.type}")
        for name in actual.keys() - {c.name for c in table.columns}:
            problems.append(
                f"{schema}.{table.name}.{name} ({actual[name]}) is not in the dictionary "
                f"(flows/warehouse/dictionary.py)"
            )
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SchemaMismatch(problems[0] + more)


def main(argv: list[str] | None = None) -> int:
    """Regenerate docs/data-dictionary.md and the generated checks of expectations/*.json."""
    from flows.settings import EXPECTATIONS_DIR

    MARKDOWN.write_text(render_markdown(), encoding="utf-8")
    for table in TABLES:
        path = EXPECTATIONS_DIR / f"{table.name}.json"
        suite = with_generated(json.loads(path.read_text(encoding="utf-8")), table)
        path.write_text(json.dumps(suite, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {MARKDOWN.relative_to(ROOT)} and {len(TABLES)} suites in {EXPECTATIONS_DIR}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
