"""The SQL models on tiny inline raw data, in an in-memory DuckDB."""

import dataclasses
from datetime import date

import duckdb
import polars as pl
import pytest
from facts import raw_frames

from flows import warehouse
from flows.warehouse import MART_TABLES


def _doc(doc_id, source_file, text, signature=None):
    return {
        "doc_id": doc_id,
        "source_file": source_file,
        "article_index": 0,
        "text": text,
        "is_relevant": True,
        "topics": ["low_carbon"],
        "signature": signature or list(range(64)),
    }


def _load(con, docs, **facts):
    frames = raw_frames(docs, **facts)
    warehouse.replace_documents(con, sorted({d["source_file"] for d in docs}), frames)
    return warehouse.build_models(con)


def test_marts_are_built_with_contract_tables(con):
    rows = _load(con, [_doc("d1", "a.txt", "天津市发布方案。")])
    assert sorted(k for k in rows if k.startswith("marts.")) == [f"marts.{t}" for t in sorted(MART_TABLES)]


def test_an_older_warehouse_loses_the_evidence_text_of_its_fact_tables():
    """Before raw.evidence, each fact row carried its evidence's text: ensure_schemas drops that column
    (the rows are extracted again, the extraction code having changed) and adds the offsets."""
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.metrics (doc_id varchar, char_start integer, char_end integer, evidence varchar)")
    con.execute("insert into raw.metrics values ('d1', 0, 3, '投资5亿元。')")
    warehouse.ensure_schemas(con)
    columns = [r[0] for r in con.execute("describe raw.metrics").fetchall()]
    assert "evidence" not in columns and {"evidence_start", "evidence_end"} <= set(columns)
    assert con.execute("select doc_id, char_start from raw.metrics").fetchall() == [("d1", 0)]
    assert [r[0] for r in con.execute("describe raw.evidence").fetchall()] == [
        "doc_id",
        "evidence_start",
        "evidence_end",
        "evidence",
    ]


def test_staging_models_are_views_and_replace_the_tables_of_an_older_warehouse(con):
    """An older greenwire built staging as tables: the next build turns them into views, same marts."""
    _load(con, [_doc("d1", "a.txt", "天津市发布方案。")])
    before = con.execute("select * from marts.documents").fetchall()
    con.execute("drop view staging.stg_documents")
    con.execute("create table staging.stg_documents as select 1 as stale")
    warehouse.build_models(con)
    views = {r[0] for r in con.execute("select view_name from duckdb_views() where schema_name = 'staging'").fetchall()}
    tables = {
        r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'staging'").fetchall()
    }
    staging = {table for layer, table, _ in warehouse.sql_models() if layer == "staging"}
    assert views == staging
    assert tables == set()
    assert con.execute("select * from marts.documents").fetchall() == before


def test_region_ancestors_are_added_so_parents_resolve(con):
    mention = {
        "doc_id": "d1",
        "char_start": 0,
        "char_end": 4,
        "evidence": "浦东新区发布方案。",
        "surface": "浦东新区",
        "region_key": "CN-310115",
        "name": "浦东新区",
        "level": "county",
        "parent_key": "CN-310000",
        "country_code": "CN",
        "admin_code": "310115",
    }
    _load(con, [_doc("d1", "a.txt", "浦东新区发布方案。")], region_mentions=[mention])
    regions = dict(con.execute("select region_id, parent_region_id from marts.regions").fetchall())
    assert regions == {"CN-310115": "CN-310000", "CN-310000": "ISO-CN", "ISO-CN": None}


def test_alias_seen_in_one_document_resolves_in_another(con):
    def party(doc, surface, name):
        return {
            "doc_id": doc,
            "char_start": 0,
            "char_end": len(surface),
            "evidence": surface + "。",
            "surface": surface,
            "name": name,
            "party_type": "enterprise",
        }

    _load(
        con,
        [_doc("d1", "a.txt", "中国某某集团有限公司(某某集团)。"), _doc("d2", "b.txt", "某某集团。")],
        party_mentions=[
            party("d1", "中国某某集团有限公司", "中国某某集团有限公司"),
            party("d1", "某某集团", "中国某某集团有限公司"),
            party("d2", "某某集团", "某某集团"),
        ],
    )
    parties = con.execute("select name, aliases from marts.parties").fetchall()
    assert parties == [("中国某某集团有限公司", ["某某集团"])]
    assert con.execute("select count(distinct entity_id) from marts.mentions").fetchall()[0][0] == 1


def _event(doc, name, event_date=None, precision="unknown", subject=None, event_type="forum_conference"):
    return {
        "doc_id": doc,
        "event_key": "0",
        "event_type": event_type,
        "name": name,
        "event_date": event_date,
        "date_precision": precision,
        "subject": subject,
        "char_start": 0,
        "char_end": len(name),
        "evidence": name,
    }


