"""Cross-document event clustering models (blocking, match rules, components) on tiny staging data."""

import itertools
import random
import re
from datetime import date

import duckdb
import polars as pl
import pytest

from flows import warehouse

CLUSTER_MODELS = (
    "int_event_attributes",
    "int_event_candidates",
    "int_event_mentions",
    "int_event_pairs",
    "int_event_clusters",
)


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema staging; create schema intermediate")
    yield con
    con.close()


def _cluster(con, mentions: list[dict], parties: list[tuple[str, str]] = ()) -> None:
    """Staging rows for the mentions and (mention, party name) pairs; mention "d1/e0" is document d1's event e0."""
    events = pl.DataFrame(
        mentions,
        schema={
            "mention": pl.String,
            "event_type": pl.String,
            "name": pl.String,
            "subject": pl.String,
            "event_date": pl.Date,
            "date_precision": pl.String,
        },
    )
    event_parties = pl.DataFrame(
        list(parties) or None, schema={"mention": pl.String, "party_name": pl.String}, orient="row"
    )
    con.register("events", events)
    con.register("event_parties", event_parties)
    split = "split_part(mention, '/', 1) as doc_id, split_part(mention, '/', 2) as doc_event_id"
    con.execute(f"""create or replace table staging.stg_events as
                    select {split}, * exclude (mention), null::varchar as region_code, name as surface,
                           0 as char_start, length(name) as char_end,
                           0 as evidence_start, length(name) as evidence_end
                    from events""")
    con.execute(f"create or replace table staging.stg_event_parties as select {split}, party_name from event_parties")
    warehouse.create_macros(con)
    for layer, table, source in warehouse.models():
        if table in CLUSTER_MODELS:
            warehouse.build_model(con, layer, table, source)


def _mention(mention, name, day=None, event_type="forum_conference", subject=None, precision=None):
    return {
        "mention": mention,
        "event_type": event_type,
        "name": name,
        "subject": subject,
        "event_date": date(2025, 9, day) if day else None,
        "date_precision": precision or ("day" if day else "unknown"),
    }


def _pairs(con) -> set[tuple[str, str]]:
    return set(
        con.execute("select event_mention_id, other_event_mention_id from intermediate.int_event_pairs").fetchall()
    )


def _groups(con) -> list[list[str]]:
    return [
        row[0]
        for row in con.execute(
            """select list(event_mention_id order by event_mention_id) as members
               from intermediate.int_event_clusters group by event_id order by 1"""
        ).fetchall()
    ]


def test_a_small_block_gives_every_pair(con):
    _cluster(con, [_mention(f"d{i}/e0", "绿色发展论坛", 18) for i in range(4)])
    assert _pairs(con) == set(itertools.combinations([f"d{i}/e0" for i in range(4)], 2))


def test_a_block_over_the_cap_gives_each_mention_its_window_of_neighbours_by_name(con):
    con.execute("set variable event_block_cap = 3")
    con.execute("set variable event_block_window = 1")
    _cluster(
        con,
        [
            _mention("d1/e0", "绿色发展论坛举行", 18),
            _mention("d2/e0", "绿色发展论坛", 18),
            _mention("d3/e0", "绿色发展论坛", 18),
            _mention("d4/e0", "绿色发展论坛开幕", 18),
        ],
    )
    # sorted by name: 绿色发展论坛 (d2, d3) < 绿色发展论坛举行 (d1) < 绿色发展论坛开幕 (d4)
    assert _pairs(con) == {("d2/e0", "d3/e0"), ("d1/e0", "d3/e0"), ("d1/e0", "d4/e0")}
    assert _groups(con) == [["d1/e0", "d2/e0", "d3/e0", "d4/e0"]]


def test_mentions_of_different_years_are_never_compared_but_undated_ones_meet_every_year(con):
    mentions = [
        _mention("d1/e0", "中新绿色发展论坛", 18),
        _mention("d2/e0", "中新绿色发展论坛"),
        {**_mention("d3/e0", "中新绿色发展论坛", 18), "event_date": date(2024, 9, 18)},
    ]
    _cluster(con, mentions)
    assert _pairs(con) == {("d1/e0", "d2/e0"), ("d2/e0", "d3/e0")}
    # the undated one matches two dated events, so it joins neither
    assert _groups(con) == [["d1/e0"], ["d2/e0"], ["d3/e0"]]


def test_an_undated_mention_joins_the_one_dated_event_it_matches(con):
    _cluster(
        con,
        [
            _mention("d1/e0", "中新绿色发展论坛", 18),
            _mention("d2/e0", "中新绿色发展论坛开幕"),
            _mention("d3/e0", "签约仪式", 18, event_type="signing"),
        ],
    )
    assert _groups(con) == [["d1/e0", "d2/e0"], ["d3/e0"]]


def test_two_shared_parties_make_a_pair_even_when_one_party_is_in_every_event(con):
    names = ["植树活动", "清洁行动", "环保宣传周", "节水大赛", "垃圾分类日", "湿地保护月"]  # no bigram in common
    mentions = [_mention(f"d{i}/e0", name, 18) for i, name in enumerate(names)]
    parties = [(f"d{i}/e0", "国家发展改革委") for i in range(6)] + [("d1/e0", "某市政府"), ("d4/e0", "某市政府")]
    _cluster(con, mentions, parties)
    assert _pairs(con) == {("d1/e0", "d4/e0")}
    assert _groups(con) == [["d0/e0"], ["d1/e0", "d4/e0"], ["d2/e0"], ["d3/e0"], ["d5/e0"]]


