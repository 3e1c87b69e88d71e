"""Is an article about green / low-carbon / circular / sustainable development, and which topics?

Rule: each topic has a keyword list; an article is relevant when its keywords occur at
least RELEVANT_HITS times in all, or at least once in its title. Topics are the topics
with a hit. The lists are plain data so a reviewer can see and extend them.
"""

from __future__ import annotations

import polars as pl

TOPIC_KEYWORDS: dict[str, list[str]] = {
    "low_carbon": [
        "低碳",
        "零碳",
        "减碳",
        "降碳",
        "碳达峰",
        "碳中和",
        "双碳",
        "碳排放",
        "碳减排",
        "温室气体",
        "碳交易",
        "碳市场",
        "碳汇",
        "气候变化",
    ],
    "green_development": [
        "绿色发展",
        "绿色低碳",
        "绿色产业",
        "绿色转型",
        "绿色建筑",
        "绿色工厂",
        "绿色金融",
        "绿色技术",
        "可持续发展",
        "生态文明",
        "绿色园区",
        "绿色工业",
    ],
    "circular_economy": [
        "循环经济",
        "资源循环",
        "循环利用",
        "再生资源",
        "综合利用",
        "废旧",
        "回收利用",
        "再制造",
        "城市矿产",
        "无废城市",
        "固废",
    ],
    "clean_energy": [
        "新能源",
        "清洁能源",
        "可再生能源",
        "光伏",
        "风电",
        "氢能",
        "储能",
        "核电",
        "绿电",
        "能源转型",
        "节能",
    ],
    "environment": [
        "生态环境",
        "环境保护",
        "环保",
        "污染防治",
        "生态修复",
        "生态保护",
        "水土保持",
        "大气污染",
        "PM2.5",
        "节水",
    ],
}
RELEVANT_HITS = 3


def relevance(documents: pl.DataFrame) -> pl.DataFrame:
    """doc_id, is_relevant, topics: "循环经济…绿色低碳…碳中和" -> True, [low_carbon, …]."""
    counts = documents.select(
        "doc_id",
        *[
            pl.col("text").str.count_matches("|".join(words), literal=False).alias(topic)
            for topic, words in TOPIC_KEYWORDS.items()
        ],
        *[
            pl.col("title").fill_null("").str.contains("|".join(words)).alias(f"title_{topic}")
            for topic, words in TOPIC_KEYWORDS.items()
        ],
    )
    hits = pl.sum_horizontal(list(TOPIC_KEYWORDS))
    in_title = pl.any_horizontal([f"title_{t}" for t in TOPIC_KEYWORDS])
    topics = pl.concat_list(
        [pl.when((pl.col(t) > 0) | pl.col(f"title_{t}")).then(pl.lit(t)) for t in TOPIC_KEYWORDS]
    ).list.drop_nulls()
    return counts.select("doc_id", is_relevant=(hits >= RELEVANT_HITS) | in_title, topics=topics)