def test_same_event_in_two_articles_is_one_event(con):
    docs = [_doc("d1", "a.txt", "x", list(range(64))), _doc("d2", "b.txt", "y", list(range(100, 164)))]
    _load(
        con,
        docs,
        events=[
            _event("d1", "2025中新绿色发展论坛", date(2025, 9, 18), "day"),
            _event("d2", "2025中新绿色发展论坛开幕"),
        ],
    )
    assert con.execute("select event_date, num_documents from marts.events").fetchall() == [(date(2025, 9, 18), 2)]


def _docs(n):
    return [_doc(f"d{i}", f"{i}.txt", "x", list(range(i * 100, i * 100 + 64))) for i in range(n)]


def test_different_editions_and_dates_stay_apart(con):
    _load(
        con,
        _docs(3),
        events=[
            _event("d0", "2025中新绿色发展论坛", date(2025, 9, 18), "day"),
            _event("d1", "2024中新绿色发展论坛", date(2024, 9, 18), "day"),
            _event("d2", "中新绿色发展论坛", date(2023, 5, 1), "day"),
        ],
    )
    assert con.execute("select count(*) from marts.events").fetchall() == [(3,)]


def test_an_undated_mention_does_not_chain_two_different_events(con):
    _load(
        con,
        _docs(3),
        events=[
            _event("d0", "中新绿色发展论坛", date(2025, 9, 18), "day"),
            _event("d1", "中新绿色发展论坛", date(2024, 9, 18), "day"),
            _event("d2", "中新绿色发展论坛"),
        ],
    )
    assert con.execute("select num_documents from marts.events order by 1").fetchall() == [(1,), (1,), (1,)]


def test_an_undated_mention_joins_the_one_event_it_matches(con):
    _load(
        con,
        _docs(3),
        events=[
            _event("d0", "中新绿色发展论坛", date(2025, 9, 18), "day"),
            _event("d1", "签约仪式", date(2025, 9, 18), "day", event_type="signing"),
            _event("d2", "中新绿色发展论坛举行"),
        ],
    )
    assert con.execute("select event_type, num_documents from marts.events order by 1").fetchall() == [
        ("forum_conference", 2),
        ("signing", 1),
    ]


def test_near_duplicate_article_points_at_the_earlier_one(con):
    sig = list(range(64))
    near = [*sig[:60], 999, 998, 997, 996]  # 60/64 = 0.94 agree
    far = sig[:40] + list(range(500, 524))  # 40/64 = 0.63 agree
    _load(con, [_doc("d1", "a.txt", "x", sig), _doc("d2", "b.txt", "x", near), _doc("d3", "c.txt", "x", far)])
    dupes = dict(con.execute("select doc_id, duplicate_of from marts.documents").fetchall())
    assert dupes == {"d1": None, "d2": "d1", "d3": None}


def test_replacing_a_file_swaps_only_its_rows(con):
    _load(con, [_doc("d1", "a.txt", "旧"), _doc("d2", "b.txt", "留")])
    _load(con, [_doc("d3", "a.txt", "新")])
    assert sorted(con.execute("select doc_id, text from raw.documents").fetchall()) == [("d2", "留"), ("d3", "新")]


def test_a_broken_model_names_its_file(con, tmp_path):
    for layer in warehouse.LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "staging" / "stg_broken.sql").write_text("select * from raw.nope")
    with pytest.raises(RuntimeError, match=r"stg_broken\.sql failed"):
        warehouse.build_models(con, tmp_path)


def test_a_broken_macro_file_is_one_line_naming_it(con, tmp_path):
    for layer in warehouse.LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "macros.sql").write_text("create or replace temp macro broken( as 1;")
    with pytest.raises(RuntimeError, match=rf"^macros {tmp_path.name}/macros\.sql failed: Parser Error: [^\n]*$"):
        warehouse.build_models(con, tmp_path)


