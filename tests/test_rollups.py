"""Analyst columns of the marts: region roll-ups, English names and points; event provenance; metric periods."""

from datetime import date

import duckdb
from facts import raw_frames

from flows import warehouse


def _doc(doc_id, source_file, text, published_on=None, relevant=True):
    return {
        "doc_id": doc_id,
        "source_file": source_file,
        "article_index": 0,
        "text": text,
        "is_relevant": relevant,
        "published_on": published_on,
        "signature": [hash((doc_id, i)) % 1000 for i in range(64)],
    }


def _region(doc_id, surface, key, name, level, parent=None, admin_code=None):
    return {
        "doc_id": doc_id,
        "char_start": 0,
        "char_end": len(surface),
        "evidence": surface + "。",
        "surface": surface,
        "region_key": key,
        "name": name,
        "level": level,
        "parent_key": parent,
        "country_code": "CN",
        "admin_code": admin_code,
    }


def _build(con, docs, **facts):
    frames = raw_frames(docs, **facts)
    warehouse.replace_documents(con, sorted({d["source_file"] for d in docs}), frames)
    warehouse.build_models(con)


def _regions(con):
    columns = "region_id, province_region_id, prefecture_region_id, name_en, longitude, latitude, geo_precision"
    return {r[0]: r[1:] for r in con.execute(f"select {columns} from marts.regions").fetchall()}


def test_a_zone_rolls_up_to_its_province_and_takes_its_countys_point(con):
    text = "滨海新区某某生态园开园。"
    _build(
        con,
        [_doc("d1", "a.txt", text)],
        region_mentions=[
            _region("d1", "滨海新区", "CN-120116", "滨海新区", "county", "CN-120000", "120116"),
            _region("d1", "某某生态园", "某某生态园", "某某生态园", "zone", "CN-120116"),
        ],
    )
    regions = _regions(con)
    zone = next(v for k, v in regions.items() if k.startswith("R-"))
    assert zone == ("CN-120000", None, None, 117.698407, 39.01727, "parent_county")
    assert regions["CN-120116"] == ("CN-120000", None, "Binhai Xinqu", 117.698407, 39.01727, "exact")
    assert regions["CN-120000"][:3] == ("CN-120000", None, "Tianjin Shi")
    assert regions["ISO-CN"] == (None, None, "China", None, None, "none")


def test_a_county_has_its_prefecture_and_province(con):
    _build(
        con,
        [_doc("d1", "a.txt", "虎丘区发布方案。")],
        region_mentions=[_region("d1", "虎丘区", "CN-320505", "虎丘区", "county", "CN-320500", "320505")],
    )
    regions = _regions(con)
    assert regions["CN-320505"][:3] == ("CN-320000", "CN-320500", "Huqiu Qu")
    assert regions["CN-320500"][:3] == ("CN-320000", "CN-320500", "Suzhou Shi")


def test_a_coded_division_without_a_point_in_the_gazetteer_takes_its_prefectures(con):
    lon, lat = con.execute("select longitude, latitude from ref.cn_divisions where admin_code = '130100'").fetchall()[0]
    assert con.execute("select longitude from ref.cn_divisions where admin_code = '130181'").fetchall() == [(None,)]
    _build(
        con,
        [_doc("d1", "a.txt", "辛集市发布方案。")],
        region_mentions=[_region("d1", "辛集市", "CN-130181", "辛集市", "county", "CN-130100", "130181")],
    )
    assert _regions(con)["CN-130181"][3:] == (float(lon), float(lat), "parent_prefecture")


def test_every_coded_chinese_division_gets_a_point():
    """Over the whole gazetteer: each division has its own point or an ancestor's."""
    con = duckdb.connect()
    warehouse.ensure_schemas(con)
    warehouse.load_reference(con)
    missing = con.execute("""
        select d.admin_code from ref.cn_divisions as d
        left join ref.cn_divisions as p on p.admin_code = d.parent_code
        left join ref.cn_divisions as g on g.admin_code = p.parent_code
        where coalesce(d.longitude, p.longitude, g.longitude) is null""").fetchall()
    assert missing == []


def _metric(doc_id, text, raw_text, value, unit, indicator, period=None, classifier=None):
    start = text.index(raw_text)
    return {
        "doc_id": doc_id,
        "char_start": start,
        "char_end": start + len(raw_text),
        "evidence": text,
        "raw_text": raw_text,
        "value": value,
        "unit": unit,
        "classifier": classifier,
        "qualifier": "exact",
        "indicator": indicator,
        "period": period,
    }


def test_metric_periods_become_dates_and_durations_are_flagged(con):
    text = "2023年1—9月生产总值12亿元，上半年增长11.2%，总投资5亿元，历时40年，300人参加，2021—2025年节能5万吨标准煤。"
    metrics = [
        _metric("d1", text, "12亿元", 1.2e9, "CNY", "生产总值", "2023-01/2023-09"),
        _metric("d1", text, "11.2%", 11.2, "percent", "地区生产总值增长", "2025-H1"),
        _metric("d1", text, "5亿元", 5e8, "CNY", "总投资", "2022"),
        _metric("d1", text, "40年", 40.0, "year", "历时"),
        _metric("d1", text, "300人", 300.0, "count", "参加", classifier="人"),
        _metric("d1", text, "5万吨标准煤", 5e4, "tce", "节能", "2021/2025"),
    ]
    _build(con, [_doc("d1", "a.txt", text)], metrics=metrics)
    got = {
        r[0]: r[1:]
        for r in con.execute(
            "select raw_text, period_start, period_end, indicator_category, is_duration from marts.metrics"
        ).fetchall()
    }
    assert got == {
        "12亿元": (date(2023, 1, 1), date(2023, 9, 30), "output_value", False),
        "11.2%": (date(2025, 1, 1), date(2025, 6, 30), "growth_rate", False),
        "5亿元": (date(2022, 1, 1), date(2022, 12, 31), "investment", False),
        "40年": (None, None, "duration", True),
        "300人": (None, None, "people", False),
        "5万吨标准煤": (date(2021, 1, 1), date(2025, 12, 31), "energy_saving", False),
    }


def test_events_know_their_articles_relevance_and_month(con):
    text = "2017年，某某论坛举行。"
    event = {
        "doc_id": "d1",
        "char_start": 5,
        "char_end": 9,
        "evidence": text,
        "event_key": "e1",
        "event_type": "forum_conference",
        "name": "某某论坛",
        "surface": "某某论坛",
        "event_date": date(2017, 1, 1),
        "date_precision": "year",
    }
    _build(con, [_doc("d1", "a.txt", text, published_on=date(2018, 3, 2), relevant=False)], events=[event])
    row = con.execute(
        "select first_doc_id, doc_ids, first_reported_on, is_relevant, event_year, event_month from marts.events"
    ).fetchall()
    assert row == [("d1", ["d1"], date(2018, 3, 2), False, 2017, None)]


def test_foreign_places_have_english_names_and_their_first_level_division(con):
    mention = {**_region("d1", "巴特肯州", "KG-B", "巴特肯州", "province", "ISO-KG"), "country_code": "KG"}
    _build(con, [_doc("d1", "a.txt", "巴特肯州发布方案。")], region_mentions=[mention])
    names = dict(con.execute("select region_id, name_en from marts.regions").fetchall())
    assert names == {"KG-B": "Batken", "ISO-KG": "Kyrgyzstan"}
    assert _regions(con)["KG-B"][:2] == ("KG-B", None)
