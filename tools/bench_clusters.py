"""Time the event clustering models on synthetic event mentions; prints numbers, asserts nothing.

    python tools/bench_clusters.py 1000000                  # seconds per model (peak RSS: /usr/bin/time -v)
    python tools/bench_clusters.py 20000 --compare old.sql  # same groups as another clustering model?

The mentions look like real ones: happenings of eight types over 2015-2026, each reported by
a few articles (a long tail by dozens or hundreds), named by a place or organization prefix
(a long-tailed pool) + an optional edition year + a common core (绿色发展论坛, 签约仪式…), with
reporting variants (开幕, 举行, no prefix), some undated, some with a subject, parties drawn
from a long-tailed pool (a few bodies take part in very many events).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows import warehouse

TYPES = ["forum_conference", "signing", "launch", "release", "approval", "visit", "exhibition", "meeting"]
CORES = [
    "绿色发展论坛",
    "签约仪式",
    "低碳发展大会",
    "新能源项目签约",
    "碳达峰推进会",
    "生态文明建设现场会",
    "绿色金融峰会",
    "节能减排成果展",
    "循环经济推介会",
    "清洁能源合作协议",
    "零碳园区揭牌",
    "环保产业博览会",
]
SUFFIXES = ["", "", "", "开幕", "举行", "召开", "在京举行"]
CHARS = list("东南西北中华新安平江河湖山海天金云长宁德兴福广荣昌盛和泰嘉永春明清阳龙凤")
CLUSTER_MODELS = (
    "int_event_attributes",
    "int_event_candidates",
    "int_event_mentions",
    "int_event_pairs",
    "int_event_clusters",
)


def _zipf(rng: np.random.Generator, size: int, pool: int, a: float = 1.3) -> np.ndarray:
    return (rng.zipf(a, size) - 1) % pool


def _pool(rng: np.random.Generator, size: int, tails: list[str]) -> np.ndarray:
    heads = ["".join(rng.choice(CHARS, 2)) for _ in range(size)]
    return np.array([head + tails[i % len(tails)] for i, head in enumerate(heads)])


def synthetic(mentions: int, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(stg_events, stg_event_parties) with about `mentions` event mentions, 3 per article."""
    rng = np.random.default_rng(seed)
    places = _pool(rng, 5000, ["省", "市", "区", "县", "新区", "高新区"])
    orgs = _pool(rng, 20000, ["集团", "能源公司", "研究院", "发展改革委", "生态环境局", "大学"])
    happenings = mentions
    reports = np.minimum(rng.zipf(2.0, happenings), 1000)
    reports = reports[np.cumsum(reports) <= mentions]
    happenings = len(reports)
    kind = rng.integers(0, len(TYPES), happenings)
    core = rng.integers(0, len(CORES), happenings)
    prefix = np.where(
        rng.random(happenings) < 0.5,
        places[_zipf(rng, happenings, len(places))],
        orgs[_zipf(rng, happenings, len(orgs))],
    )
    day = rng.integers(0, 12 * 365, happenings)
    edition = np.where(rng.random(happenings) < 0.3, (2015 + day // 365).astype(str), "")
    subject = np.where(rng.random(happenings) < 0.2, orgs[_zipf(rng, happenings, len(orgs))], None)

    owner = np.repeat(np.arange(happenings), reports)
    n = len(owner)
    variant = rng.random(n)
    names = np.char.add(
        np.char.add(np.where(variant < 0.1, "", prefix[owner]), edition[owner]),
        np.char.add(np.array(CORES)[core[owner]], np.array(SUFFIXES)[rng.integers(0, 7, n)]),
    )
    precision = rng.choice(["day", "month", "year", "unknown"], n, p=[0.7, 0.1, 0.05, 0.15])
    dates = pl.Series(np.datetime64("2015-01-01") + day[owner]).cast(pl.Date)
    order = rng.permutation(n)  # articles report a random mix of happenings
    doc = np.arange(n) // 3
    events = pl.DataFrame(
        {
            "doc_id": [f"d{i:08d}" for i in doc],
            "doc_event_id": [f"e{i % 3}" for i in range(n)],
            "event_type": np.array(TYPES)[kind[owner]][order],
            "name": names[order],
            "subject": pl.Series(np.where(rng.random(n) < 0.3, None, subject[owner])[order].tolist(), dtype=pl.String),
            "event_date": dates.gather(order),
            "date_precision": precision[order],
        }
    ).with_columns(
        event_date=pl.when(pl.col("date_precision") == "unknown").then(None).otherwise(pl.col("event_date")),
        surface=pl.col("name"),
        region_code=pl.lit(None, pl.String),
        char_start=pl.lit(0, pl.Int32),
        char_end=pl.col("name").str.len_chars().cast(pl.Int32),
        evidence=pl.col("name"),
    )
    # A happening's parties (a few bodies in very many); each report names most of them.
    cast = orgs[_zipf(rng, happenings * 4, len(orgs), 1.2)].reshape(happenings, 4)
    slots = pl.DataFrame({"mention": np.arange(n), "slots": rng.integers(0, 5, happenings)[owner]})
    named = slots.with_columns(slot=pl.int_ranges(0, "slots")).explode("slot").drop_nulls("slot")
    named = named.filter(pl.Series(rng.random(named.height) < 0.7))
    position = np.argsort(order)  # the row of each mention in `events`
    mention, slot = named["mention"].to_numpy(), named["slot"].to_numpy()
    parties = pl.DataFrame(
        {
            "doc_id": events["doc_id"].gather(position[mention]),
            "doc_event_id": events["doc_event_id"].gather(position[mention]),
            "party_name": cast[owner[mention], slot],
            "role": "participant",
        }
    ).unique()
    return events, parties


def build_clusters(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.create_macros(con)
    for layer, table, source in warehouse.models():
        if table in CLUSTER_MODELS:
            start = time.perf_counter()
            rows = warehouse.build_model(con, layer, table, source)
            print(f"  {layer}.{table:<24} {time.perf_counter() - start:7.2f} s  {rows:>10,} rows", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mentions", type=int)
    parser.add_argument(
        "--compare", type=Path, help="a clustering SQL model (event_mention_id, event_id) to compare with"
    )
    parser.add_argument("--exact", action="store_true", help="no block cap (every block gives all its pairs)")
    args = parser.parse_args()

    start = time.perf_counter()
    events, parties = synthetic(args.mentions)
    print(
        f"{events.height:,} event mentions, {parties.height:,} party links "
        f"({time.perf_counter() - start:.1f} s to generate)",
        flush=True,
    )
    sizes = events.group_by("name").len()["len"]
    print(f"names: {sizes.len():,} distinct; mentions per name: median {sizes.median():.0f}, max {sizes.max()}")
    con = duckdb.connect()
    con.execute("create schema staging; create schema intermediate")
    con.execute("create table staging.stg_events as select * from events")
    con.execute("create table staging.stg_event_parties as select * from parties")
    if args.exact:
        con.execute("set variable event_block_cap = 1000000000")
    start = time.perf_counter()
    build_clusters(con)
    events_found = con.sql("select count(distinct event_id) from intermediate.int_event_clusters").fetchall()[0][0]
    print(f"clustering models {time.perf_counter() - start:.2f} s; {events_found:,} events")
    if args.compare:
        start = time.perf_counter()
        con.execute(f"create table intermediate.reference as {args.compare.read_text(encoding='utf-8')}")
        print(f"reference model {time.perf_counter() - start:.2f} s")
        differ = con.sql("""
            select count(*) from intermediate.int_event_clusters as n
            full join intermediate.reference as r using (event_mention_id)
            where n.event_id is distinct from r.event_id""").fetchall()[0][0]
        print(f"mentions whose event differs from the reference: {differ:,} of {events.height:,}")


if __name__ == "__main__":
    main()