def test_repost_and_repeated_story_are_marked_duplicates(con, tmp_path):
    from flows.ops.inventory import scan
    from flows.steps.clean import clean

    story = (
        "中新天津生态城举办绿色发展论坛,300多位代表参加,共同探讨绿色低碳发展路径。"
        "论坛期间,多家机构签署战略合作协议,推动循环经济和新能源产业发展。"
    )
    other = "某市召开防汛工作会议,部署汛期安全工作,要求各区加强值班值守,确保安全度汛。"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(
        f"绿色论坛举行\n\n■ 记者 王某\n\n{story}\n\n防汛会议召开\n\n■ 记者 李某\n\n{other}", encoding="utf-8"
    )
    (folder / "b.txt").write_text(f"分享到:微信\n{story}\n版权所有 某网站", encoding="utf-8")
    (folder / "c.txt").write_text(
        f"绿色论坛举行\n\n■ 记者 王某\n\n{story}\n\n绿色论坛举行\n\n■ 记者 王某\n\n{story}", encoding="utf-8"
    )
    docs = clean(scan(folder, 1_000_000), today=date(2026, 12, 1))
    warehouse.replace_documents(con, ["a.txt", "b.txt", "c.txt"], {"documents": docs})
    warehouse.build_models(con)
    rows = con.execute("""
        select d.source_file, d.article_index, o.source_file, o.article_index
        from marts.documents d left join marts.documents o on o.doc_id = d.duplicate_of
        order by 1, 2""").fetchall()
    assert rows == [
        ("a.txt", 0, None, None),
        ("a.txt", 1, None, None),
        ("b.txt", 0, "a.txt", 0),
        ("c.txt", 0, "a.txt", 0),
        ("c.txt", 1, "a.txt", 0),
    ]


def test_no_model_has_a_key_named_otherwise_than_entity_id(con):
    """Keys are `<entity>_id` in every layer: extraction's *_key columns are renamed in staging."""
    _load(con, [_doc("d1", "a.txt", "天津市发布方案。")])
    odd = con.execute("""
        select table_schema || '.' || table_name || '.' || column_name from information_schema.columns
        where table_schema in ('staging', 'intermediate', 'marts')
          and (column_name like '%\\_key' escape '\\' or column_name like '%\\_uid' escape '\\')""").fetchall()
    assert odd == []


def _place(doc, surface, name, parent):
    return {
        "doc_id": doc,
        "char_start": 0,
        "char_end": len(surface),
        "evidence": surface + "。",
        "surface": surface,
        "region_key": "ZONE:CN:某某生态园",
        "name": name,
        "level": "zone",
        "parent_key": parent,
        "country_code": "CN",
    }


def test_a_place_the_gazetteer_lacks_takes_one_whole_mention_not_each_columns_minimum(con):
    # the smallest parent is in d2's mention, the smallest name in d1's: a column-wise min() mixes them
    _load(
        con,
        [_doc("d1", "a.txt", "某某生态园甲。"), _doc("d2", "b.txt", "某某生态园乙。", list(range(100, 164)))],
        region_mentions=[
            _place("d1", "某某生态园", "某某生态园乙", "CN-120116"),
            _place("d2", "某某生态园", "某某生态园甲", "CN-120000"),
        ],
    )
    zone = con.execute("select name, parent_region_id from marts.regions where level = 'zone'").fetchall()
    assert zone == [("某某生态园甲", "CN-120000")]  # d2's whole row; min() took d1's name (乙 < 甲)


def test_event_roles_and_metric_subjects_point_at_the_party_their_name_resolves_to(con):
    text = "某某集团签约，投资5亿元。"
    mention = {
        "doc_id": "d2",
        "char_start": 0,
        "char_end": 4,
        "evidence": text,
        "surface": "某某集团",
        "name": "某某集团",
        "party_type": "enterprise",
    }
    full = {**mention, "doc_id": "d1", "surface": "中国某某集团有限公司", "name": "中国某某集团有限公司"}
    alias = {**full, "surface": "某某集团"}
    metric = {
        "doc_id": "d2",
        "char_start": 8,
        "char_end": 11,
        "evidence": text,
        "raw_text": "5亿元",
        "value": 5e8,
        "unit": "CNY",
        "indicator": "投资",
        "subject_party": "某某集团",
        "event_key": "e0",
    }
    docs = [_doc("d1", "a.txt", "中国某某集团有限公司(某某集团)。"), _doc("d2", "b.txt", text, list(range(100, 164)))]
    _load(
        con,
        docs,
        party_mentions=[full, alias, mention],
        events=[{**_event("d2", "某某集团签约"), "event_key": "e0"}],
        event_parties=[{"doc_id": "d2", "event_key": "e0", "party_name": "某某集团", "role": "signatory"}],
        metrics=[metric],
    )
    (party_id,) = con.execute("select party_id from marts.parties where name = '中国某某集团有限公司'").fetchall()[0]
    (event_id,) = con.execute("select event_id from marts.events").fetchall()[0]
    assert con.execute("select event_id, party_id, role from marts.event_parties").fetchall() == [
        (event_id, party_id, "signatory")
    ]
    assert con.execute("select subject_party_id, event_id from marts.metrics").fetchall() == [(party_id, event_id)]