def test_equal_names_match_only_when_they_have_a_bigram(con):
    """Equal names are matched without intersecting their bigrams (Dice 1), but a one-character name has
    no bigram, Dice 0: two such mentions filed together by a shared party (one, not the two a party match
    needs) stay apart, while the two-party pair beside them matches."""
    mentions = [_mention("d1/e0", "展", 18), _mention("d2/e0", "展", 18)]
    mentions += [_mention("d3/e0", "植树活动", 18), _mention("d4/e0", "节能宣传周", 18)]
    parties = [("d1/e0", "甲"), ("d1/e0", "乙"), ("d2/e0", "甲"), ("d2/e0", "丙")]
    parties += [(f"d{i}/e0", name) for i in (3, 4) for name in ("乙", "丙")]
    _cluster(con, mentions, parties)
    assert _pairs(con) == {("d3/e0", "d4/e0")}
    candidates = con.execute(
        """select count(*) from intermediate.int_event_candidates as c
           join intermediate.int_event_attributes as a on a.mention_no = c.mention_no
           join intermediate.int_event_attributes as b on b.mention_no = c.other_mention_no
           where a.name = '展' and b.name = '展'"""
    ).fetchall()[0][0]
    assert candidates == 1  # compared, and refused


def _dice(a: str, b: str) -> float:
    grams_a, grams_b = ({s[i : i + 2] for i in range(len(s) - 1)} for s in (a, b))
    return 2 * len(grams_a & grams_b) / max(len(grams_a) + len(grams_b), 1)


def test_blocks_under_the_cap_find_every_matching_pair(con):
    """The blocking keys lose nothing: prefixes of rare bigrams, parties but the most common one."""
    rng = random.Random(3)
    con.execute("set variable event_block_cap = 1000")
    cores = ["绿色发展论坛", "低碳发展大会", "绿色发展大会", "新能源项目签约仪式", "绿色低碳发展论坛"]
    heads = ["中新", "天津", "浙江", "", "2024", "中国"]
    pool = ["国家发展改革委", "某市政府", "某集团", "某研究院", "某大学"]
    mentions, parties = [], []
    for i in range(80):
        uid = f"d{i // 2}/e{i % 2}"
        day = rng.choice([None, 1, 18])
        mentions.append(
            {
                **_mention(
                    uid,
                    rng.choice(heads) + rng.choice(cores) + rng.choice(["", "开幕"]),
                    day,
                    rng.choice(["forum_conference", "signing"]),
                    rng.choice([None, None, "某集团"]),
                ),
                "event_date": date(rng.choice([2024, 2025]), 9, day) if day else None,
            }
        )
        parties += [(uid, name) for name in rng.sample(pool, rng.randint(0, 3))]
    _cluster(con, mentions, parties)
    party_sets = {uid: {name for u, name in parties if u == uid} for uid in (m["mention"] for m in mentions)}
    expected = set()
    for a, b in itertools.combinations(sorted(mentions, key=lambda m: m["mention"]), 2):
        if a["mention"].split("/")[0] == b["mention"].split("/")[0] or a["event_type"] != b["event_type"]:
            continue
        if a["event_date"] and b["event_date"] and a["event_date"] != b["event_date"]:
            continue
        numbers_a, numbers_b = (set(re.findall("[0-9]+", m["name"])) for m in (a, b))
        if numbers_a and numbers_b and numbers_a != numbers_b:
            continue
        if a["subject"] and b["subject"] and a["subject"] != b["subject"]:
            continue
        if (
            _dice(a["name"], b["name"]) >= 0.6
            or (a["subject"] and a["subject"] == b["subject"])
            or len(party_sets[a["mention"]] & party_sets[b["mention"]]) >= 2
        ):
            expected.add((a["mention"], b["mention"]))
    assert len(expected) > 30
    assert _pairs(con) == expected


def _boom(events: pl.DataFrame) -> pl.DataFrame:
    # the text DuckDB 2.0 gave for a recursive CTE on a rerun, C++ stack trace and all
    raise duckdb.InternalException(
        "INTERNAL Error: Attempted to dereference unique_ptr that is NULL!\n\nStack Trace:\n"
        "  0  libduckdb.so  duckdb::Exception::Exception\n  1  libduckdb.so  duckdb::Join"
    )


def test_a_duckdb_internal_error_becomes_one_line_naming_the_model(tmp_path):
    for layer in warehouse.LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "staging" / "stg_one.sql").write_text("select 1 as event_mention_id")
    model = warehouse.PythonModel(
        layer="intermediate", table="int_boom", step=_boom, inputs={"events": "select * from staging.stg_one"}
    )
    con = duckdb.connect()
    warehouse.ensure_schemas(con)
    with pytest.raises(RuntimeError) as failed:
        warehouse.build_models(con, tmp_path, python_models=(model,))
    assert str(failed.value) == (
        f"model intermediate.int_boom ({_boom.__module__}._boom) failed: DuckDB internal error: "
        "Attempted to dereference unique_ptr that is NULL!"
    )
    assert "duckdb::Join" in str(failed.value.__cause__)