def test_near_duplicates_at_the_threshold_share_the_fewest_bands_the_search_compares(con):
    """52 of 64 values equal (0.8125 >= 0.8) with the 12 differences in 12 bands: only 4 bands stay
    equal, the fewest a pair can share and still be compared; 51 equal (0.797) is not a near-duplicate."""
    sig = list(range(64))
    at_threshold = [v + 1000 if i < 48 and i % 4 == 0 else v for i, v in enumerate(sig)]  # bands 0-11 broken
    below = [v + 1000 if i in (1,) else v for i, v in enumerate(at_threshold)]  # a 13th difference, in band 0
    assert sum(a == b for a, b in zip(sig, at_threshold)) == 52 and sum(a == b for a, b in zip(sig, below)) == 51
    _load(con, [_doc("d1", "a.txt", "x", sig), _doc("d2", "b.txt", "x", at_threshold), _doc("d3", "c.txt", "x", below)])
    dupes = dict(con.execute("select doc_id, duplicate_of from marts.documents").fetchall())
    assert dupes == {"d1": None, "d2": "d1", "d3": "d2"}  # d3 differs from d2 in one value only


def test_a_mention_given_twice_is_one_row_and_two_evidences_are_two(con):
    text = "天津市发布方案。天津市发布方案"

    def party(evidence):
        return {
            "doc_id": "d1",
            "char_start": 0,
            "char_end": 3,
            "evidence": evidence,
            "surface": "天津市",
            "name": "天津市",
            "party_type": "government",
        }

    _load(con, [_doc("d1", "a.txt", text)], party_mentions=[party(text[:8]), party(text[:8])])
    assert con.execute("select evidence from marts.mentions where entity_kind = 'party'").fetchall() == [(text[:8],)]
    _load(con, [_doc("d1", "a.txt", text)], party_mentions=[party(text[:8]), party(text[:8]), party(text)])
    assert sorted(con.execute("select evidence from marts.mentions where entity_kind = 'party'").fetchall()) == [
        (text[:8],),
        (text,),
    ]


def test_article_text_is_stored_zstd_compressed_and_the_rest_as_duckdb_chooses(tmp_path):
    """COLUMN_COMPRESSION: raw.documents and marts.documents keep their text as zstd in the file (DuckDB's
    own choice for long text wrote slower and larger); marts.documents has the rows the query gives."""
    import duckdb

    with duckdb.connect(str(tmp_path / "greenwire.duckdb")) as con:
        warehouse.ensure_schemas(con)
        warehouse.load_reference(con)
        docs = [_doc(f"d{i}", f"{i:03}.txt", f"第{i}篇：天津市发布低碳方案。" * 40) for i in range(50)]
        _load(con, docs)
        con.execute("checkpoint")
        for table in ("raw.documents", "marts.documents"):
            stored = dict(
                con.execute(
                    f"select column_name, string_agg(distinct compression) from pragma_storage_info('{table}') "
                    "where segment_type = 'VARCHAR' group by column_name"
                ).fetchall()
            )
            assert stored["text"] == "ZSTD"
            assert stored["doc_id"] != "ZSTD"
        assert con.execute("select count(*), min(text) from marts.documents").fetchall() == [
            (50, min(d["text"] for d in docs))
        ]


def test_an_early_python_model_steps_beside_its_layers_sql_models(con, tmp_path):
    """An `early` model's step starts as its layer starts, in a thread, while the layer's SQL models run:
    the SQL model below waits (up to 10 s) for the step to start and records whether it did. Its table is
    written at its turn, the same as a model stepped in order."""
    import threading

    for layer in warehouse.LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "staging" / "stg_numbers.sql").write_text("select range as n from range(3)")
    (tmp_path / "intermediate" / "int_waits.sql").write_text("select step_started() as overlapped")
    started = threading.Event()
    con.create_function("step_started", lambda: started.wait(10), [], "BOOLEAN", side_effects=True)
    threads = []

    def step(numbers: pl.DataFrame) -> pl.DataFrame:
        threads.append(threading.current_thread().name)
        started.set()
        return numbers.with_columns(double=pl.col("n") * 2)

    tables = "select * from intermediate.int_doubled order by n"
    model = warehouse.PythonModel(
        layer="intermediate", table="int_doubled", inputs={"numbers": "select n from staging.stg_numbers"}, step=step
    )
    started.set()  # stepped in order, after the SQL models: nothing to wait for
    warehouse.build_models(con, tmp_path, python_models=(model,))
    serial = con.execute(tables).fetchall()
    started.clear()
    warehouse.build_models(con, tmp_path, python_models=(dataclasses.replace(model, early=True),))
    assert con.execute("select overlapped from intermediate.int_waits").fetchall() == [(True,)]
    assert threads[0] == "MainThread" and threads[1].startswith("python-model")
    assert con.execute(tables).fetchall() == serial == [(0, 0), (1, 2), (2, 4)]
